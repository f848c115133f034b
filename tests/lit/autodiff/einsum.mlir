// RUN: meshc-opt %s --split-input-file --meshc-autodiff | FileCheck %s

// Contraction: each operand's adjoint is the einsum of the result adjoint with the other
// operand; the input %x gets none.
// CHECK-LABEL: func.func @contraction
func.func @contraction() {
  // CHECK: %[[X:.+]] = meshc.input "x"
  // CHECK: %[[W:.+]] = meshc.param "w"
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=8, i=4, f32>
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=4, j=3, f32>
  %y = meshc.einsum %x, %w : !meshc.tensor<n=8, i=4, f32>, !meshc.tensor<i=4, j=3, f32> -> !meshc.tensor<n=8, j=3, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<n=8, j=3, f32> -> !meshc.tensor<f32>
  // CHECK: %[[SEED:.+]] = meshc.fill {value = 1.000000e+00 : f64} : !meshc.tensor<f32>
  // CHECK: %[[DY:.+]] = meshc.broadcast %[[SEED]] : !meshc.tensor<f32> -> !meshc.tensor<n=8, j=3, f32>
  // CHECK-NOT: meshc.einsum %[[DY]], %[[W]]
  // CHECK: %[[DW:.+]] = meshc.einsum %[[DY]], %[[X]] : !meshc.tensor<n=8, j=3, f32>, !meshc.tensor<n=8, i=4, f32> -> !meshc.tensor<i=4, j=3, f32>
  // CHECK: meshc.sgd_update %[[W]], %[[DW]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// A dim of an operand summed out by that operand alone ('s'): the einsum gives the other
// dims and a broadcast restores 's'.
// CHECK-LABEL: func.func @summed_alone
func.func @summed_alone() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  // CHECK: %[[B:.+]] = meshc.param "b"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<s=5, i=4, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<i=4, f32>
  %y = meshc.einsum %a, %b : !meshc.tensor<s=5, i=4, f32>, !meshc.tensor<i=4, f32> -> !meshc.tensor<f32>
  // CHECK: %[[SEED:.+]] = meshc.fill
  // CHECK: %[[PART:.+]] = meshc.einsum %[[SEED]], %[[B]] : !meshc.tensor<f32>, !meshc.tensor<i=4, f32> -> !meshc.tensor<i=4, f32>
  // CHECK: %[[DA:.+]] = meshc.broadcast %[[PART]] : !meshc.tensor<i=4, f32> -> !meshc.tensor<s=5, i=4, f32>
  // CHECK: %[[DB:.+]] = meshc.einsum %[[SEED]], %[[A]] : !meshc.tensor<f32>, !meshc.tensor<s=5, i=4, f32> -> !meshc.tensor<i=4, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  // CHECK: meshc.sgd_update %[[B]], %[[DB]]
  meshc.minimize sgd %y {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Single operand: the adjoint is the result adjoint broadcast back (here a transpose).
// CHECK-LABEL: func.func @single_operand
func.func @single_operand() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<i=4, j=3, f32>
  %t = meshc.einsum %a : !meshc.tensor<i=4, j=3, f32> -> !meshc.tensor<j=3, i=4, f32>
  %l = meshc.reduce_sum %t : !meshc.tensor<j=3, i=4, f32> -> !meshc.tensor<f32>
  // CHECK: %[[DT:.+]] = meshc.broadcast %{{.+}} : !meshc.tensor<f32> -> !meshc.tensor<j=3, i=4, f32>
  // CHECK: %[[DA:.+]] = meshc.broadcast %[[DT]] : !meshc.tensor<j=3, i=4, f32> -> !meshc.tensor<i=4, j=3, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
