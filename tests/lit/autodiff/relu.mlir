// RUN: meshc-opt %s --meshc-autodiff | FileCheck %s

// relu: meshc.relu_grad of the forward input and the result adjoint.
// CHECK-LABEL: func.func @relu
func.func @relu() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<i=2, j=3, f32>
  %r = meshc.relu %a : !meshc.tensor<i=2, j=3, f32>
  %l = meshc.reduce_sum %r : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<f32>
  // CHECK: %[[D:.+]] = meshc.broadcast
  // CHECK: %[[DA:.+]] = meshc.relu_grad %[[A]], %[[D]] : !meshc.tensor<i=2, j=3, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
