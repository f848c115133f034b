// Parses, but fails the einsum verifier: the operands disagree on the size of d_in.
module {
  func.func @bad_op() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=6, f32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d_in=5, classes=4, f32>
    %logits = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=6, f32>, !meshc.tensor<d_in=5, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    return
  }
}
