// RUN: meshc-opt %s --split-input-file --meshc-autodiff -verify-diagnostics

// A program has one loss.
func.func @two_losses() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  // expected-error @+1 {{is a second loss: a program has one meshc.minimize}}
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// An op between a parameter and the loss without a gradient rule is a located error.
func.func @no_rule() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  // expected-error @+1 {{'meshc.relu_grad' op lies on a path from a parameter to the loss but has no gradient rule}}
  %s = meshc.relu_grad %w, %w : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %s : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Off the path, an op without a rule is fine.
func.func @no_rule_off_path() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<i=2, f32>
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %s = meshc.relu_grad %x, %x : !meshc.tensor<i=2, f32>
  %p = meshc.mul %s, %w : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %p : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// A parameter the loss does not depend on is not updated, with a warning at the parameter.
func.func @unused_param() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  // expected-warning @+1 {{parameter 'v' does not affect the loss and is not updated}}
  %v = meshc.param "v" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// One parameter name read with two types.
func.func @param_two_types() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  // expected-error @+1 {{'meshc.param' op reads parameter 'w' as '!meshc.tensor<i=3, f32>' but it was read as '!meshc.tensor<i=2, f32>'}}
  %w2 = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=3, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  %l2 = meshc.reduce_sum %w2 : !meshc.tensor<i=3, f32> -> !meshc.tensor<f32>
  %s = meshc.add %l, %l2 : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %s {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
