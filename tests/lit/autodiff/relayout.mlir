// RUN: meshc-opt %s --meshc-autodiff --mlir-print-debuginfo | FileCheck %s

// relayout: the identity globally; the operand's adjoint is the result's adjoint under the
// same override, located at the forward relayout.
// CHECK-LABEL: func.func @relayout
func.func @relayout() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  %a = meshc.param "a" zeros {scale = 0.0} : !meshc.tensor<i=2, j=3, f32>
  %r = meshc.relayout %a {layout = #meshc.layout<"j:m">} : !meshc.tensor<i=2, j=3, f32> loc("model.cpp":7:3)
  %l = meshc.reduce_sum %r : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<f32>
  // CHECK: %[[D:.+]] = meshc.broadcast
  // CHECK: %[[DA:.+]] = meshc.relayout %[[D]] {layout = #meshc.layout<"j:m">} : !meshc.tensor<i=2, j=3, f32> loc(#[[LOC:.+]])
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  // CHECK: #[[LOC]] = loc("model.cpp":7:3)
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
