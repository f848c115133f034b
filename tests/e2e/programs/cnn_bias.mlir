// Convolutions with per-channel biases, as meshc-fuse-conv fuses them: a channels-last conv
// ([n, h, w, c] -> [n, h, w, f], copied to and from the kernels' [N, C, S] layout) + a bias
// added from the left + relu (one conv_bias_act {relu}; the relu's gradient reads its output),
// then a channels-first conv + a bias whose sum a leaky_relu reads (conv_bias_act without relu;
// the sum is kept); each filter gradient with its bias gradient (conv_grad_filter_bias). Batch,
// spatial (halo rows on the fused ops' inputs), output-channel (the second conv's bias split)
// and input-channel (the second conv's result a partial sum: left unfused) layouts against the
// 1-rank run and the interpreter.
// CASE: b=1
// CASE: b=2 n:b => all_reduce
// CASE: m=2 h:m,ph:m => all_reduce
// CASE: m=2 f:m => all_reduce
// CASE: b=2,m=2 n:b,e:m => all_reduce
module {
  func.func @cnn_bias() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, h=8, w=8, c=2, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<c=2, kh=3, kw=3, f=4, f32>
    %b1 = meshc.param "b1" uniform {scale = 0.3} : !meshc.tensor<f=4, f32>
    %k2 = meshc.param "k2" uniform {scale = 0.4} : !meshc.tensor<e=4, f=4, kh=3, kw=3, f32>
    %b2 = meshc.param "b2" uniform {scale = 0.3} : !meshc.tensor<e=4, f32>
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<e=4, ph=4, pw=4, classes=3, f32>
    %a = meshc.conv %x, %k1 {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, h=8, w=8, c=2, f32>, !meshc.tensor<c=2, kh=3, kw=3, f=4, f32> -> !meshc.tensor<n=4, h=8, w=8, f=4, f32>
    %s = meshc.add %b1, %a : !meshc.tensor<f=4, f32>, !meshc.tensor<n=4, h=8, w=8, f=4, f32> -> !meshc.tensor<n=4, h=8, w=8, f=4, f32>
    %r = meshc.relu %s : !meshc.tensor<n=4, h=8, w=8, f=4, f32>
    %p = meshc.max_pool %r {input_spatial = ["h", "w"], output_spatial = ["ph", "pw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, h=8, w=8, f=4, f32> -> !meshc.tensor<n=4, ph=4, pw=4, f=4, f32>
    %a2 = meshc.conv %p, %k2 {input_spatial = ["ph", "pw"], output_spatial = ["ph", "pw"], kernel_spatial = ["kh", "kw"], in_channel = "f", out_channel = "e", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, ph=4, pw=4, f=4, f32>, !meshc.tensor<e=4, f=4, kh=3, kw=3, f32> -> !meshc.tensor<n=4, e=4, ph=4, pw=4, f32>
    %s2 = meshc.add %a2, %b2 : !meshc.tensor<n=4, e=4, ph=4, pw=4, f32>, !meshc.tensor<e=4, f32> -> !meshc.tensor<n=4, e=4, ph=4, pw=4, f32>
    %r2 = meshc.leaky_relu %s2 {alpha = 0.1 : f64} : !meshc.tensor<n=4, e=4, ph=4, pw=4, f32>
    %l = meshc.einsum %r2, %v : !meshc.tensor<n=4, e=4, ph=4, pw=4, f32>, !meshc.tensor<e=4, ph=4, pw=4, classes=3, f32> -> !meshc.tensor<n=4, classes=3, f32>
    %xe = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<n=4, classes=3, f32>, !meshc.tensor<n=4, i32> -> !meshc.tensor<n=4, f32>
    %loss = meshc.reduce_mean %xe : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.05} : !meshc.tensor<f32>
    return
  }
}
