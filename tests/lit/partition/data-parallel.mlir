// RUN: meshc-opt --meshc-partition %s | FileCheck %s

// Pure data parallelism on a 1-D mesh: the batch is split, the parameters replicated. The
// forward pass needs no communication; the loss and each weight gradient (an einsum that
// contracts the split batch) are partial sums resolved by an all_reduce over b.
module attributes {meshc.mesh = #meshc.mesh<"b=4">, meshc.layout = #meshc.layout<"batch:b">} {
// CHECK-LABEL: func.func @mlp() attributes {meshc.per_rank = #meshc.mesh<"b=4">}
// CHECK: meshc.input "x" features {classes = 4 : i64, meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]} : !meshc.tensor<batch=2, d_in=4, f32>
// CHECK: meshc.input "y" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}b]]>]} : !meshc.tensor<batch=2, i32>
// CHECK: %[[W1:.+]] = meshc.param "w1" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]{{.*}} : !meshc.tensor<d_in=4, hidden=6, f32>
// CHECK: %[[W2:.+]] = meshc.param "w2" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]{{.*}} : !meshc.tensor<hidden=6, classes=4, f32>
// CHECK-NOT: meshc.all_
// CHECK: meshc.softmax_xent
// Each result records how it is held: the sum over the split batch is partial over b, and
// so is its scale (linear: it carries the partial sum), until the all_reduce.
// CHECK: %[[S:.+]] = meshc.reduce_sum {{.*}}{meshc.sharding = [#meshc.sharding<[], partial = [b]>]}
// CHECK-NEXT: %[[SP:.+]] = meshc.scale %[[S]] {factor = 1.250000e-01 : f64, meshc.sharding = [#meshc.sharding<[], partial = [b]>]}
// CHECK-NEXT: %[[LOSS:.+]] = meshc.all_reduce %[[SP]] {axes = ["b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
// CHECK-NOT: meshc.all_
// CHECK: %[[DW2P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<hidden=6, classes=4, f32>
// CHECK: %[[DW2:.+]] = meshc.all_reduce %[[DW2P]] {axes = ["b"]{{.*}}} : !meshc.tensor<hidden=6, classes=4, f32>
// CHECK-NOT: meshc.all_
// CHECK: %[[DW1P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<d_in=4, hidden=6, f32>
// CHECK: %[[DW1:.+]] = meshc.all_reduce %[[DW1P]] {axes = ["b"]{{.*}}}
// CHECK: meshc.sgd_update %[[W1]], %[[DW1]]
// CHECK: meshc.sgd_update %[[W2]], %[[DW2]]
// CHECK: meshc.output "loss", %[[LOSS]]{{.*}} : !meshc.tensor<f32>
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
