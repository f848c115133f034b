// RUN: meshc-opt %s --split-input-file --verify-diagnostics

func.func @equal_mixed_types(%a: !meshc.tensor<b=2, f32>, %c: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{operands have element types 'f32' and 'i32'; they must be one type}}
  %e = meshc.equal %a, %c : !meshc.tensor<b=2, f32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @equal_result_not_f32(%a: !meshc.tensor<b=2, i32>, %c: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{result must have element type f32, not 'i32'}}
  %e = meshc.equal %a, %c : !meshc.tensor<b=2, i32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, i32>
  return
}

// -----

func.func @equal_operand_dim_missing(%a: !meshc.tensor<b=2, k=3, i32>, %c: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{dimension 'k' of the left operand is not a dimension of the result}}
  %e = meshc.equal %a, %c : !meshc.tensor<b=2, k=3, i32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @equal_size_differs(%a: !meshc.tensor<b=2, i32>, %c: !meshc.tensor<b=4, i32>) {
  // expected-error @+1 {{dimension 'b' has size 4 in the right operand but 2 in the result}}
  %e = meshc.equal %a, %c : !meshc.tensor<b=2, i32>, !meshc.tensor<b=4, i32> -> !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @equal_extra_result_dim(%a: !meshc.tensor<b=2, i32>, %c: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{result dimension 'k' is in neither operand}}
  %e = meshc.equal %a, %c : !meshc.tensor<b=2, i32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, k=3, f32>
  return
}

// -----

func.func @metric_not_f32(%a: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{metric 'hits' must have element type f32, not 'i32'}}
  meshc.metric "hits", %a : !meshc.tensor<b=2, i32>
  return
}

// -----

func.func @metric_scalar(%a: !meshc.tensor<f32>) {
  // expected-error @+1 {{metric 'mean' is a scalar; its first dimension must index samples}}
  meshc.metric "mean", %a : !meshc.tensor<f32>
  return
}

// -----

func.func @output_scalar(%a: !meshc.tensor<i32>) {
  // expected-error @+1 {{output 'top' is a scalar; its first dimension must index samples}}
  meshc.prediction "top", %a : !meshc.tensor<i32>
  return
}

// -----

func.func @metric_no_name(%a: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{'meshc.metric' op needs a name}}
  meshc.metric "", %a : !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @output_slash(%a: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{output name 'w/adam_m' contains '/', which checkpoint names reserve}}
  meshc.prediction "w/adam_m", %a : !meshc.tensor<b=2, f32>
  return
}
