// RUN: meshc-opt %s --split-input-file --meshc-partition-pipeline=overlap=false --meshc-lower-to-llvm | FileCheck %s

// The Conv family lowered to the runtime's CNN kernels (lowering/MeshcToLLVM/Conv.cpp): shapes
// are the per-rank ones in the kernels' canonical order ([N, C, S...], [F, C, K...],
// [N, F, O...]), the geometry is the attributes' (strides, dilations, pad_lo, pad_hi; pooling:
// window, strides, pad_lo, pad_hi), and a tensor is copied (meshrt_strided_copy) only where its
// own layout is not the canonical one.

// Channels-first tensors and [f, c, kh, kw] filters are passed as they are. Batch over b and
// the first conv's output channels over m: each rank holds n=2 and f=3 (the first filter's
// out channel and the second's in channel). Stride 2 and dilation 2 along h, asymmetric pads.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"n:b,f:m">} {
  func.func @nchw() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, c=2, h=9, w=8, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !meshc.tensor<f=6, c=2, kh=3, kw=2, f32>
    %k2 = meshc.param "k2" uniform {scale = 0.5} : !meshc.tensor<e=3, f=6, kh=3, kw=2, f32>
    %a = meshc.conv %x, %k1 {input_spatial = ["h", "w"], output_spatial = ["oh", "ow"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 2, 1>, dilations = array<i64: 2, 1>, pad_lo = array<i64: 1, 0>, pad_hi = array<i64: 2, 1>} : !meshc.tensor<n=4, c=2, h=9, w=8, f32>, !meshc.tensor<f=6, c=2, kh=3, kw=2, f32> -> !meshc.tensor<n=4, f=6, oh=4, ow=8, f32>
    %r = meshc.relu %a : !meshc.tensor<n=4, f=6, oh=4, ow=8, f32>
    %b = meshc.conv %r, %k2 {input_spatial = ["oh", "ow"], output_spatial = ["oh", "ow"], kernel_spatial = ["kh", "kw"], in_channel = "f", out_channel = "e", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 0>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=4, f=6, oh=4, ow=8, f32>, !meshc.tensor<e=3, f=6, kh=3, kw=2, f32> -> !meshc.tensor<n=4, e=3, oh=4, ow=8, f32>
    %l = meshc.reduce_sum %b : !meshc.tensor<n=4, e=3, oh=4, ow=8, f32> -> !meshc.tensor<n=4, e=3, f32>
    %ll = meshc.rename %l {from = "e", to = "classes"} : !meshc.tensor<n=4, e=3, f32> -> !meshc.tensor<n=4, classes=3, f32>
    %xe = meshc.softmax_xent %ll, %y {class_dim = "classes"} : !meshc.tensor<n=4, classes=3, f32>, !meshc.tensor<n=4, i32> -> !meshc.tensor<n=4, f32>
    %m = meshc.reduce_mean %xe : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// CHECK-DAG: llvm.mlir.global internal constant @[[X1:__meshc_array_[0-9]+]](dense<[2, 2, 9, 8]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[W1:__meshc_array_[0-9]+]](dense<[3, 2, 3, 2]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[Y1:__meshc_array_[0-9]+]](dense<[2, 3, 4, 8]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[G1:__meshc_array_[0-9]+]](dense<[2, 1, 2, 1, 1, 0, 2, 1]> : tensor<8xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[W2:__meshc_array_[0-9]+]](dense<[3, 3, 3, 2]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[G2:__meshc_array_[0-9]+]](dense<[1, 1, 1, 1, 1, 0, 1, 1]> : tensor<8xi64>)
// CHECK-LABEL: llvm.func @meshc_step(
// x (buffer 0), k1 (buffer 2) -> a (buffer 4), no copies.
// CHECK-NOT: llvm.call @meshrt_strided_copy
// CHECK: %[[XA:.+]] = llvm.mlir.addressof @__meshc_buffer_0 :
// CHECK-NEXT: %[[X:.+]] = llvm.load %[[XA]]
// CHECK-NEXT: %[[KA:.+]] = llvm.mlir.addressof @__meshc_buffer_2 :
// CHECK-NEXT: %[[K:.+]] = llvm.load %[[KA]]
// CHECK-NEXT: %[[AA:.+]] = llvm.mlir.addressof @__meshc_buffer_4 :
// CHECK-NEXT: %[[A:.+]] = llvm.load %[[AA]]
// CHECK-NEXT: %[[NSP:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[XS:.+]] = llvm.mlir.addressof @[[X1]]
// CHECK-NEXT: %[[WS:.+]] = llvm.mlir.addressof @[[W1]]
// CHECK-NEXT: %[[YS:.+]] = llvm.mlir.addressof @[[Y1]]
// CHECK-NEXT: %[[GS:.+]] = llvm.mlir.addressof @[[G1]]
// CHECK-NEXT: llvm.call @meshrt_conv_forward(%arg0, %[[NSP]], %[[XS]], %[[WS]], %[[YS]], %[[GS]], %[[X]], %[[K]], %[[A]])
// CHECK-NOT: llvm.call @meshrt_strided_copy
// CHECK: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: addressof @[[Y1]]
// CHECK-NEXT: addressof @[[W2]]
// CHECK-NEXT: addressof @[[Y1]]
// CHECK-NEXT: addressof @[[G2]]
// CHECK-NEXT: llvm.call @meshrt_conv_forward(
// The second conv sums over the split f: a partial sum.
// CHECK-NOT: llvm.call
// CHECK: llvm.call @meshrt_collective_site(
// CHECK: llvm.call @meshrt_allreduce_sum(
// Backward: the second conv's input adjoint and filter gradient, then the first's filter
// gradient (x is data: no input adjoint), each with its forward's shapes and geometry.
// CHECK: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: addressof @[[Y1]]
// CHECK-NEXT: addressof @[[W2]]
// CHECK-NEXT: addressof @[[Y1]]
// CHECK-NEXT: addressof @[[G2]]
// CHECK-NEXT: llvm.call @meshrt_conv_backward_data(
// CHECK: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: addressof @[[Y1]]
// CHECK-NEXT: addressof @[[W2]]
// CHECK-NEXT: addressof @[[Y1]]
// CHECK-NEXT: addressof @[[G2]]
// CHECK-NEXT: llvm.call @meshrt_conv_backward_weights(
// CHECK-NOT: llvm.call @meshrt_conv_backward_data(
// CHECK: addressof @[[X1]]
// CHECK-NEXT: addressof @[[W1]]
// CHECK-NEXT: addressof @[[Y1]]
// CHECK-NEXT: addressof @[[G1]]
// CHECK-NEXT: llvm.call @meshrt_conv_backward_weights(
// CHECK-NOT: llvm.call @meshrt_conv_
// CHECK: llvm.return

// -----

// Channels-last: x [n, h, w, c] and the filter [c, kh, kw, f] are copied into [n, c, h, w] and
// [f, c, kh, kw] scratch, the conv writes [n, f, h, w] scratch that is copied out into
// [n, h, w, f]; the max pool reads that as [n, f, h, w] (a copy) and writes its channels-first
// result directly, which the average pool takes as it is. The average pool's adjoint passes
// its dx for x, which it does not read.
module attributes {meshc.mesh = #meshc.mesh<"b=1">} {
  func.func @nhwc() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<n=2, h=5, w=4, c=3, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<n=2, i32>
    %k = meshc.param "k" uniform {scale = 0.5} : !meshc.tensor<c=3, kh=3, kw=3, f=4, f32>
    %a = meshc.conv %x, %k {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=2, h=5, w=4, c=3, f32>, !meshc.tensor<c=3, kh=3, kw=3, f=4, f32> -> !meshc.tensor<n=2, h=5, w=4, f=4, f32>
    %p = meshc.max_pool %a {input_spatial = ["h", "w"], output_spatial = ["ph", "pw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 1, 0>} : !meshc.tensor<n=2, h=5, w=4, f=4, f32> -> !meshc.tensor<n=2, f=4, ph=3, pw=2, f32>
    %q = meshc.avg_pool %p {input_spatial = ["ph", "pw"], output_spatial = ["qh", "qw"], window = array<i64: 3, 2>, strides = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=2, f=4, ph=3, pw=2, f32> -> !meshc.tensor<n=2, f=4, qh=1, qw=1, f32>
    %l = meshc.reshape %q : !meshc.tensor<n=2, f=4, qh=1, qw=1, f32> -> !meshc.tensor<n=2, classes=4, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<n=2, classes=4, f32>, !meshc.tensor<n=2, i32> -> !meshc.tensor<n=2, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<n=2, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// CHECK-DAG: llvm.mlir.global internal constant @[[XC:__meshc_array_[0-9]+]](dense<[2, 3, 5, 4]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[WC:__meshc_array_[0-9]+]](dense<[4, 3, 3, 3]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[YC:__meshc_array_[0-9]+]](dense<[2, 4, 5, 4]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[YL:__meshc_array_[0-9]+]](dense<[2, 5, 4, 4]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[G:__meshc_array_[0-9]+]](dense<1> : tensor<8xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[P:__meshc_array_[0-9]+]](dense<[2, 4, 3, 2]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[PG:__meshc_array_[0-9]+]](dense<[2, 2, 2, 2, 0, 0, 1, 0]> : tensor<8xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[Q:__meshc_array_[0-9]+]](dense<[2, 4, 1, 1]> : tensor<4xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[QG:__meshc_array_[0-9]+]](dense<[3, 2, 1, 1, 0, 0, 0, 0]> : tensor<8xi64>)
// CHECK-LABEL: llvm.func @meshc_step(
// CHECK: addressof @[[XC]]
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: addressof @[[WC]]
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK-NOT: llvm.call
// CHECK: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: addressof @[[XC]]
// CHECK-NEXT: addressof @[[WC]]
// CHECK-NEXT: addressof @[[YC]]
// CHECK-NEXT: addressof @[[G]]
// CHECK-NEXT: llvm.call @meshrt_conv_forward(
// CHECK-NEXT: llvm.mlir.constant(4 : i32)
// CHECK-NEXT: addressof @[[YL]]
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: addressof @[[YC]]
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK-NOT: llvm.call
// CHECK: %[[MAX:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(2 : i32)
// CHECK-NEXT: addressof @[[YC]]
// CHECK-NEXT: addressof @[[P]]
// CHECK-NEXT: addressof @[[PG]]
// CHECK-NEXT: llvm.call @meshrt_pool_forward(%arg0, %[[MAX]],
// CHECK-NOT: llvm.call @meshrt_strided_copy
// CHECK: %[[AVG:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(2 : i32)
// CHECK-NEXT: addressof @[[P]]
// CHECK-NEXT: addressof @[[Q]]
// CHECK-NEXT: addressof @[[QG]]
// CHECK-NEXT: llvm.call @meshrt_pool_forward(%arg0, %[[AVG]],
// CHECK: %[[PS:.+]] = llvm.mlir.addressof @[[P]]
// CHECK-NEXT: %[[QS:.+]] = llvm.mlir.addressof @[[Q]]
// CHECK-NEXT: %[[QGS:.+]] = llvm.mlir.addressof @[[QG]]
// CHECK-NEXT: llvm.call @meshrt_pool_backward(%arg0, %{{[0-9]+}}, %{{[0-9]+}}, %[[PS]], %[[QS]], %[[QGS]], %[[DX:[0-9]+]], %{{[0-9]+}}, %[[DX]])
// CHECK: llvm.call @meshrt_pool_backward(
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: addressof @[[XC]]
// CHECK-NEXT: addressof @[[WC]]
// CHECK-NEXT: addressof @[[YC]]
// CHECK-NEXT: addressof @[[G]]
// CHECK-NEXT: llvm.call @meshrt_conv_backward_weights(
// The filter gradient, computed [f, c, kh, kw], is copied out into [c, kh, kw, f].
// CHECK-NEXT: llvm.mlir.constant(4 : i32)
// CHECK-NEXT: addressof @{{.+}} : !llvm.ptr
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_sgd_update(

// -----

// Batch norm needs no copy whatever the channel's position: x [g, d, c, h, w] is [n, c, s] with
// n = g d (g split over b: 2 x 4) and s = h w. The 3-D max pool's batch-like dims g and c are
// N and C ([g, c, d, h, w]: a copy in, none out).
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"g:b">} {
  func.func @bn3d() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<g=4, d=4, c=3, h=4, w=4, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<g=4, i32>
    %mean = meshc.param "mean" uniform {scale = 0.1} : !meshc.tensor<c=3, f32>
    %var = meshc.param "var" constant {scale = 1.0} : !meshc.tensor<c=3, f32>
    %gamma = meshc.param "gamma" constant {scale = 1.0} : !meshc.tensor<c=3, f32>
    %beta = meshc.param "beta" constant {scale = 0.1} : !meshc.tensor<c=3, f32>
    %n = meshc.batch_norm %x, %mean, %var, %gamma, %beta {channel = "c", epsilon = 1.0e-03} : !meshc.tensor<g=4, d=4, c=3, h=4, w=4, f32>, !meshc.tensor<c=3, f32>
    %p = meshc.max_pool %n {input_spatial = ["d", "h", "w"], output_spatial = ["pd", "ph", "pw"], window = array<i64: 4, 4, 4>, strides = array<i64: 4, 4, 4>, pad_lo = array<i64: 0, 0, 0>, pad_hi = array<i64: 0, 0, 0>} : !meshc.tensor<g=4, d=4, c=3, h=4, w=4, f32> -> !meshc.tensor<g=4, c=3, pd=1, ph=1, pw=1, f32>
    %l = meshc.reshape %p : !meshc.tensor<g=4, c=3, pd=1, ph=1, pw=1, f32> -> !meshc.tensor<g=4, classes=3, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<g=4, classes=3, f32>, !meshc.tensor<g=4, i32> -> !meshc.tensor<g=4, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<g=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// CHECK-DAG: llvm.mlir.global internal constant @[[X5:__meshc_array_[0-9]+]](dense<[2, 3, 4, 4, 4]> : tensor<5xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[Y5:__meshc_array_[0-9]+]](dense<[2, 3, 1, 1, 1]> : tensor<5xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[G5:__meshc_array_[0-9]+]](dense<[4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0]> : tensor<12xi64>)
// CHECK-LABEL: llvm.func @meshc_step(
// CHECK: %[[N:.+]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[C:.+]] = llvm.mlir.constant(3 : i64) : i64
// CHECK-NEXT: %[[S:.+]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[EPS:.+]] = llvm.mlir.constant(1.000000e-03 : f32) : f32
// CHECK-NOT: llvm.call
// CHECK: llvm.call @meshrt_batch_norm(%arg0, %[[N]], %[[C]], %[[S]], %[[EPS]],
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.mlir.constant(0 : i32)
// CHECK-NEXT: llvm.mlir.constant(3 : i32)
// CHECK-NEXT: addressof @[[X5]]
// CHECK-NEXT: addressof @[[Y5]]
// CHECK-NEXT: addressof @[[G5]]
// CHECK-NEXT: llvm.call @meshrt_pool_forward(
// The next copy is the reshape's (flat, rank 1), not one of the pool's result (rank 5).
// CHECK-NEXT: llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @meshrt_softmax_xent(
// CHECK: llvm.mlir.constant(3 : i32) : i32
// CHECK-NEXT: addressof @[[X5]]
// CHECK-NEXT: addressof @[[Y5]]
// CHECK-NEXT: addressof @[[G5]]
// CHECK-NEXT: llvm.call @meshrt_pool_backward(
// CHECK-NEXT: llvm.mlir.constant(5 : i32)
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: %[[N2:.+]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[C2:.+]] = llvm.mlir.constant(3 : i64) : i64
// CHECK-NEXT: %[[S2:.+]] = llvm.mlir.constant(16 : i64) : i64
// CHECK: llvm.call @meshrt_batch_norm_grad(%arg0, %[[N2]], %[[C2]], %[[S2]],
// The four [c] gradients sum over the split g: all-reduced (synchronised batch norm).
// CHECK: llvm.call @meshrt_allreduce_sum(
