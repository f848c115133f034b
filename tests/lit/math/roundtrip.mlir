// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// The Math family parses and prints back.
// CHECK-LABEL: func.func @math
func.func @math() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, d=8, f32>
  %b = meshc.param "b" uniform {scale = 1.0} : !meshc.tensor<d=8, f32>
  // CHECK: %[[S:.+]] = meshc.sigmoid %{{.+}} : !meshc.tensor<s=4, d=8, f32>
  %s = meshc.sigmoid %x : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.tanh %[[S]] : !meshc.tensor<s=4, d=8, f32>
  %t = meshc.tanh %s : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.exp %[[S]] : !meshc.tensor<s=4, d=8, f32>
  %e = meshc.exp %s : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.log %[[S]] : !meshc.tensor<s=4, d=8, f32>
  %l = meshc.log %s : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.sqrt %[[S]] : !meshc.tensor<s=4, d=8, f32>
  %q = meshc.sqrt %s : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.leaky_relu %[[S]] {alpha = 2.000000e-01 : f64} : !meshc.tensor<s=4, d=8, f32>
  %r = meshc.leaky_relu %s {alpha = 0.2} : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.div %[[S]], %{{.+}} : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
  %dv = meshc.div %s, %b : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.maximum %{{.+}}, %[[S]] : !meshc.tensor<d=8, f32>, !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<d=8, s=4, f32>
  %mx = meshc.maximum %b, %s : !meshc.tensor<d=8, f32>, !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<d=8, s=4, f32>
  // CHECK: meshc.minimum %[[S]], %{{.+}} : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
  %mn = meshc.minimum %s, %x : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.greater_equal %[[S]], %{{.+}} : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
  %ge = meshc.greater_equal %s, %b : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
  return
}
