// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// The Math family's verifiers: f32 operands, a finite f32 alpha, broadcasting binaries whose
// result holds exactly the operands' dims.

func.func @sigmoid_of_labels() {
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.sigmoid' op the operand must have element type f32, not 'i32'}}
  %s = meshc.sigmoid %y : !meshc.tensor<s=4, i32>
  return
}

// -----

func.func @tanh_of_labels() {
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.tanh' op the operand must have element type f32, not 'i32'}}
  %s = meshc.tanh %y : !meshc.tensor<s=4, i32>
  return
}

// -----

func.func @exp_of_labels() {
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.exp' op the operand must have element type f32, not 'i32'}}
  %s = meshc.exp %y : !meshc.tensor<s=4, i32>
  return
}

// -----

func.func @log_of_labels() {
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.log' op the operand must have element type f32, not 'i32'}}
  %s = meshc.log %y : !meshc.tensor<s=4, i32>
  return
}

// -----

func.func @sqrt_of_labels() {
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.sqrt' op the operand must have element type f32, not 'i32'}}
  %s = meshc.sqrt %y : !meshc.tensor<s=4, i32>
  return
}

// -----

func.func @leaky_relu_of_labels() {
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.leaky_relu' op the operand must have element type f32, not 'i32'}}
  %s = meshc.leaky_relu %y {alpha = 0.01} : !meshc.tensor<s=4, i32>
  return
}

// -----

func.func @leaky_relu_alpha_inf() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.leaky_relu' op alpha must be a finite f32, not inf}}
  %s = meshc.leaky_relu %x {alpha = 0x7FF0000000000000 : f64} : !meshc.tensor<s=4, f32>
  return
}

// -----

// Finite as an f64, but beyond f32: the runtime could not apply it.
func.func @leaky_relu_alpha_beyond_f32() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.leaky_relu' op alpha must be a finite f32, not 1.000000e+300}}
  %s = meshc.leaky_relu %x {alpha = 1.0e300} : !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @leaky_relu_no_alpha() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.leaky_relu' op requires attribute 'alpha'}}
  %s = meshc.leaky_relu %x : !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @div_of_labels() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.div' op every operand and the result must have element type f32, not 'i32'}}
  %d = meshc.div %x, %y : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, i32> -> !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @maximum_result_lacks_dim() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, d=3, f32>
  %b = meshc.input "b" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.maximum' op dimension 'd' of the left operand is not a dimension of the result}}
  %m = meshc.maximum %x, %b : !meshc.tensor<s=4, d=3, f32>, !meshc.tensor<s=4, f32> -> !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @minimum_size_mismatch() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  %b = meshc.input "b" features {classes = 2} : !meshc.tensor<s=5, f32>
  // expected-error @+1 {{'meshc.minimum' op dimension 's' has size 5 in the right operand but 4 in the result}}
  %m = meshc.minimum %x, %b : !meshc.tensor<s=4, f32>, !meshc.tensor<s=5, f32> -> !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @greater_equal_extra_dim() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.greater_equal' op result dimension 'e' is in neither operand}}
  %m = meshc.greater_equal %x, %x : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32> -> !meshc.tensor<s=4, e=2, f32>
  return
}

// -----

func.func @sigmoid_type_changes() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.sigmoid' op failed to verify that all of {input, result} have same type}}
  %s = "meshc.sigmoid"(%x) : (!meshc.tensor<s=4, f32>) -> !meshc.tensor<s=5, f32>
  return
}
