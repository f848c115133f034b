// A small CNN (conv-batch norm-relu-max pool-conv-avg pool-dense) on layouts that keep the
// spatial dims whole: data parallel (batch norm's statistics summed over the split batch),
// output channels split (f, the first conv's; e, the second's), input channels split (c: the
// first conv a partial sum), and batch x channels. The first conv and the max pool run on
// channels-last tensors (n, h, w, c) with a filter laid out [c, kh, kw, f] (the lowering's
// transposes into and out of the kernels' [N, C, S...] / [F, C, K...]); the pool writes
// channels-first, so the second conv and the average pool take their tensors as they are.
// Odd image size 7: "same" padding, a pool window that drops the last row and column.
// CASE: b=1
// CASE: b=2 n:b => all_reduce
// CASE: b=4 n:b => all_reduce
// CASE: m=2 f:m => all_reduce
// CASE: m=2 e:m => all_reduce
// CASE: m=2 c:m => all_reduce
// CASE: b=2,m=2 n:b,f:m => all_reduce
module {
  func.func @cnn() {
    %x = meshc.input "x" features {classes = 5} : !meshc.tensor<n=8, h=7, w=7, c=2, f32>
    %y = meshc.input "y" labels {classes = 5} : !meshc.tensor<n=8, i32>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<c=2, kh=3, kw=3, f=4, f32>
    %gamma = meshc.param "gamma" constant {scale = 1.0} : !meshc.tensor<f=4, f32>
    %beta = meshc.param "beta" constant {scale = 0.1} : !meshc.tensor<f=4, f32>
    %k2 = meshc.param "k2" uniform {scale = 0.4} : !meshc.tensor<e=6, f=4, jh=2, jw=2, f32>
    %v = meshc.param "v" uniform {scale = 0.4} : !meshc.tensor<e=6, classes=5, f32>
    %0 = meshc.conv %x, %k1 {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=8, h=7, w=7, c=2, f32>, !meshc.tensor<c=2, kh=3, kw=3, f=4, f32> -> !meshc.tensor<n=8, h=7, w=7, f=4, f32>
    %1 = meshc.reduce_mean %0 : !meshc.tensor<n=8, h=7, w=7, f=4, f32> -> !meshc.tensor<f=4, f32>
    %2 = meshc.sub %0, %1 : !meshc.tensor<n=8, h=7, w=7, f=4, f32>, !meshc.tensor<f=4, f32> -> !meshc.tensor<n=8, h=7, w=7, f=4, f32>
    %3 = meshc.mul %2, %2 : !meshc.tensor<n=8, h=7, w=7, f=4, f32>, !meshc.tensor<n=8, h=7, w=7, f=4, f32> -> !meshc.tensor<n=8, h=7, w=7, f=4, f32>
    %4 = meshc.reduce_mean %3 : !meshc.tensor<n=8, h=7, w=7, f=4, f32> -> !meshc.tensor<f=4, f32>
    %5 = meshc.batch_norm %0, %1, %4, %gamma, %beta {channel = "f", epsilon = 1.0e-05} : !meshc.tensor<n=8, h=7, w=7, f=4, f32>, !meshc.tensor<f=4, f32>
    %6 = meshc.relu %5 : !meshc.tensor<n=8, h=7, w=7, f=4, f32>
    %7 = meshc.max_pool %6 {input_spatial = ["h", "w"], output_spatial = ["ph", "pw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=8, h=7, w=7, f=4, f32> -> !meshc.tensor<n=8, f=4, ph=3, pw=3, f32>
    %8 = meshc.conv %7, %k2 {input_spatial = ["ph", "pw"], output_spatial = ["qh", "qw"], kernel_spatial = ["jh", "jw"], in_channel = "f", out_channel = "e", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=8, f=4, ph=3, pw=3, f32>, !meshc.tensor<e=6, f=4, jh=2, jw=2, f32> -> !meshc.tensor<n=8, e=6, qh=2, qw=2, f32>
    %9 = meshc.avg_pool %8 {input_spatial = ["qh", "qw"], output_spatial = ["sh", "sw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=8, e=6, qh=2, qw=2, f32> -> !meshc.tensor<n=8, e=6, sh=1, sw=1, f32>
    %10 = meshc.einsum %9, %v : !meshc.tensor<n=8, e=6, sh=1, sw=1, f32>, !meshc.tensor<e=6, classes=5, f32> -> !meshc.tensor<n=8, classes=5, f32>
    %11 = meshc.softmax_xent %10, %y {class_dim = "classes"} : !meshc.tensor<n=8, classes=5, f32>, !meshc.tensor<n=8, i32> -> !meshc.tensor<n=8, f32>
    %12 = meshc.reduce_mean %11 : !meshc.tensor<n=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %12 {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
