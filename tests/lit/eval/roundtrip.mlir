// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// The Eval family prints and parses back: a comparison of i32 or f32 operands broadcast by
// name into an f32 mask, a metric and an output (meshc.prediction).
// CHECK-LABEL: func.func @eval_ops
func.func @eval_ops() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, classes=4, f32>
  %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
  %p = meshc.argmax %x {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<batch=8, i32>
  // CHECK: %[[E:.+]] = meshc.equal %{{.+}}, %{{.+}} : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
  %e = meshc.equal %p, %y : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
  // CHECK: meshc.equal %{{.+}}, %{{.+}} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, f32> -> !meshc.tensor<batch=8, classes=4, f32>
  %b = meshc.equal %x, %e : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, f32> -> !meshc.tensor<batch=8, classes=4, f32>
  // CHECK: meshc.metric "accuracy", %[[E]] : !meshc.tensor<batch=8, f32>
  meshc.metric "accuracy", %e : !meshc.tensor<batch=8, f32>
  // CHECK: meshc.prediction "class", %{{.+}} : !meshc.tensor<batch=8, i32>
  meshc.prediction "class", %p : !meshc.tensor<batch=8, i32>
  return
}
