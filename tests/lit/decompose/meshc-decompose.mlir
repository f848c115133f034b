// RUN: meshc-opt --meshc-decompose --split-input-file %s | FileCheck %s

// A mean over every dim: sum, then scale by one over the global element count.
// CHECK-LABEL: func.func @mean_all
// CHECK-NOT: meshc.reduce_mean
// CHECK: %[[S:.+]] = meshc.reduce_sum %{{.+}} : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
// CHECK: %[[M:.+]] = meshc.scale %[[S]] {factor = 1.250000e-01 : f64} : !meshc.tensor<f32>
// CHECK: meshc.output "loss", %[[M]]
func.func @mean_all() {
  %l = meshc.input "l" features {classes = 2} : !meshc.tensor<batch=8, f32>
  %m = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %m : !meshc.tensor<f32>
  return
}

// -----

// A partial mean: N is the product of the reduced dims only (4 * 2).
// CHECK-LABEL: func.func @mean_some
// CHECK: %[[S:.+]] = meshc.reduce_sum %{{.+}} : !meshc.tensor<batch=4, seq=2, hidden=3, f32> -> !meshc.tensor<hidden=3, f32>
// CHECK: meshc.scale %[[S]] {factor = 1.250000e-01 : f64} : !meshc.tensor<hidden=3, f32>
func.func @mean_some() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=4, seq=2, hidden=3, f32>
  %m = meshc.reduce_mean %x : !meshc.tensor<batch=4, seq=2, hidden=3, f32> -> !meshc.tensor<hidden=3, f32>
  %s = meshc.reduce_sum %m : !meshc.tensor<hidden=3, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %s : !meshc.tensor<f32>
  return
}
