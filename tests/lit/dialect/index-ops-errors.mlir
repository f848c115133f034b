// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// The verifiers of the index ops (MeshcIndexOps.cpp) that tests/lit/index/errors.mlir does
// not reach: one case per message.

func.func @one_hot_no_class_dim(%i: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{'meshc.one_hot' op result '!meshc.tensor<c=3, f32>' must have the operand's dimensions plus one class dimension}}
  %0 = meshc.one_hot %i : !meshc.tensor<b=2, i32> -> !meshc.tensor<c=3, f32>
  return
}

// -----

func.func @argmax_no_dim(%x: !meshc.tensor<b=2, c=3, f32>) {
  // expected-error @+1 {{'meshc.argmax' op operand '!meshc.tensor<b=2, c=3, f32>' has no dimension 'k'}}
  %0 = meshc.argmax %x {dim = "k"} : !meshc.tensor<b=2, c=3, f32> -> !meshc.tensor<b=2, i32>
  return
}

// -----

func.func @argmax_result_dims(%x: !meshc.tensor<b=2, c=3, f32>) {
  // expected-error @+1 {{'meshc.argmax' op result '!meshc.tensor<b=3, i32>' must have the operand's dimensions without 'c', in order}}
  %0 = meshc.argmax %x {dim = "c"} : !meshc.tensor<b=2, c=3, f32> -> !meshc.tensor<b=3, i32>
  return
}

// -----

func.func @cumsum_no_dim(%x: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{'meshc.cumsum' op operand '!meshc.tensor<b=2, f32>' has no dimension 's'}}
  %0 = meshc.cumsum %x {dim = "s"} : !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @concat_no_operand() {
  // expected-error @+1 {{'meshc.concat' op needs at least one operand}}
  %0 = "meshc.concat"() {dim = "s"} : () -> !meshc.tensor<s=2, f32>
  return
}

// -----

func.func @concat_result_no_dim(%x: !meshc.tensor<s=2, f32>) {
  // expected-error @+1 {{'meshc.concat' op result '!meshc.tensor<t=4, f32>' has no dimension 's'}}
  %0 = meshc.concat %x, %x {dim = "s"} : !meshc.tensor<s=2, f32>, !meshc.tensor<s=2, f32> -> !meshc.tensor<t=4, f32>
  return
}

// -----

func.func @concat_rank(%x: !meshc.tensor<s=2, d=3, f32>) {
  // expected-error @+1 {{'meshc.concat' op operand '!meshc.tensor<s=2, d=3, f32>' and result '!meshc.tensor<s=4, f32>' must have the same rank and element type}}
  %0 = meshc.concat %x, %x {dim = "s"} : !meshc.tensor<s=2, d=3, f32>, !meshc.tensor<s=2, d=3, f32> -> !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @concat_other_dim(%x: !meshc.tensor<s=2, d=3, f32>) {
  // expected-error @+1 {{'meshc.concat' op operand '!meshc.tensor<s=2, d=3, f32>' and result '!meshc.tensor<s=4, d=2, f32>' differ at dimension 1, not only at 0}}
  %0 = meshc.concat %x, %x {dim = "s"} : !meshc.tensor<s=2, d=3, f32>, !meshc.tensor<s=2, d=3, f32> -> !meshc.tensor<s=4, d=2, f32>
  return
}

// -----

func.func @rename_sizes(%x: !meshc.tensor<s=2, d=3, f32>) {
  // expected-error @+1 {{'meshc.rename' op result '!meshc.tensor<t=3, d=2, f32>' must have the sizes and element type of '!meshc.tensor<s=2, d=3, f32>', dims paired by position}}
  %0 = meshc.rename %x : !meshc.tensor<s=2, d=3, f32> -> !meshc.tensor<t=3, d=2, f32>
  return
}

// -----

func.func @reshape_count(%x: !meshc.tensor<s=2, d=3, f32>) {
  // expected-error @+1 {{'meshc.reshape' op result '!meshc.tensor<n=5, f32>' must have the element count and type of '!meshc.tensor<s=2, d=3, f32>'}}
  %0 = meshc.reshape %x : !meshc.tensor<s=2, d=3, f32> -> !meshc.tensor<n=5, f32>
  return
}
