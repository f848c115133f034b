// A tensor of 2^62 x 6 elements: its element count overflows int64 (it compiled and
// crashed at run time).
module {
  func.func @small() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=4611686018427387904, d_in=6, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=4611686018427387904, i32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d_in=6, classes=4, f32>
    %logits = meshc.einsum %x, %w : !meshc.tensor<batch=4611686018427387904, d_in=6, f32>, !meshc.tensor<d_in=6, classes=4, f32> -> !meshc.tensor<batch=4611686018427387904, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=4611686018427387904, classes=4, f32>, !meshc.tensor<batch=4611686018427387904, i32> -> !meshc.tensor<batch=4611686018427387904, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=4611686018427387904, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
