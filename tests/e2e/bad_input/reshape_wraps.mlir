// A reshape whose element count wraps to the operand's: 17 x 1085102592571150096 is 16 modulo
// 2^64 (it compiled and trained).
module {
  func.func @reshape_wraps() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=16, f32>
    %r = meshc.reshape %x : !meshc.tensor<batch=8, d=16, f32> -> !meshc.tensor<batch=8, a=17, b=1085102592571150096, f32>
    %l = meshc.reduce_mean %r : !meshc.tensor<batch=8, a=17, b=1085102592571150096, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
