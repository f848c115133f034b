// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// The verifiers of the core ops (MeshcOps.cpp): one case per message that no pass test
// reaches. Each case is the smallest IR that breaks exactly one rule.

func.func @einsum_operands_mismatch(%a: !meshc.tensor<i=2, j=3, f32>, %b: !meshc.tensor<j=4, k=2, f32>) {
  // expected-error @+1 {{'meshc.einsum' op dimension 'j' has sizes 3 and 4 in the operands}}
  %0 = meshc.einsum %a, %b : !meshc.tensor<i=2, j=3, f32>, !meshc.tensor<j=4, k=2, f32> -> !meshc.tensor<i=2, k=2, f32>
  return
}

// -----

func.func @einsum_three_operands(%a: !meshc.tensor<i=2, f32>) {
  // expected-error @+1 {{'meshc.einsum' op takes one or two operands, not 3}}
  %0 = meshc.einsum %a, %a, %a : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32>
  return
}

// -----

func.func @einsum_result_dim_unknown(%a: !meshc.tensor<i=2, j=3, f32>, %b: !meshc.tensor<j=3, k=2, f32>) {
  // expected-error @+1 {{'meshc.einsum' op result dimension 'l' is not a dimension of any operand}}
  %0 = meshc.einsum %a, %b : !meshc.tensor<i=2, j=3, f32>, !meshc.tensor<j=3, k=2, f32> -> !meshc.tensor<i=2, l=2, f32>
  return
}

// -----

func.func @einsum_result_dim_size(%a: !meshc.tensor<i=2, j=3, f32>, %b: !meshc.tensor<j=3, k=2, f32>) {
  // expected-error @+1 {{'meshc.einsum' op result dimension 'k' has size 5 but 2 in the operands}}
  %0 = meshc.einsum %a, %b : !meshc.tensor<i=2, j=3, f32>, !meshc.tensor<j=3, k=2, f32> -> !meshc.tensor<i=2, k=5, f32>
  return
}

// -----

func.func @input_labels_not_i32() {
  // expected-error @+1 {{'meshc.input' op a labels input must have element type i32, not 'f32'}}
  %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @input_scalar() {
  // expected-error @+1 {{'meshc.input' op an input needs a leading sample dimension}}
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<f32>
  return
}

// -----

func.func @input_no_classes() {
  // expected-error @+1 {{'meshc.input' op classes must be at least 1, not 0}}
  %x = meshc.input "x" features {classes = 0} : !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @xent_no_class_dim(%l: !meshc.tensor<b=2, c=3, f32>, %y: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{'meshc.softmax_xent' op logits have no class dimension 'k'}}
  %0 = meshc.softmax_xent %l, %y {class_dim = "k"} : !meshc.tensor<b=2, c=3, f32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @xent_labels_not_i32(%l: !meshc.tensor<b=2, c=3, f32>, %y: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{'meshc.softmax_xent' op labels must have element type i32, not 'f32'}}
  %0 = meshc.softmax_xent %l, %y {class_dim = "c"} : !meshc.tensor<b=2, c=3, f32>, !meshc.tensor<b=2, f32> -> !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @xent_labels_dims(%l: !meshc.tensor<b=2, s=4, c=3, f32>, %y: !meshc.tensor<s=4, b=2, i32>) {
  // expected-error @+1 {{'meshc.softmax_xent' op labels '!meshc.tensor<s=4, b=2, i32>' must have the logits' dimensions without 'c', in the same order}}
  %0 = meshc.softmax_xent %l, %y {class_dim = "c"} : !meshc.tensor<b=2, s=4, c=3, f32>, !meshc.tensor<s=4, b=2, i32> -> !meshc.tensor<s=4, b=2, f32>
  return
}

// -----

func.func @xent_result_dims(%l: !meshc.tensor<b=2, c=3, f32>, %y: !meshc.tensor<b=2, i32>) {
  // expected-error @+1 {{'meshc.softmax_xent' op result must have the labels' dimensions}}
  %0 = meshc.softmax_xent %l, %y {class_dim = "c"} : !meshc.tensor<b=2, c=3, f32>, !meshc.tensor<b=2, i32> -> !meshc.tensor<b=2, c=3, f32>
  return
}

// -----

func.func @xent_grad_dloss(%l: !meshc.tensor<b=2, c=3, f32>, %y: !meshc.tensor<b=2, i32>, %d: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.softmax_xent_grad' op dloss must have the labels' dimensions}}
  %0 = meshc.softmax_xent_grad %l, %y, %d {class_dim = "c"} : !meshc.tensor<b=2, c=3, f32>, !meshc.tensor<b=2, i32>, !meshc.tensor<f32> -> !meshc.tensor<b=2, c=3, f32>
  return
}

// -----

