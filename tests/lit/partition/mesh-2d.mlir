// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// Hybrid data and model parallelism on a 2-D mesh: batch on b, hidden on m. Contracting
// hidden leaves a partial sum over m; contracting batch (loss, weight gradients) over b.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
// CHECK-LABEL: func.func @mlp() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">}
// CHECK: meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]} : !meshc.tensor<batch=4, d_in=4, f32>
// CHECK: %[[W1:.+]] = meshc.param "w1" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]{{.*}} : !meshc.tensor<d_in=4, hidden=3, f32>
// CHECK: %[[W2:.+]] = meshc.param "w2" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]{{.*}} : !meshc.tensor<hidden=3, classes=4, f32>
// CHECK: %[[H:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<batch=4, hidden=3, f32>
// CHECK-NEXT: meshc.relu %[[H]]{{.*}} : !meshc.tensor<batch=4, hidden=3, f32>
// CHECK-NEXT: %[[LP:.+]] = meshc.einsum {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}b], []], partial = [m]>]{{.*}} -> !meshc.tensor<batch=4, classes=4, f32>
// CHECK-NEXT: meshc.all_reduce %[[LP]] {axes = ["m"], meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]} : !meshc.tensor<batch=4, classes=4, f32>
// CHECK: %[[S:.+]] = meshc.reduce_sum
// The mean's scale carries the partial sum: one all_reduce after it.
// CHECK-NEXT: %[[SP:.+]] = meshc.scale %[[S]] {{.*}}partial = [b]>]} : !meshc.tensor<f32>
// CHECK-NEXT: meshc.all_reduce %[[SP]] {axes = ["b"]{{.*}}} : !meshc.tensor<f32>
// CHECK: %[[DW2P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<hidden=3, classes=4, f32>
// CHECK-NEXT: %[[DW2:.+]] = meshc.all_reduce %[[DW2P]] {axes = ["b"]{{.*}}}
// The input gradient of the hidden layer contracts classes, which is not split.
// CHECK-NEXT: meshc.einsum {{.*}} -> !meshc.tensor<batch=4, hidden=3, f32>
// CHECK-NEXT: meshc.relu_grad
// CHECK-NEXT: %[[DW1P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<d_in=4, hidden=3, f32>
// CHECK-NEXT: %[[DW1:.+]] = meshc.all_reduce %[[DW1P]] {axes = ["b"]{{.*}}}
// CHECK-NEXT: meshc.sgd_update %[[W1]], %[[DW1]]
// CHECK-NEXT: meshc.sgd_update %[[W2]], %[[DW2]]
  func.func @mlp() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d_in=4, hidden=6, f32>
    %w2 = meshc.param "w2" normal {scale = 0.1} : !meshc.tensor<hidden=6, classes=4, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %r = meshc.relu %h : !meshc.tensor<batch=8, hidden=6, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %s = meshc.reduce_sum %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    %m = meshc.scale %s {factor = 0.125} : !meshc.tensor<f32>
    %one = meshc.fill {value = 1.0} : !meshc.tensor<f32>
    %ds = meshc.scale %one {factor = 0.125} : !meshc.tensor<f32>
    %dl = meshc.broadcast %ds : !meshc.tensor<f32> -> !meshc.tensor<batch=8, f32>
    %dlogits = meshc.softmax_xent_grad %logits, %y, %dl {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %dw2 = meshc.einsum %r, %dlogits : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<hidden=6, classes=4, f32>
    %dr = meshc.einsum %dlogits, %w2 : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %dh = meshc.relu_grad %h, %dr : !meshc.tensor<batch=8, hidden=6, f32>
    %dw1 = meshc.einsum %x, %dh : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<batch=8, hidden=6, f32> -> !meshc.tensor<d_in=4, hidden=6, f32>
    meshc.sgd_update %w1, %dw1 {learning_rate = 0.1} : !meshc.tensor<d_in=4, hidden=6, f32>, !meshc.tensor<d_in=4, hidden=6, f32>
    meshc.sgd_update %w2, %dw2 {learning_rate = 0.1} : !meshc.tensor<hidden=6, classes=4, f32>, !meshc.tensor<hidden=6, classes=4, f32>
    meshc.output "loss", %m : !meshc.tensor<f32>
    return
  }
}

// -----

// One tensor with dims on both axes: w is split on b and m; contracting d_in (on b) leaves a
// partial sum over b only; summing everything leaves one all_reduce over both axes.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">, meshc.layout = #meshc.layout<"d_in:b,hidden:m">} {
  // CHECK-LABEL: func.func @both_axes
  func.func @both_axes() {
    // CHECK: meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [b]]>]} : !meshc.tensor<batch=8, d_in=2, f32>
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    // CHECK: meshc.param "w" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}b], [m]]>]{{.*}} : !meshc.tensor<d_in=2, hidden=2, f32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d_in=4, hidden=8, f32>
    // CHECK: %[[HP:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<batch=8, hidden=2, f32>
    // CHECK-NEXT: %[[H:.+]] = meshc.all_reduce %[[HP]] {axes = ["b"]{{.*}}} : !meshc.tensor<batch=8, hidden=2, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=8, f32> -> !meshc.tensor<batch=8, hidden=8, f32>
    // CHECK-NEXT: %[[TP:.+]] = meshc.reduce_sum %{{.+}}{{.*}} : !meshc.tensor<d_in=2, hidden=2, f32> -> !meshc.tensor<f32>
    // CHECK-NEXT: meshc.all_reduce %[[TP]] {axes = ["b", "m"]{{.*}}} : !meshc.tensor<f32>
    %t = meshc.reduce_sum %w : !meshc.tensor<d_in=4, hidden=8, f32> -> !meshc.tensor<f32>
    meshc.output "loss", %t : !meshc.tensor<f32>
    return
  }
}

// -----

// An axis of size 1 splits nothing: dims on it are replicated (no axis in their sharding) and sums over
// them need no collective.
module attributes {meshc.mesh = #meshc.mesh<"b=1,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  // CHECK-LABEL: func.func @axis_of_size_one
  func.func @axis_of_size_one() {
    // CHECK: meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]} : !meshc.tensor<batch=8, d_in=4, f32>
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    // CHECK: meshc.param "w" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]{{.*}} : !meshc.tensor<d_in=4, hidden=3, f32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d_in=4, hidden=6, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    // CHECK: %[[GP:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<d_in=4, hidden=3, f32>
    // CHECK-NOT: meshc.all_
    // CHECK: meshc.sgd_update %{{.+}}, %[[GP]]
    %g = meshc.einsum %x, %h : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<batch=8, hidden=6, f32> -> !meshc.tensor<d_in=4, hidden=6, f32>
    meshc.sgd_update %w, %g {learning_rate = 0.1} : !meshc.tensor<d_in=4, hidden=6, f32>, !meshc.tensor<d_in=4, hidden=6, f32>
    return
  }
}
