// RUN: meshc-opt --verify-diagnostics %s

// meshc.one_hot's xent_labels (LocalizeXent.cpp sets it on the one-hots of the vocab-parallel
// cross-entropy) is for the i32 labels of a cross-entropy only.
func.func @f32_labels(%y: !meshc.tensor<batch=4, f32>) {
  // expected-error @+1 {{'meshc.one_hot' op xent_labels needs i32 labels, not '!meshc.tensor<batch=4, f32>'}}
  %oh = meshc.one_hot %y {xent_labels} : !meshc.tensor<batch=4, f32> -> !meshc.tensor<batch=4, vocab=8, f32>
  return
}
