// RUN: meshc-opt %s --split-input-file --meshc-autodiff --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s

// The shape of the result: the seed, adjoints in reverse order, one sgd_update per parameter
// (in the order they are read) with minimize's learning rate, then the loss output; every op
// located at the forward op (or the minimize) it comes from.
// CHECK-LABEL: func.func @step
func.func @step() {
  // CHECK: %[[W:.+]] = meshc.param "w"
  // CHECK: %[[B:.+]] = meshc.param "b"
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32> loc("m.cpp":1:1)
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<i=2, f32> loc("m.cpp":2:1)
  %s = meshc.add %w, %b : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32> loc("m.cpp":3:1)
  %r = meshc.relu %s : !meshc.tensor<i=2, f32> loc("m.cpp":4:1)
  %l = meshc.reduce_sum %r : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32> loc("m.cpp":5:1)
  // CHECK: %[[L:.+]] = meshc.reduce_sum
  // CHECK-NEXT: %[[SEED:.+]] = meshc.fill {value = 1.000000e+00 : f64} : !meshc.tensor<f32> loc("m.cpp":6:1)
  // CHECK-NEXT: %[[DR:.+]] = meshc.broadcast %[[SEED]] : !meshc.tensor<f32> -> !meshc.tensor<i=2, f32> loc("m.cpp":5:1)
  // CHECK-NEXT: %[[DS:.+]] = meshc.relu_grad %{{.+}}, %[[DR]] : !meshc.tensor<i=2, f32> loc("m.cpp":4:1)
  // CHECK-NEXT: meshc.sgd_update %[[W]], %[[DS]] {learning_rate = 2.500000e-01 : f64} : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32> loc("m.cpp":6:1)
  // CHECK-NEXT: meshc.sgd_update %[[B]], %[[DS]] {learning_rate = 2.500000e-01 : f64} : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32> loc("m.cpp":6:1)
  // CHECK-NEXT: meshc.output "loss", %[[L]] : !meshc.tensor<f32> loc("m.cpp":6:1)
  // CHECK-NEXT: return
  // CHECK-NOT: meshc.minimize
  meshc.minimize sgd %l {learning_rate = 0.25} : !meshc.tensor<f32> loc("m.cpp":6:1)
  return
}

// -----

// A value used twice: its adjoint is the sum of both contributions, located at the use whose
// rule runs last (the earlier one in program order).
// CHECK-LABEL: func.func @fan_out
func.func @fan_out() {
  // CHECK: %[[W:.+]] = meshc.param "w"
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32> loc("m.cpp":1:1)
  %a = meshc.relu %w : !meshc.tensor<i=2, f32> loc("m.cpp":2:1)
  %b = meshc.mul %a, %w : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32> loc("m.cpp":3:1)
  %l = meshc.reduce_sum %b : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32> loc("m.cpp":4:1)
  // CHECK: meshc.fill
  // CHECK: %[[DA:.+]] = meshc.mul %{{.+}}, %[[W]] {{.+}} loc("m.cpp":3:1)
  // CHECK: %[[DW1:.+]] = meshc.mul %{{.+}}, %{{.+}} {{.+}} loc("m.cpp":3:1)
  // CHECK: %[[DW2:.+]] = meshc.relu_grad %[[W]], %[[DA]] {{.+}} loc("m.cpp":2:1)
  // CHECK: %[[DW:.+]] = meshc.add %[[DW1]], %[[DW2]] : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32> loc("m.cpp":2:1)
  // CHECK: meshc.sgd_update %[[W]], %[[DW]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32> loc("m.cpp":5:1)
  return
}

// -----

// Ops that depend on no parameter get no adjoint, even when they feed the loss.
// CHECK-LABEL: func.func @constant_branch
func.func @constant_branch() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, f32>
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
  %rx = meshc.relu %x : !meshc.tensor<n=4, f32>
  %s = meshc.add %rx, %w : !meshc.tensor<n=4, f32>, !meshc.tensor<n=4, f32> -> !meshc.tensor<n=4, f32>
  %l = meshc.reduce_sum %s : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
  // CHECK: meshc.fill
  // CHECK-NOT: meshc.relu_grad
  // CHECK: meshc.sgd_update
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Without meshc.minimize (an inference program, or one already differentiated) nothing changes.
// CHECK-LABEL: func.func @no_loss
func.func @no_loss() {
  // CHECK-NEXT: meshc.param
  // CHECK-NEXT: meshc.reduce_sum
  // CHECK-NEXT: meshc.output "loss"
  // CHECK-NEXT: return
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.output "loss", %l : !meshc.tensor<f32>
  return
}
