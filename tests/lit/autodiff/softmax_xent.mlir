// RUN: meshc-opt %s --meshc-autodiff | FileCheck %s

// softmax_xent: meshc.softmax_xent_grad of logits, labels and the loss adjoint, with the
// class dim (here not last); the labels get no adjoint.
// CHECK-LABEL: func.func @softmax_xent
func.func @softmax_xent() {
  // CHECK: %[[Y:.+]] = meshc.input "y"
  // CHECK: %[[Z:.+]] = meshc.param "z"
  %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<n=8, i32>
  %z = meshc.param "z" zeros {scale = 0.0} : !meshc.tensor<c=4, n=8, f32>
  %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !meshc.tensor<c=4, n=8, f32>, !meshc.tensor<n=8, i32> -> !meshc.tensor<n=8, f32>
  %m = meshc.reduce_mean %l : !meshc.tensor<n=8, f32> -> !meshc.tensor<f32>
  // CHECK: %[[S:.+]] = meshc.scale %{{.+}} {factor = 1.250000e-01 : f64} : !meshc.tensor<f32>
  // CHECK: %[[DL:.+]] = meshc.broadcast %[[S]] : !meshc.tensor<f32> -> !meshc.tensor<n=8, f32>
  // CHECK: %[[DZ:.+]] = meshc.softmax_xent_grad %[[Z]], %[[Y]], %[[DL]] {class_dim = "c"}
  // CHECK-SAME: -> !meshc.tensor<c=4, n=8, f32>
  // CHECK: meshc.sgd_update %[[Z]], %[[DZ]]
  meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