func.func @xent_grad_result(%l: !meshc.tensor<b=2, c=3, f32>, %y: !meshc.tensor<b=2, i32>, %d: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{'meshc.softmax_xent_grad' op result must have the logits' type}}
  %0 = meshc.softmax_xent_grad %l, %y, %d {class_dim = "c"} : !meshc.tensor<b=2, c=3, f32>, !meshc.tensor<b=2, i32>, !meshc.tensor<b=2, f32> -> !meshc.tensor<c=3, b=2, f32>
  return
}

// -----

func.func @broadcast_element_type(%x: !meshc.tensor<i=2, i32>) {
  // expected-error @+1 {{'meshc.broadcast' op changes the element type}}
  %0 = meshc.broadcast %x : !meshc.tensor<i=2, i32> -> !meshc.tensor<i=2, j=3, f32>
  return
}

// -----

func.func @minimize_not_scalar(%l: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{'meshc.minimize' op loss must be an f32 scalar, not '!meshc.tensor<b=2, f32>'}}
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @output_not_scalar(%l: !meshc.tensor<b=2, f32>) {
  // expected-error @+1 {{'meshc.output' op outputs an f32 scalar, not '!meshc.tensor<b=2, f32>'}}
  meshc.output "loss", %l : !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @all_reduce_no_axes(%x: !meshc.tensor<i=2, f32>) {
  // expected-error @+1 {{'meshc.all_reduce' op needs at least one mesh axis}}
  %0 = meshc.all_reduce %x {axes = []} : !meshc.tensor<i=2, f32>
  return
}

// -----

func.func @all_gather_other_dims(%x: !meshc.tensor<i=2, j=3, f32>) {
  // expected-error @+1 {{'meshc.all_gather' op result '!meshc.tensor<j=3, i=4, f32>' must have the dimensions of '!meshc.tensor<i=2, j=3, f32>'}}
  %0 = meshc.all_gather %x {dim = "i", axis = "b"} : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<j=3, i=4, f32>
  return
}

// -----

func.func @all_gather_no_dim(%x: !meshc.tensor<i=2, j=3, f32>) {
  // expected-error @+1 {{'meshc.all_gather' op has no dimension 'k'}}
  %0 = meshc.all_gather %x {dim = "k", axis = "b"} : !meshc.tensor<i=2, j=3, f32> -> !meshc.tensor<i=2, j=3, f32>
  return
}

// -----

func.func @reduce_scatter_other_dim(%x: !meshc.tensor<i=4, j=3, f32>) {
  // expected-error @+1 {{'meshc.reduce_scatter' op changes dimension 'j', which is not 'i'}}
  %0 = meshc.reduce_scatter %x {dim = "i", axis = "b"} : !meshc.tensor<i=4, j=3, f32> -> !meshc.tensor<i=2, j=1, f32>
  return
}

// -----

func.func @all_slice_not_factor(%x: !meshc.tensor<i=4, f32>) {
  // expected-error @+1 {{'meshc.all_slice' op dimension 'i' goes from 4 to 3, not an integer factor}}
  %0 = meshc.all_slice %x {dim = "i", axis = "b"} : !meshc.tensor<i=4, f32> -> !meshc.tensor<i=3, f32>
  return
}

// -----

func.func @all_to_all_same_dim(%x: !meshc.tensor<i=4, j=4, f32>) {
  // expected-error @+1 {{'meshc.all_to_all' op splits and concatenates the same dimension}}
  %0 = meshc.all_to_all %x {split_dim = "i", concat_dim = "i", axis = "b"} : !meshc.tensor<i=4, j=4, f32> -> !meshc.tensor<i=4, j=4, f32>
  return
}

// -----

func.func @all_to_all_missing_dim(%x: !meshc.tensor<i=4, j=4, f32>) {
  // expected-error @+1 {{'meshc.all_to_all' op operand lacks dimension 'i' or 'k'}}
  %0 = meshc.all_to_all %x {split_dim = "i", concat_dim = "k", axis = "b"} : !meshc.tensor<i=4, j=4, f32> -> !meshc.tensor<i=4, j=4, f32>
  return
}

// -----

func.func @all_to_all_result_dims(%x: !meshc.tensor<i=4, j=4, f32>) {
  // expected-error @+1 {{'meshc.all_to_all' op result must have the operand's dimensions}}
  %0 = meshc.all_to_all %x {split_dim = "i", concat_dim = "j", axis = "b"} : !meshc.tensor<i=4, j=4, f32> -> !meshc.tensor<j=8, i=2, f32>
  return
}

// -----

func.func @all_to_all_sizes(%x: !meshc.tensor<i=4, j=4, f32>) {
  // expected-error @+1 {{'meshc.all_to_all' op sizes do not split 'i' and gather 'j' by one factor}}
  %0 = meshc.all_to_all %x {split_dim = "i", concat_dim = "j", axis = "b"} : !meshc.tensor<i=4, j=4, f32> -> !meshc.tensor<i=2, j=4, f32>
  return
}
