// RUN: meshc-opt --meshc-partition --cse --split-input-file %s | FileCheck %s

// Window ops on a split spatial dim (WindowOpInterface): each rank exchanges with its neighbours
// on the dim's mesh axis the rows its windows reach beyond its block, runs the op without
// padding on that dim, and a transposed (scatter) op sends the rows it wrote for its neighbours
// back to them. Rows beyond the image's edges come from the exchange's fill (the padding).

// A 3x3 "same" conv, rows split over m=2: one row from each neighbour (zeros beyond the edges);
// the columns keep their padding. Its filter gradient reads the same widened input and sums over
// the split rows (a partial sum), its input gradient (conv_transpose) writes one row beyond each
// side of the block, which goes back to the neighbour and is added there.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"h:m">} {
  // CHECK-LABEL: func.func @conv_rows
  func.func @conv_rows() {
    // CHECK: %[[X:.+]] = meshc.input "x" {{.*}} : !meshc.tensor<n=2, c=3, h=4, w=5, f32>
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=3, h=8, w=5, f32>
    %k = meshc.param "k" uniform {scale = 0.5} : !meshc.tensor<f=4, c=3, kh=3, kw=3, f32>
    // CHECK: %[[XH:.+]] = meshc.halo_exchange %[[X]] {axis = "m", dim = "h", fill = 0.000000e+00 : f64, hi = 1 : i64, lo = 1 : i64, meshc.sharding = [#meshc.sharding<{{\[\[}}], [], [m], []], halo = [0, 0, 0, 0, 1, 1, 0, 0]>]} : !meshc.tensor<n=2, c=3, h=4, w=5, f32> -> !meshc.tensor<n=2, c=3, h=6, w=5, f32>
    // CHECK-NEXT: %[[Y:.+]] = meshc.conv %[[XH]], {{.*}}pad_hi = array<i64: 0, 1>, pad_lo = array<i64: 0, 1>{{.*}} -> !meshc.tensor<n=2, f=4, h=4, w=5, f32>
    %y = meshc.conv %x, %k {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=2, c=3, h=8, w=5, f32>, !meshc.tensor<f=4, c=3, kh=3, kw=3, f32> -> !meshc.tensor<n=2, f=4, h=8, w=5, f32>
    // CHECK-NEXT: %[[DW:.+]] = meshc.conv_grad_filter %[[XH]], %[[Y]] {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [], [], []], partial = [m]>]{{.*}}pad_hi = array<i64: 0, 1>, pad_lo = array<i64: 0, 1>
    // CHECK: meshc.all_reduce %[[DW]] {axes = ["m"]
    %dw = meshc.conv_grad_filter %x, %y {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=2, c=3, h=8, w=5, f32>, !meshc.tensor<n=2, f=4, h=8, w=5, f32> -> !meshc.tensor<f=4, c=3, kh=3, kw=3, f32>
    // CHECK: %[[DXH:.+]] = meshc.conv_transpose %[[Y]], {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [], [m], []], halo = [0, 0, 0, 0, 1, 1, 0, 0]>]{{.*}} -> !meshc.tensor<n=2, c=3, h=6, w=5, f32>
    // CHECK-NEXT: meshc.halo_exchange_grad %[[DXH]] {axis = "m", dim = "h", hi = 1 : i64, lo = 1 : i64, meshc.sharding = [#meshc.sharding<{{\[\[}}], [], [m], []]>]} : !meshc.tensor<n=2, c=3, h=6, w=5, f32> -> !meshc.tensor<n=2, c=3, h=4, w=5, f32>
    %dwr = meshc.relu %dw : !meshc.tensor<f=4, c=3, kh=3, kw=3, f32>
    %dx = meshc.conv_transpose %y, %k {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=2, f=4, h=8, w=5, f32>, !meshc.tensor<f=4, c=3, kh=3, kw=3, f32> -> !meshc.tensor<n=2, c=3, h=8, w=5, f32>
    %r = meshc.relu %dx : !meshc.tensor<n=2, c=3, h=8, w=5, f32>
    return
  }
}

// -----

// Rows and columns split on a 2x2 mesh: the rows first, then the columns of the widened block
// (so the corners come through the first exchange's halo); a max pool's halo holds -inf beyond
// the image. Its gradient returns the columns' halo first, then the rows'.
module attributes {meshc.mesh = #meshc.mesh<"a=2,b=2">, meshc.layout = #meshc.layout<"h:a,w:b">} {
  // CHECK-LABEL: func.func @max_pool_tiles
  func.func @max_pool_tiles() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, h=8, w=8, f32>
    // CHECK: %[[H:.+]] = meshc.halo_exchange %{{.+}} {axis = "a", dim = "h", fill = 0xFFF0000000000000 : f64, hi = 1 : i64, lo = 1 : i64{{.*}} : !meshc.tensor<n=2, h=4, w=4, f32> -> !meshc.tensor<n=2, h=6, w=4, f32>
    // CHECK-NEXT: %[[HW:.+]] = meshc.halo_exchange %[[H]] {axis = "b", dim = "w", fill = 0xFFF0000000000000 : f64, hi = 1 : i64, lo = 1 : i64, meshc.sharding = [#meshc.sharding<{{\[\[}}], [a], [b]], halo = [0, 0, 1, 1, 1, 1]>]} : !meshc.tensor<n=2, h=6, w=4, f32> -> !meshc.tensor<n=2, h=6, w=6, f32>
    // CHECK-NEXT: %[[P:.+]] = meshc.max_pool %[[HW]] {{.*}}pad_hi = array<i64: 0, 0>, pad_lo = array<i64: 0, 0>{{.*}} -> !meshc.tensor<n=2, h=4, w=4, f32>
    %p = meshc.max_pool %x {input_spatial = ["h", "w"], output_spatial = ["h", "w"], window = array<i64: 3, 3>, strides = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=2, h=8, w=8, f32> -> !meshc.tensor<n=2, h=8, w=8, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.max_pool_grad %[[HW]], %[[P]] {{.*}} -> !meshc.tensor<n=2, h=6, w=6, f32>
    // CHECK-NEXT: %[[GW:.+]] = meshc.halo_exchange_grad %[[G]] {axis = "b", dim = "w"{{.*}} -> !meshc.tensor<n=2, h=6, w=4, f32>
    // CHECK-NEXT: meshc.halo_exchange_grad %[[GW]] {axis = "a", dim = "h"{{.*}} -> !meshc.tensor<n=2, h=4, w=4, f32>
    %g = meshc.max_pool_grad %x, %p {input_spatial = ["h", "w"], output_spatial = ["h", "w"], window = array<i64: 3, 3>, strides = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !meshc.tensor<n=2, h=8, w=8, f32>, !meshc.tensor<n=2, h=8, w=8, f32> -> !meshc.tensor<n=2, h=8, w=8, f32>
    %gr = meshc.relu %g : !meshc.tensor<n=2, h=8, w=8, f32>
    return
  }
}

// -----

// Strides line up with the split when input = stride x output rows: a 3x3 stride-2 conv padded
// 1/0 reads one row before its block and none after; a 2x2 stride-2 pool stays within its block
// (no exchange). The output dims (oh, ph) run on their input dim's axis even where the layout
// does not name them; they are then brought to the layout (gathered).
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"h:m,oh:m">} {
  // CHECK-LABEL: func.func @strided
  func.func @strided() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=1, h=8, w=3, f32>
    %k = meshc.param "k" uniform {scale = 0.5} : !meshc.tensor<f=2, c=1, kh=3, kw=3, f32>
    // CHECK: meshc.halo_exchange %{{.+}} {axis = "m", dim = "h", fill = 0.000000e+00 : f64, hi = 0 : i64, lo = 1 : i64{{.*}} -> !meshc.tensor<n=2, c=1, h=5, w=3, f32>
    // CHECK-NEXT: %[[Y:.+]] = meshc.conv {{.*}} -> !meshc.tensor<n=2, f=2, oh=2, w=3, f32>
    %y = meshc.conv %x, %k {input_spatial = ["h", "w"], output_spatial = ["oh", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 2, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=1, h=8, w=3, f32>, !meshc.tensor<f=2, c=1, kh=3, kw=3, f32> -> !meshc.tensor<n=2, f=2, oh=4, w=3, f32>
    // CHECK-NOT: meshc.halo_exchange
    // CHECK: %[[P:.+]] = meshc.avg_pool %[[Y]] {{.*}} -> !meshc.tensor<n=2, f=2, ph=1, w=3, f32>
    // CHECK-NEXT: meshc.all_gather %[[P]] {axis = "m", dim = "ph"
    %p = meshc.avg_pool %y {input_spatial = ["oh"], output_spatial = ["ph"], window = array<i64: 2>, strides = array<i64: 2>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, f=2, oh=4, w=3, f32> -> !meshc.tensor<n=2, f=2, ph=2, w=3, f32>
    %r = meshc.relu %p : !meshc.tensor<n=2, f=2, ph=2, w=3, f32>
    return
  }
}
