// The window geometry end to end, on sizes where a mix-up shows: a 1-D conv with stride 2,
// dilation 2 and asymmetric padding (2 before, 1 after), a transposed conv (upsampling, stride
// 2, padding 1 before and none after) in the forward pass, a 2-D max pool with overlapping
// windows (3 wide, stride 2), padding on both sides and an unpadded size-1 dim kept batch-like,
// and a 3-D average pool whose padding counts as zeros. Batch, output-channel and hybrid
// layouts against the 1-rank run and the interpreter.
// CASE: b=1
// CASE: b=2 n:b => all_reduce
// CASE: b=4 n:b => all_reduce
// CASE: m=2 f:m => all_reduce
// CASE: m=2 g:m => all_reduce
// CASE: b=2,m=2 n:b,f:m => all_reduce
module {
  func.func @cnn_windows() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, c=3, t=11, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<f=4, c=3, kt=3, f32>
    %k2 = meshc.param "k2" uniform {scale = 0.5} : !meshc.tensor<g=2, f=4, kt=3, f32>
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<g=2, classes=3, f32>
    %0 = meshc.conv %x, %k1 {input_spatial = ["t"], output_spatial = ["ot"], kernel_spatial = ["kt"], in_channel = "c", out_channel = "f", strides = array<i64: 2>, dilations = array<i64: 2>, pad_lo = array<i64: 2>, pad_hi = array<i64: 1>} : !meshc.tensor<n=4, c=3, t=11, f32>, !meshc.tensor<f=4, c=3, kt=3, f32> -> !meshc.tensor<n=4, f=4, ot=5, f32>
    %1 = meshc.relu %0 : !meshc.tensor<n=4, f=4, ot=5, f32>
    %2 = meshc.conv_transpose %1, %k2 {input_spatial = ["u"], output_spatial = ["ot"], kernel_spatial = ["kt"], in_channel = "g", out_channel = "f", strides = array<i64: 2>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 0>} : !meshc.tensor<n=4, f=4, ot=5, f32>, !meshc.tensor<g=2, f=4, kt=3, f32> -> !meshc.tensor<n=4, g=2, u=10, f32>
    %3 = meshc.reshape %2 : !meshc.tensor<n=4, g=2, u=10, f32> -> !meshc.tensor<n=4, g=2, ua=2, ub=5, uc=1, f32>
    %4 = meshc.max_pool %3 {input_spatial = ["ua", "ub"], output_spatial = ["pa", "pb"], window = array<i64: 2, 3>, strides = array<i64: 1, 2>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=4, g=2, ua=2, ub=5, uc=1, f32> -> !meshc.tensor<n=4, g=2, pa=2, pb=3, uc=1, f32>
    %5 = meshc.avg_pool %4 {input_spatial = ["pa", "pb", "uc"], output_spatial = ["qa", "qb", "qc"], window = array<i64: 2, 2, 1>, strides = array<i64: 1, 1, 1>, pad_lo = array<i64: 0, 1, 0>, pad_hi = array<i64: 1, 0, 0>} : !meshc.tensor<n=4, g=2, pa=2, pb=3, uc=1, f32> -> !meshc.tensor<n=4, g=2, qa=2, qb=3, qc=1, f32>
    %6 = meshc.einsum %5, %v : !meshc.tensor<n=4, g=2, qa=2, qb=3, qc=1, f32>, !meshc.tensor<g=2, classes=3, f32> -> !meshc.tensor<n=4, classes=3, f32>
    %7 = meshc.softmax_xent %6, %y {class_dim = "classes"} : !meshc.tensor<n=4, classes=3, f32>, !meshc.tensor<n=4, i32> -> !meshc.tensor<n=4, f32>
    %8 = meshc.reduce_mean %7 : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %8 {learning_rate = 0.2} : !meshc.tensor<f32>
    return
  }
}
