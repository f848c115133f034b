// RUN: meshc-opt %s --split-input-file --verify-diagnostics

func.func @embedding_ids_not_i32(%t: !meshc.tensor<vocab=8, d=4, f32>, %i: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{ids must have element type i32, not 'f32'}}
  %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<vocab=8, d=4, f32>, !meshc.tensor<b=2, f32> -> !meshc.tensor<b=2, d=4, f32>
  return
}

// -----

func.func @embedding_table_not_f32(%t: !meshc.tensor<vocab=8, d=4, i32>, %i: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{table must have element type f32, not 'i32'}}
  %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<vocab=8, d=4, i32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, d=4, f32>
  return
}

// -----

func.func @embedding_vocab_not_first(%t: !meshc.tensor<d=4, vocab=8, f32>, %i: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{must have the vocabulary dimension 'vocab' first}}
  %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<d=4, vocab=8, f32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, d=4, f32>
  return
}

// -----

func.func @embedding_bad_result(%t: !meshc.tensor<vocab=8, d=4, f32>, %i: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{must have the ids' dimensions, then the table's after 'vocab'}}
  %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<vocab=8, d=4, f32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<d=4, b=2, f32>
  return
}

// -----

func.func @embedding_grad_not_f32(%i: !meshc.tensor<b=2, i32>, %g: !meshc.tensor<b=2, d=4, i32>) {
  // expected-error @+1 {{the gradient must have element type f32, not 'i32'}}
  %e = meshc.embedding_grad %i, %g {vocab_dim = "vocab"} : !meshc.tensor<b=2, i32>, !meshc.tensor<b=2, d=4, i32> -> !meshc.tensor<vocab=8, d=4, f32>
  return
}

// -----

func.func @one_hot_result_not_f32(%x: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{the result must have element type f32, not 'i32'}}
  %o = meshc.one_hot %x : !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, k=3, i32>
  return
}

// -----

