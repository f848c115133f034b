// RUN: meshc %s --emit=partitioned --bucket-bytes 0 --no-overlap --mesh m=2 --layout f:m | FileCheck %s
// RUN: meshc %s --emit=partitioned --bucket-bytes 0 --no-overlap --mesh b=2 --layout n:b | FileCheck %s --check-prefix=BATCH

// Batch norm with the batch statistics (as the DSL builds it), channels split: statistics, normalisation and the adjoint
// all run on each rank's channels without communication. Batch split (BATCH): synchronised
// batch norm by construction: the statistics' sums are all-reduced over b before the
// normalisation, and batch_norm_grad's [f] results are partial sums over b (all-reduced) while
// its input gradient, which keeps the batch dim, is not.
module {
  func.func @cnn_bn() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, c=2, h=6, w=6, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<f=4, c=2, kh=3, kw=3, f32>
    %g = meshc.param "g" constant {scale = 1.0} : !meshc.tensor<f=4, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<f=4, f32>
    %k2 = meshc.param "k2" uniform {scale = 0.5} : !meshc.tensor<e=6, f=4, kh=3, kw=3, f32>
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<e=6, classes=3, f32>
    %a = meshc.conv %x, %k1 {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, c=2, h=6, w=6, f32>, !meshc.tensor<f=4, c=2, kh=3, kw=3, f32> -> !meshc.tensor<n=4, f=4, h=6, w=6, f32>
    %mean = meshc.reduce_mean %a : !meshc.tensor<n=4, f=4, h=6, w=6, f32> -> !meshc.tensor<f=4, f32>
    %ac = meshc.sub %a, %mean : !meshc.tensor<n=4, f=4, h=6, w=6, f32>, !meshc.tensor<f=4, f32> -> !meshc.tensor<n=4, f=4, h=6, w=6, f32>
    %sq = meshc.mul %ac, %ac : !meshc.tensor<n=4, f=4, h=6, w=6, f32>, !meshc.tensor<n=4, f=4, h=6, w=6, f32> -> !meshc.tensor<n=4, f=4, h=6, w=6, f32>
    %var = meshc.reduce_mean %sq : !meshc.tensor<n=4, f=4, h=6, w=6, f32> -> !meshc.tensor<f=4, f32>
    %bn = meshc.batch_norm %a, %mean, %var, %g, %b {channel = "f", epsilon = 1.0e-5} : !meshc.tensor<n=4, f=4, h=6, w=6, f32>, !meshc.tensor<f=4, f32>
    %r = meshc.relu %bn : !meshc.tensor<n=4, f=4, h=6, w=6, f32>
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

// CHECK-LABEL: func.func @cnn_bn
// CHECK: meshc.reduce_sum {{.+}} : !meshc.tensor<n=4, f=2, h=6, w=6, f32> -> !meshc.tensor<f=2, f32>
// CHECK-NOT: meshc.all_
// CHECK: meshc.batch_norm {{.+}} : !meshc.tensor<n=4, f=2, h=6, w=6, f32>, !meshc.tensor<f=2, f32>
// CHECK: meshc.batch_norm_grad {{.+}} : !meshc.tensor<n=4, f=2, h=6, w=6, f32>, !meshc.tensor<f=2, f32>
// CHECK-NOT: meshc.all_
// CHECK: meshc.sgd_update

// BATCH-LABEL: func.func @cnn_bn
// BATCH: meshc.reduce_sum {{.+}} : !meshc.tensor<n=2, f=4, h=6, w=6, f32> -> !meshc.tensor<f=4, f32>
// BATCH-NEXT: meshc.scale
// BATCH-NEXT: meshc.all_reduce {{.+}}axes = ["b"]{{.+}} : !meshc.tensor<f=4, f32>
// BATCH: meshc.reduce_sum {{.+}} : !meshc.tensor<n=2, f=4, h=6, w=6, f32> -> !meshc.tensor<f=4, f32>
// BATCH-NEXT: meshc.scale
// BATCH-NEXT: meshc.all_reduce {{.+}}axes = ["b"]{{.+}} : !meshc.tensor<f=4, f32>
// BATCH-NEXT: meshc.batch_norm {{.+}} : !meshc.tensor<n=2, f=4, h=6, w=6, f32>, !meshc.tensor<f=4, f32>
// BATCH: %[[DX:[a-z]+]], %{{.+}}, %{{.+}}, %[[DSCALE:[a-z]+]], %[[DSHIFT:[a-z]+]] = meshc.batch_norm_grad {{.+}}meshc.sharding = [#meshc.sharding<{{\[\[}}b], [], [], []]>, #meshc.sharding<{{\[\[}}]], partial = [b]>, #meshc.sharding<{{\[\[}}]], partial = [b]>, #meshc.sharding<{{\[\[}}]], partial = [b]>, #meshc.sharding<{{\[\[}}]], partial = [b]>]
// BATCH-NEXT: meshc.all_reduce %[[DSCALE]] {axes = ["b"]
// BATCH-NEXT: meshc.all_reduce %[[DSHIFT]] {axes = ["b"]
