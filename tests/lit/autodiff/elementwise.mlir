// RUN: meshc-opt %s --split-input-file --meshc-autodiff | FileCheck %s

// add: an operand with fewer dims gets the adjoint summed over the missing ones; one with the
// result's dims in another order gets it transposed; one of the result's type gets it as is.
// CHECK-LABEL: func.func @add
func.func @add() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  // CHECK: %[[B:.+]] = meshc.param "b"
  // CHECK: %[[C:.+]] = meshc.param "c"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<i=2, j=3, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<j=3, f32>
  %c = meshc.param "c" zeros {scale = 0.0} : !meshc.tensor<j=3, i=2, f32>
  %ab = meshc.add %a, %b : !meshc.tensor<i=2, j=3, f32>, !meshc.tensor<j=3, f32> -> !meshc.tensor<i=2, j=3, f32>
  %abc = meshc.add %ab, %c : !meshc.tensor<i=2, j=3, f32>, !meshc.tensor<j=3, i=2, f32> -> !meshc.tensor<i=2, j=3, f32>
  %l = meshc.reduce_sum %abc : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<f32>
  // CHECK: %[[D:.+]] = meshc.broadcast %{{.+}} : !meshc.tensor<f32> -> !meshc.tensor<i=2, j=3, f32>
  // CHECK: %[[DC:.+]] = meshc.broadcast %[[D]] : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<j=3, i=2, f32>
  // CHECK: %[[DB:.+]] = meshc.reduce_sum %[[D]] : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<j=3, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[D]]
  // CHECK: meshc.sgd_update %[[B]], %[[DB]]
  // CHECK: meshc.sgd_update %[[C]], %[[DC]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// sub: the right operand's adjoint is negated with meshc.scale, after its reduction.
// CHECK-LABEL: func.func @sub
func.func @sub() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  // CHECK: %[[B:.+]] = meshc.param "b"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<i=2, j=3, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %d = meshc.sub %a, %b : !meshc.tensor<i=2, j=3, f32>, !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, j=3, f32>
  %l = meshc.reduce_sum %d : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<f32>
  // CHECK: %[[D:.+]] = meshc.broadcast
  // CHECK: %[[R:.+]] = meshc.reduce_sum %[[D]] : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<i=2, f32>
  // CHECK: %[[DB:.+]] = meshc.scale %[[R]] {factor = -1.000000e+00 : f64} : !meshc.tensor<i=2, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[D]]
  // CHECK: meshc.sgd_update %[[B]], %[[DB]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// mul: each operand's adjoint is the result adjoint times the other operand, reduced to the
// operand's dims; the product for the input %x is not built.
// CHECK-LABEL: func.func @mul
func.func @mul() {
  // CHECK: %[[X:.+]] = meshc.input "x"
  // CHECK: %[[W:.+]] = meshc.param "w"
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, j=3, f32>
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<j=3, f32>
  %p = meshc.mul %x, %w : !meshc.tensor<n=4, j=3, f32>, !meshc.tensor<j=3, f32> -> !meshc.tensor<n=4, j=3, f32>
  %l = meshc.reduce_sum %p : !meshc.tensor<n=4, j=3, f32> -> !meshc.tensor<f32>
  // CHECK: %[[D:.+]] = meshc.broadcast
  // CHECK-NEXT: %[[P:.+]] = meshc.mul %[[D]], %[[X]] : !meshc.tensor<n=4, j=3, f32>, !meshc.tensor<n=4, j=3, f32> -> !meshc.tensor<n=4, j=3, f32>
  // CHECK-NEXT: %[[DW:.+]] = meshc.reduce_sum %[[P]] : !meshc.tensor<n=4, j=3, f32> -> !meshc.tensor<j=3, f32>
  // CHECK-NEXT: meshc.sgd_update %[[W]], %[[DW]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
