// A CNN split in space: each rank holds a block of rows (and on a 2-D mesh a tile) of every
// image, and exchanges a halo with its neighbours before each window op (WindowOpInterface):
// a 3x3 "same" conv (1 row each side), a 3x3 stride-1 max pool with padding (1 row each side,
// -inf beyond the image), a 2x2 stride-2 max pool (no halo: its windows stay within a block),
// a 3x3 stride-2 conv padded 1/0 (1 row before the block, none after) and a 2x2 stride-2
// average pool. The backward pass returns the halo rows' gradients to their owners
// (halo_exchange_grad after conv_transpose, max_pool_grad and avg_pool_grad); the filter
// gradients are partial sums over the split rows (all_reduce). Layouts: rows over 2 and 4
// ranks, rows x columns on 2x2, batch x rows on 2x2, and only the first image's rows split
// (the pooled dims not in the layout: produced split, then gathered).
// CASE: b=1
// CASE: m=2 h:m,ph:m,qh:m,rh:m => all_reduce
// CASE: m=4 h:m,ph:m,qh:m,rh:m => all_reduce
// CASE: a=2,b=2 h:a,w:b,ph:a,pw:b,qh:a,qw:b,rh:a,rw:b => all_reduce
// CASE: b=2,m=2 n:b,h:m,ph:m,qh:m,rh:m => all_reduce
// CASE: m=2 h:m => all_gather
module {
  func.func @cnn_spatial() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, c=2, h=32, w=32, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<f=4, c=2, kh=3, kw=3, f32>
    %k2 = meshc.param "k2" uniform {scale = 0.3} : !meshc.tensor<e=4, f=4, kh=3, kw=3, f32>
    %v = meshc.param "v" uniform {scale = 1.0} : !meshc.tensor<e=4, rh=4, rw=4, classes=3, f32>
    %a = meshc.conv %x, %k1 {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, c=2, h=32, w=32, f32>, !meshc.tensor<f=4, c=2, kh=3, kw=3, f32> -> !meshc.tensor<n=4, f=4, h=32, w=32, f32>
    %r = meshc.relu %a : !meshc.tensor<n=4, f=4, h=32, w=32, f32>
    %s0 = meshc.sub %a, %r : !meshc.tensor<n=4, f=4, h=32, w=32, f32>, !meshc.tensor<n=4, f=4, h=32, w=32, f32> -> !meshc.tensor<n=4, f=4, h=32, w=32, f32>
    %one = meshc.fill {value = 1.0} : !meshc.tensor<f32>
    %s = meshc.sub %s0, %one : !meshc.tensor<n=4, f=4, h=32, w=32, f32>, !meshc.tensor<f32> -> !meshc.tensor<n=4, f=4, h=32, w=32, f32>
    %m = meshc.max_pool %s {input_spatial = ["h", "w"], output_spatial = ["h", "w"], window = array<i64: 3, 3>, strides = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, f=4, h=32, w=32, f32> -> !meshc.tensor<n=4, f=4, h=32, w=32, f32>
    %p = meshc.max_pool %m {input_spatial = ["h", "w"], output_spatial = ["ph", "pw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, f=4, h=32, w=32, f32> -> !meshc.tensor<n=4, f=4, ph=16, pw=16, f32>
    %a2 = meshc.conv %p, %k2 {input_spatial = ["ph", "pw"], output_spatial = ["qh", "qw"], kernel_spatial = ["kh", "kw"], in_channel = "f", out_channel = "e", strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, f=4, ph=16, pw=16, f32>, !meshc.tensor<e=4, f=4, kh=3, kw=3, f32> -> !meshc.tensor<n=4, e=4, qh=8, qw=8, f32>
    %q = meshc.avg_pool %a2 {input_spatial = ["qh", "qw"], output_spatial = ["rh", "rw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, e=4, qh=8, qw=8, f32> -> !meshc.tensor<n=4, e=4, rh=4, rw=4, f32>
    %l = meshc.einsum %q, %v : !meshc.tensor<n=4, e=4, rh=4, rw=4, f32>, !meshc.tensor<e=4, rh=4, rw=4, classes=3, f32> -> !meshc.tensor<n=4, classes=3, f32>
    %xe = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<n=4, classes=3, f32>, !meshc.tensor<n=4, i32> -> !meshc.tensor<n=4, f32>
    %loss = meshc.reduce_mean %xe : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.05} : !meshc.tensor<f32>
    return
  }
}