func.func @one_hot_two_new_dims(%x: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{must have the operand's dimensions plus one class dimension}}
  %o = meshc.one_hot %x : !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, k=3, j=2, f32>
  return
}

// -----

func.func @argmax_no_dim(%x: !meshc.tensor<b=2, k=3, f32>) {
  // expected-error @+1 {{has no dimension 'z'}}
  %a = meshc.argmax %x {dim = "z"} : !meshc.tensor<b=2, k=3, f32> -> !meshc.tensor<b=2, i32>
  return
}

// -----

func.func @argmax_result_not_i32(%x: !meshc.tensor<b=2, k=3, f32>) {
  // expected-error @+1 {{the result must have element type i32, not 'f32'}}
  %a = meshc.argmax %x {dim = "k"} : !meshc.tensor<b=2, k=3, f32> -> !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @argmax_operand_not_f32(%x: !meshc.tensor<b=2, k=3, i32>) {
  // expected-error @+1 {{the operand must have element type f32, not 'i32'}}
  %a = meshc.argmax %x {dim = "k"} : !meshc.tensor<b=2, k=3, i32> -> !meshc.tensor<b=2, i32>
  return
}

// -----

func.func @argmax_bad_result(%x: !meshc.tensor<b=2, k=3, f32>) {
  // expected-error @+1 {{must have the operand's dimensions without 'k', in order}}
  %a = meshc.argmax %x {dim = "k"} : !meshc.tensor<b=2, k=3, f32> -> !meshc.tensor<b=3, i32>
  return
}

// -----

func.func @reduce_max_not_f32(%x: !meshc.tensor<b=2, k=3, i32>) {
  // expected-error @+1 {{operands and result must have element type f32}}
  %a = meshc.reduce_max %x : !meshc.tensor<b=2, k=3, i32> -> !meshc.tensor<b=2, i32>
  return
}

// -----

func.func @reduce_max_new_dim(%x: !meshc.tensor<b=2, k=3, f32>) {
  // expected-error @+1 {{dimension 'z' of the result is not a dimension of the operand of the same size}}
  %a = meshc.reduce_max %x : !meshc.tensor<b=2, k=3, f32> -> !meshc.tensor<z=2, f32>
  return
}

// -----

func.func @reduce_max_grad_bad_grad(%x: !meshc.tensor<b=2, k=3, f32>, %g: !meshc.tensor<b=3, f32>) {
  // expected-error @+1 {{dimension 'b' of the gradient is not a dimension of the operand of the same size}}
  %a = meshc.reduce_max_grad %x, %g : !meshc.tensor<b=2, k=3, f32>, !meshc.tensor<b=3, f32> -> !meshc.tensor<b=2, k=3, f32>
  return
}

// -----

func.func @reduce_max_grad_bad_result(%x: !meshc.tensor<b=2, k=3, f32>, %g: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{result must have the operand's type}}
  %a = meshc.reduce_max_grad %x, %g : !meshc.tensor<b=2, k=3, f32>, !meshc.tensor<b=2, f32> -> !meshc.tensor<k=3, b=2, f32>
  return
}

// -----

func.func @cumsum_not_f32(%x: !meshc.tensor<t=4, i32>) {
  // expected-error @+1 {{the operand must have element type f32, not 'i32'}}
  %c = meshc.cumsum %x {dim = "t"} : !meshc.tensor<t=4, i32>
  return
}

// -----

func.func @cumsum_no_dim(%x: !meshc.tensor<t=4, f32>) {
  // expected-error @+1 {{has no dimension 's'}}
  %c = meshc.cumsum %x {dim = "s"} : !meshc.tensor<t=4, f32>
  return
}

// -----

func.func @concat_no_dim(%a: !meshc.tensor<x=2, f32>) {
  // expected-error @+1 {{has no dimension 'd'}}
  %c = meshc.concat %a {dim = "d"} : !meshc.tensor<x=2, f32> -> !meshc.tensor<x=2, f32>
  return
}

// -----

func.func @concat_other_dim_differs(%a: !meshc.tensor<b=2, x=2, f32>, %b: !meshc.tensor<c=2, y=3, f32>) {
  // expected-error @+1 {{differ at dimension 0, not only at 1}}
  %c = meshc.concat %a, %b {dim = "d"} : !meshc.tensor<b=2, x=2, f32>, !meshc.tensor<c=2, y=3, f32> -> !meshc.tensor<b=2, d=5, f32>
  return
}

// -----

func.func @concat_sizes(%a: !meshc.tensor<b=2, x=2, f32>, %b: !meshc.tensor<b=2, y=3, f32>) {
  // expected-error @+1 {{operand sizes along 'd' add up to 5, not 6}}
  %c = meshc.concat %a, %b {dim = "d"} : !meshc.tensor<b=2, x=2, f32>, !meshc.tensor<b=2, y=3, f32> -> !meshc.tensor<b=2, d=6, f32>
  return
}

// -----

func.func @concat_rank(%a: !meshc.tensor<b=2, x=2, f32>) {
  // expected-error @+1 {{must have the same rank and element type}}
  %c = meshc.concat %a {dim = "d"} : !meshc.tensor<b=2, x=2, f32> -> !meshc.tensor<d=2, f32>
  return
}

// -----

func.func @slice_no_dim(%x: !meshc.tensor<d=4, f32>) {
  // expected-error @+1 {{has no dimension 'e'}}
  %s = meshc.slice %x {dim = "e", start = 0} : !meshc.tensor<d=4, f32> -> !meshc.tensor<e=2, f32>
  return
}

// -----

func.func @slice_out_of_range(%x: !meshc.tensor<d=4, f32>) {
  // expected-error @+1 {{window [3, 5) does not fit in dimension 'd' of size 4}}
  %s = meshc.slice %x {dim = "d", start = 3} : !meshc.tensor<d=4, f32> -> !meshc.tensor<e=2, f32>
  return
}

// -----

func.func @pad_out_of_range(%x: !meshc.tensor<e=2, f32>) {
  // expected-error @+1 {{window [-1, 1) does not fit in dimension 'd' of size 4}}
  %s = meshc.pad %x {dim = "d", start = -1} : !meshc.tensor<e=2, f32> -> !meshc.tensor<d=4, f32>
  return
}

// -----

func.func @pad_no_dim(%x: !meshc.tensor<e=2, f32>) {
  // expected-error @+1 {{has no dimension 'd'}}
  %s = meshc.pad %x {dim = "d", start = 0} : !meshc.tensor<e=2, f32> -> !meshc.tensor<f=4, f32>
  return
}

// -----

func.func @rename_sizes(%x: !meshc.tensor<a=2, b=3, f32>) {
  // expected-error @+1 {{must have the sizes and element type of}}
  %r = meshc.rename %x : !meshc.tensor<a=2, b=3, f32> -> !meshc.tensor<b=3, a=2, f32>
  return
}

// -----

func.func @reshape_count(%x: !meshc.tensor<a=2, b=3, f32>) {
  // expected-error @+1 {{must have the element count and type of}}
  %r = meshc.reshape %x : !meshc.tensor<a=2, b=3, f32> -> !meshc.tensor<c=5, f32>
  return
}
