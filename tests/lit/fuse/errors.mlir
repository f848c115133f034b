// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The verifiers of meshc.fused_elementwise, meshc.add_layer_norm and meshc.layer_norm_grad_add:
// one case per error.

func.func @unknown_op(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{op #0 'softmax' is not a fusable elementwise op}}
  %r = meshc.fused_elementwise %x {ops = ["softmax"], args = array<i32: 0, -1>, constants = array<f64: 0.0>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @undefined_value(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{op #0 'add' reads value 1, which is not defined before it (1 inputs, then one value per op)}}
  %r = meshc.fused_elementwise %x {ops = ["add"], args = array<i32: 0, 1>, constants = array<f64: 0.0>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @extra_operand(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{op #0 'relu' takes 1 operand(s) but names value 0}}
  %r = meshc.fused_elementwise %x {ops = ["relu"], args = array<i32: 0, 0>, constants = array<f64: 0.0>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @operand_count(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{has 1 args for 1 ops (two per op, -1 where an op takes one)}}
  %r = meshc.fused_elementwise %x {ops = ["relu"], args = array<i32: 0>, constants = array<f64: 0.0>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @constant_count(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{has 2 constants for 1 ops (one per op)}}
  %r = meshc.fused_elementwise %x {ops = ["relu"], args = array<i32: 0, -1>, constants = array<f64: 0.0, 0.0>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @stray_constant(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{op #0 'relu' takes no constant but has 2}}
  %r = meshc.fused_elementwise %x {ops = ["relu"], args = array<i32: 0, -1>, constants = array<f64: 2.0>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @infinite_constant(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{op #0 'scale' has a constant that is not finite}}
  %r = meshc.fused_elementwise %x {ops = ["scale"], args = array<i32: 0, -1>, constants = array<f64: 0x7FF0000000000000>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @no_ops(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{has 1 to 32 ops, not 0}}
  %r = meshc.fused_elementwise %x {ops = [], args = array<i32>, constants = array<f64>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @no_inputs() -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{takes 1 to 16 inputs, not 0}}
  %r = meshc.fused_elementwise {ops = ["relu"], args = array<i32: 0, -1>, constants = array<f64: 0.0>} : () -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @foreign_dim(%x: !meshc.tensor<k=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{input #0 has dimension 'k' of size 4, which the result does not have}}
  %r = meshc.fused_elementwise %x {ops = ["relu"], args = array<i32: 0, -1>, constants = array<f64: 0.0>} : (!meshc.tensor<k=4, f32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @int_input(%x: !meshc.tensor<n=4, i32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{input #0 must have element type f32, not 'i32'}}
  %r = meshc.fused_elementwise %x {ops = ["relu"], args = array<i32: 0, -1>, constants = array<f64: 0.0>} : (!meshc.tensor<n=4, i32>) -> !meshc.tensor<n=4, f32>
  return %r : !meshc.tensor<n=4, f32>
}

// -----

func.func @int_result(%x: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, i32> {
  // expected-error @+1 {{result must have element type f32, not 'i32'}}
  %r = meshc.fused_elementwise %x {ops = ["relu"], args = array<i32: 0, -1>, constants = array<f64: 0.0>} : (!meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, i32>
  return %r : !meshc.tensor<n=4, i32>
}

// -----

func.func @norm_dim(%a: !meshc.tensor<n=4, f32>, %b: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{normalised dimension 'd' is not a dimension of '!meshc.tensor<n=4, f32>'}}
  %s, %y = meshc.add_layer_norm %a, %b {dim = "d", epsilon = 1.0e-5 : f64} : !meshc.tensor<n=4, f32>
  return %y : !meshc.tensor<n=4, f32>
}

// -----

func.func @norm_epsilon(%a: !meshc.tensor<n=4, f32>, %b: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{epsilon must be a positive finite number, not 0}}
  %s, %y = meshc.add_layer_norm %a, %b {dim = "n", epsilon = 0.0 : f64} : !meshc.tensor<n=4, f32>
  return %y : !meshc.tensor<n=4, f32>
}

// -----

func.func @norm_int(%a: !meshc.tensor<n=4, i32>, %b: !meshc.tensor<n=4, i32>) -> !meshc.tensor<n=4, i32> {
  // expected-error @+1 {{operands must have element type f32, not 'i32'}}
  %s, %y = meshc.add_layer_norm %a, %b {dim = "n", epsilon = 1.0e-5 : f64} : !meshc.tensor<n=4, i32>
  return %y : !meshc.tensor<n=4, i32>
}

// -----

func.func @grad_add_dim(%x: !meshc.tensor<n=4, f32>, %r: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{'meshc.layer_norm_grad_add' op normalised dimension 'd' is not a dimension of '!meshc.tensor<n=4, f32>'}}
  %g = meshc.layer_norm_grad_add %x, %x, %r {dim = "d", epsilon = 1.0e-5 : f64} : !meshc.tensor<n=4, f32>
  return %g : !meshc.tensor<n=4, f32>
}

// -----

func.func @grad_add_epsilon(%x: !meshc.tensor<n=4, f32>, %r: !meshc.tensor<n=4, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{'meshc.layer_norm_grad_add' op epsilon must be a positive finite number, not -1}}
  %g = meshc.layer_norm_grad_add %x, %x, %r {dim = "n", epsilon = -1.0 : f64} : !meshc.tensor<n=4, f32>
  return %g : !meshc.tensor<n=4, f32>
}

// -----

func.func @grad_add_int(%x: !meshc.tensor<n=4, i32>, %r: !meshc.tensor<n=4, i32>) -> !meshc.tensor<n=4, i32> {
  // expected-error @+1 {{'meshc.layer_norm_grad_add' op operands must have element type f32, not 'i32'}}
  %g = meshc.layer_norm_grad_add %x, %x, %r {dim = "n", epsilon = 1.0e-5 : f64} : !meshc.tensor<n=4, i32>
  return %g : !meshc.tensor<n=4, i32>
}

// -----

func.func @grad_add_types(%x: !meshc.tensor<n=4, f32>, %r: !meshc.tensor<n=5, f32>) -> !meshc.tensor<n=4, f32> {
  // expected-error @+1 {{failed to verify that all of {input, grad, addend, result} have same type}}
  %g = "meshc.layer_norm_grad_add"(%x, %x, %r) {dim = "n", epsilon = 1.0e-5 : f64} : (!meshc.tensor<n=4, f32>, !meshc.tensor<n=4, f32>, !meshc.tensor<n=5, f32>) -> !meshc.tensor<n=4, f32>
  return %g : !meshc.tensor<n=4, f32>
}
