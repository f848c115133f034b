// RUN: meshc-opt --meshc-partition-pipeline=overlap=false --split-input-file %s | FileCheck %s

// What meshc runs, from the global program the DSL writes: autodiff, decompose (the mean
// becomes a sum and a scale by 1/8, the global batch), the layout check, partitioning and the
// all_reduce buckets (the three gradients' sums over b become one collective).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  // CHECK-LABEL: func.func @mlp() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">}
  // CHECK-NOT: meshc.reduce_mean
  // CHECK-NOT: meshc.minimize
  // CHECK: %[[W:.+]] = meshc.param "w" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]{{.*}} : !meshc.tensor<d_in=4, hidden=3, f32>
  // CHECK: %[[LP:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<batch=4, classes=4, f32>
  // CHECK-NEXT: meshc.all_reduce %[[LP]] {axes = ["m"]{{.*}}}
  // CHECK: %[[S:.+]] = meshc.reduce_sum {{.*}} -> !meshc.tensor<f32>
  // CHECK-NEXT: %[[SP:.+]] = meshc.scale %[[S]] {factor = 1.250000e-01 : f64{{.*}}}
  // CHECK-NEXT: %[[LOSS:.+]] = meshc.all_reduce %[[SP]] {axes = ["b"]{{.*}}} : !meshc.tensor<f32>
  // CHECK: %[[GWP:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<d_in=4, hidden=3, f32>
  // CHECK-NEXT: %[[G:.+]]:3 = meshc.all_reduce_bucket %{{.+}}, %{{.+}}, %[[GWP]] {axes = ["b"]{{.*}}}
  // CHECK: meshc.sgd_update %[[W]], %[[G]]#2
  // CHECK: meshc.output "loss", %[[LOSS]]
  func.func @mlp() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d_in=4, hidden=6, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<hidden=6, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %a = meshc.add %h, %b : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %r = meshc.relu %a : !meshc.tensor<batch=8, hidden=6, f32>
    %w2 = meshc.param "w2" normal {scale = 0.1} : !meshc.tensor<hidden=6, classes=4, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// -----

// Logits split on classes: CSE leaves one gather of the logits for both softmax ops.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,classes:m">} {
  // CHECK-LABEL: func.func @classes_split
  // CHECK: meshc.all_gather %{{.+}} {axis = "m", dim = "classes"{{.*}}} : !meshc.tensor<batch=4, classes=2, f32> -> !meshc.tensor<batch=4, classes=4, f32>
  // CHECK-NOT: meshc.all_gather
  // CHECK: meshc.all_slice %{{.+}} {axis = "m", dim = "classes"{{.*}}}
  func.func @classes_split() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d_in=4, classes=4, f32>
    %logits = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
