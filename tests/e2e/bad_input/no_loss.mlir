// A program without meshc.minimize (a model that never calls g.minimize): it would train
// nothing and print "loss 0.000000" every step, so meshc refuses it.
module {
  func.func @no_loss() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=6, f32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d_in=6, classes=4, f32>
    %logits = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=6, f32>, !meshc.tensor<d_in=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    return
  }
}
