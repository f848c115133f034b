// RUN: meshc-opt --meshc-partition %s | FileCheck %s

// Pure model parallelism: hidden is split over m, the batch replicated. The only partial sums
// are the einsums that contract hidden (the logits); the weight gradients keep hidden and
// need no collective, nor does the loss.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"hidden:m">} {
// CHECK-LABEL: func.func @mlp() attributes {meshc.per_rank = #meshc.mesh<"m=2">}
// CHECK: meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]} : !meshc.tensor<batch=8, d_in=4, f32>
// CHECK: meshc.param "w1" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]{{.*}} : !meshc.tensor<d_in=4, hidden=3, f32>
// CHECK: meshc.param "w2" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]{{.*}} : !meshc.tensor<hidden=3, classes=4, f32>
// CHECK-NOT: meshc.all_
// CHECK: %[[LP:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<batch=8, classes=4, f32>
// CHECK: %[[L:.+]] = meshc.all_reduce %[[LP]] {axes = ["m"]{{.*}}} : !meshc.tensor<batch=8, classes=4, f32>
// CHECK: meshc.softmax_xent %[[L]]
// CHECK-NOT: meshc.all_
// CHECK: meshc.einsum {{.*}} -> !meshc.tensor<d_in=4, hidden=3, f32>
// CHECK-NOT: meshc.all_
// CHECK: meshc.sgd_update
// CHECK: meshc.output "loss"
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
