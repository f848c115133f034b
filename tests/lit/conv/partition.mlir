// RUN: meshc %s --emit=partitioned --bucket-bytes 0 --no-overlap --mesh b=2 --layout n:b | FileCheck %s --check-prefix=DP
// RUN: meshc %s --emit=partitioned --bucket-bytes 0 --no-overlap --mesh m=2 --layout f:m | FileCheck %s --check-prefix=OUT
// RUN: meshc %s --emit=partitioned --bucket-bytes 0 --no-overlap --mesh m=2 --layout e:m | FileCheck %s --check-prefix=IN
// RUN: meshc %s --emit=partitioned --bucket-bytes 0 --no-overlap --mesh b=2,m=2 --layout n:b,f:m | FileCheck %s --check-prefix=HYB
// RUN: not meshc %s --emit=partitioned --mesh m=2 --layout h:m 2>&1 | FileCheck %s --check-prefix=SPATIAL

// The Conv family partitioned over its batch and channel dims (ShardingRulesConv.cpp): they split
// as the layout says, the kernel dims are whole. A CNN: conv (c -> f), relu,
// max_pool, conv (f -> e), avg_pool, a dense layer and the loss.
module {
  func.func @cnn() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, c=2, h=6, w=6, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<f=4, c=2, kh=3, kw=3, f32>
    %k2 = meshc.param "k2" uniform {scale = 0.5} : !meshc.tensor<e=6, f=4, kh=3, kw=3, f32>
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<e=6, classes=3, f32>
    %a = meshc.conv %x, %k1 {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, c=2, h=6, w=6, f32>, !meshc.tensor<f=4, c=2, kh=3, kw=3, f32> -> !meshc.tensor<n=4, f=4, h=6, w=6, f32>
    %r = meshc.relu %a : !meshc.tensor<n=4, f=4, h=6, w=6, f32>
    %p = meshc.max_pool %r {input_spatial = ["h", "w"], output_spatial = ["ph", "pw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, f=4, h=6, w=6, f32> -> !meshc.tensor<n=4, f=4, ph=3, pw=3, f32>
    %a2 = meshc.conv %p, %k2 {input_spatial = ["ph", "pw"], output_spatial = ["ph", "pw"], kernel_spatial = ["kh", "kw"], in_channel = "f", out_channel = "e", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, f=4, ph=3, pw=3, f32>, !meshc.tensor<e=6, f=4, kh=3, kw=3, f32> -> !meshc.tensor<n=4, e=6, ph=3, pw=3, f32>
    %q = meshc.avg_pool %a2 {input_spatial = ["ph", "pw"], output_spatial = ["qh", "qw"], window = array<i64: 3, 3>, strides = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=4, e=6, ph=3, pw=3, f32> -> !meshc.tensor<n=4, e=6, qh=1, qw=1, f32>
    %l = meshc.einsum %q, %v : !meshc.tensor<n=4, e=6, qh=1, qw=1, f32>, !meshc.tensor<e=6, classes=3, f32> -> !meshc.tensor<n=4, classes=3, f32>
    %xe = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<n=4, classes=3, f32>, !meshc.tensor<n=4, i32> -> !meshc.tensor<n=4, f32>
    %m = meshc.reduce_mean %xe : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// Data parallel: every conv and pool runs on its batch slice without communication; each
// filter gradient (conv_grad_filter sums over the batch) is all-reduced over b.
// DP-LABEL: func.func @cnn
// DP: meshc.conv {{.+}} : !meshc.tensor<n=2, c=2, h=6, w=6, f32>, !meshc.tensor<f=4, c=2, kh=3, kw=3, f32> -> !meshc.tensor<n=2, f=4, h=6, w=6, f32>
// DP-NOT: meshc.all_
// DP: meshc.avg_pool {{.+}} -> !meshc.tensor<n=2, e=6, qh=1, qw=1, f32>
// DP: %[[T:.+]] = meshc.conv_transpose {{.+}} -> !meshc.tensor<n=2, f=4, ph=3, pw=3, f32>
// DP-NEXT: %[[G2:.+]] = meshc.conv_grad_filter {{.+}} -> !meshc.tensor<e=6, f=4, kh=3, kw=3, f32>
// DP-NEXT: meshc.all_reduce %[[G2]] {axes = ["b"]{{.*}}} : !meshc.tensor<e=6, f=4, kh=3, kw=3, f32>
// DP-NEXT: meshc.max_pool_grad %{{.+}}, %[[T]]
// DP: %[[G1:.+]] = meshc.conv_grad_filter {{.+}} -> !meshc.tensor<f=4, c=2, kh=3, kw=3, f32>
// DP-NEXT: meshc.all_reduce %[[G1]] {axes = ["b"]{{.*}}} : !meshc.tensor<f=4, c=2, kh=3, kw=3, f32>

// Output channels of the first conv split (f:m): it needs no communication; the second conv sums
// over its split input channel f, a partial sum all-reduced over m; its input adjoint
// (conv_transpose onto f) and both filter gradients need none.
// OUT-LABEL: func.func @cnn
// OUT: meshc.conv {{.+}} -> !meshc.tensor<n=4, f=2, h=6, w=6, f32>
// OUT-NOT: meshc.all_
// OUT: %[[Y2:.+]] = meshc.conv {{.+}} : !meshc.tensor<n=4, f=2, ph=3, pw=3, f32>, !meshc.tensor<e=6, f=2, kh=3, kw=3, f32> -> !meshc.tensor<n=4, e=6, ph=3, pw=3, f32>
// OUT-NEXT: meshc.all_reduce %[[Y2]] {axes = ["m"]{{.*}}} : !meshc.tensor<n=4, e=6, ph=3, pw=3, f32>
// OUT: meshc.conv_transpose {{.+}} -> !meshc.tensor<n=4, f=2, ph=3, pw=3, f32>
// OUT-NOT: meshc.all_
// OUT: meshc.sgd_update

// Output channels of the second conv split (e:m): its forward needs no communication (the dense
// layer after it sums over e); its input adjoint sums over the split e and is all-reduced.
// IN-LABEL: func.func @cnn
// IN: meshc.conv {{.+}} -> !meshc.tensor<n=4, e=3, ph=3, pw=3, f32>
// IN-NEXT: meshc.avg_pool
// IN: %[[T:.+]] = meshc.conv_transpose {{.+}} : !meshc.tensor<n=4, e=3, ph=3, pw=3, f32>, !meshc.tensor<e=3, f=4, kh=3, kw=3, f32> -> !meshc.tensor<n=4, f=4, ph=3, pw=3, f32>
// IN-NEXT: meshc.all_reduce %[[T]] {axes = ["m"]{{.*}}} : !meshc.tensor<n=4, f=4, ph=3, pw=3, f32>
// IN-NEXT: meshc.conv_grad_filter {{.+}} -> !meshc.tensor<e=3, f=4, kh=3, kw=3, f32>
// IN-NEXT: meshc.max_pool_grad

// Batch x channel on a 2x2 mesh: the second conv's partial sum over m, the filter gradients'
// over b (each keeping its split f).
// HYB-LABEL: func.func @cnn
// HYB: %[[Y2:.+]] = meshc.conv {{.+}} -> !meshc.tensor<n=2, e=6, ph=3, pw=3, f32>
// HYB-NEXT: meshc.all_reduce %[[Y2]] {axes = ["m"]{{.*}}}
// HYB: %[[G2:.+]] = meshc.conv_grad_filter {{.+}} -> !meshc.tensor<e=6, f=2, kh=3, kw=3, f32>
// HYB-NEXT: meshc.all_reduce %[[G2]] {axes = ["b"], meshc.sharding = [#meshc.sharding<{{\[\[}}], [m], [], []]>]}
// HYB: %[[G1:.+]] = meshc.conv_grad_filter {{.+}} -> !meshc.tensor<f=2, c=2, kh=3, kw=3, f32>
// HYB-NEXT: meshc.all_reduce %[[G1]] {axes = ["b"], meshc.sharding = [#meshc.sharding<{{\[\[}}m], [], [], []]>]}

// A split spatial dim is partitioned by a halo exchange (tests/lit/conv/halo.mlir) when the
// windows line up with the split; here the max pool's output (3 rows) does not split over 2
// ranks, and meshc says so at the pool.
// SPATIAL: partition.mlir:19:10: error: 'meshc.max_pool' op cannot split spatial dim 'h' (6) over mesh axis 'm' (2): its output dim 'ph' (3) must split evenly too
