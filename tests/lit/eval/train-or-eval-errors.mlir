// RUN: meshc-opt %s --split-input-file --verify-diagnostics

func.func @train_or_eval_not_f32(%a: !meshc.tensor<c=2, i32>, %b: !meshc.tensor<c=2, i32>) {
  // expected-error @+1 {{result must have element type f32, not 'i32'}}
  %s = meshc.train_or_eval %a, %b : !meshc.tensor<c=2, i32>
  return
}

// -----

func.func @train_or_eval_types_differ(%a: !meshc.tensor<c=2, f32>, %b: !meshc.tensor<c=3, f32>) {
  // expected-error @+1 {{all of {train, eval, result} have same type}}
  %s = "meshc.train_or_eval"(%a, %b) : (!meshc.tensor<c=2, f32>, !meshc.tensor<c=3, f32>) -> !meshc.tensor<c=2, f32>
  return
}
