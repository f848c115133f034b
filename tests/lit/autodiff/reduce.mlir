// RUN: meshc-opt %s --split-input-file --meshc-autodiff | FileCheck %s

// reduce_sum over several dims, result in another order: the adjoint is broadcast back.
// CHECK-LABEL: func.func @reduce_sum
func.func @reduce_sum() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<i=2, j=3, k=4, f32>
  %s = meshc.reduce_sum %a : !meshc.tensor<i=2, j=3, k=4, f32> -> !meshc.tensor<k=4, i=2, f32>
  %l = meshc.reduce_sum %s : !meshc.tensor<k=4, i=2, f32> -> !meshc.tensor<f32>
  // CHECK: %[[DS:.+]] = meshc.broadcast %{{.+}} : !meshc.tensor<f32> -> !meshc.tensor<k=4, i=2, f32>
  // CHECK: %[[DA:.+]] = meshc.broadcast %[[DS]] : !meshc.tensor<k=4, i=2, f32> -> !meshc.tensor<i=2, j=3, k=4, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// reduce_mean: scaled by one over the GLOBAL number of reduced elements (2 * 4 = 8), then
// broadcast back.
// CHECK-LABEL: func.func @reduce_mean
func.func @reduce_mean() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<i=2, j=3, k=4, f32>
  %m = meshc.reduce_mean %a : !meshc.tensor<i=2, j=3, k=4, f32> -> !meshc.tensor<j=3, f32>
  %l = meshc.reduce_sum %m : !meshc.tensor<j=3, f32> -> !meshc.tensor<f32>
  // CHECK: %[[DM:.+]] = meshc.broadcast %{{.+}} : !meshc.tensor<f32> -> !meshc.tensor<j=3, f32>
  // CHECK: %[[S:.+]] = meshc.scale %[[DM]] {factor = 1.250000e-01 : f64} : !meshc.tensor<j=3, f32>
  // CHECK: %[[DA:.+]] = meshc.broadcast %[[S]] : !meshc.tensor<j=3, f32> -> !meshc.tensor<i=2, j=3, k=4, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
