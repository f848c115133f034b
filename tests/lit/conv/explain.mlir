// RUN: meshc %s --explain --mesh b=1 | FileCheck %s --check-prefix=ONE
// RUN: meshc %s --explain --mesh b=2 --layout n:b | FileCheck %s --check-prefix=DP
// RUN: meshc %s --explain --mesh m=2 --layout f:m | FileCheck %s --check-prefix=OUT

// --explain counts a convolution's real arithmetic: 2 x (forward) output elements x input
// channels x kernel volume for conv, conv_transpose and conv_grad_filter alike, and output
// elements x window volume for a pool and its adjoint (per rank: local sizes). Here
// conv1 y [n=4, f=6, h=5, w=5] from c=2 and a 3x3 kernel: 2 * 600 * 2 * 9 = 21600, forward and
// filter gradient (x is data: no input adjoint) = 43200; the max pool's output [4, 6, 2, 2]
// (96) x window 4 = 384, forward and adjoint = 768; conv2 y [n=4, e=3, 1, 1] (12) from f=6
// and a 2x2 kernel: 2 * 12 * 6 * 4 = 576, forward, input adjoint and filter gradient = 1728.
// In all 45696 on one rank; the batch split over 2 halves every term (22848); splitting f
// over 2 halves conv1 and the pool (f is their output channel, 21600 + 384) and conv2 (f is
// its input channel, 864), 22848 again.
// Every tensor is in the kernels' order: no transposed copies.
// ONE: scratch 0
// ONE: conv/pool FLOPs 45696 (45.70 kFLOP)  conv: 2 x output x in-channels x kernel; pool: output x window
// The rest (softmax, reductions, updates: 210) adds to the total.
// ONE: total FLOPs 45906
// DP: conv/pool FLOPs 22848 (22.85 kFLOP)
// OUT: conv/pool FLOPs 22848 (22.85 kFLOP)
func.func @cnn() {
  %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, c=2, h=5, w=5, f32>
  %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
  %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<f=6, c=2, kh=3, kw=3, f32>
  %k2 = meshc.param "k2" uniform {scale = 0.5} : !meshc.tensor<e=3, f=6, jh=2, jw=2, f32>
  %a = meshc.conv %x, %k1 {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, c=2, h=5, w=5, f32>, !meshc.tensor<f=6, c=2, kh=3, kw=3, f32> -> !meshc.tensor<n=4, f=6, h=5, w=5, f32>
  %p = meshc.max_pool %a {input_spatial = ["h", "w"], output_spatial = ["ph", "pw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, f=6, h=5, w=5, f32> -> !meshc.tensor<n=4, f=6, ph=2, pw=2, f32>
  %b = meshc.conv %p, %k2 {input_spatial = ["ph", "pw"], output_spatial = ["qh", "qw"], kernel_spatial = ["jh", "jw"], in_channel = "f", out_channel = "e", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, f=6, ph=2, pw=2, f32>, !meshc.tensor<e=3, f=6, jh=2, jw=2, f32> -> !meshc.tensor<n=4, e=3, qh=1, qw=1, f32>
  %l = meshc.reshape %b : !meshc.tensor<n=4, e=3, qh=1, qw=1, f32> -> !meshc.tensor<n=4, classes=3, f32>
  %xe = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<n=4, classes=3, f32>, !meshc.tensor<n=4, i32> -> !meshc.tensor<n=4, f32>
  %m = meshc.reduce_mean %xe : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
