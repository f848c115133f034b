// RUN: meshc-opt --meshc-share-updates='min-bytes=0' %s --split-input-file | FileCheck %s
// RUN: meshc-opt --meshc-share-updates %s --split-input-file | FileCheck %s --check-prefix=DEFAULT

// meshc-share-updates on hand-written per-rank programs (mesh b=2): the gradient of w, an einsum
// contracting the batch dim n that is split over b, is all-reduced over b before its SGD update.
// With min-bytes=0 every chain that qualifies becomes one meshc.sgd_update_einsum; at the default
// (256 KiB) these small parameters keep their chains.

// Chosen: the fused update goes after the last read of w (%dx, after the gradient's einsum).
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @chosen
  // DEFAULT-LABEL: func.func @chosen
  // DEFAULT: meshc.all_reduce
  // DEFAULT: meshc.sgd_update %
  // DEFAULT-NOT: sgd_update_einsum
  func.func @chosen() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    // CHECK: %[[Y:.+]] = meshc.einsum %[[X:.+]], %[[W:[^ ]+]] {
    %y = meshc.einsum %x, %w {meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<k=8, h=4, f32> -> !meshc.tensor<n=2, h=4, f32>
    %g = meshc.einsum %x, %y {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, f32>
    // CHECK-NEXT: %[[DX:.+]] = meshc.einsum %[[Y]], %[[W]]
    // CHECK-NEXT: meshc.sgd_update_einsum %[[W]], %[[X]], %[[Y]] {axes = ["b"], learning_rate = 1.000000e-01 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32>
    // CHECK-NOT: meshc.all_reduce
    // CHECK-NOT: meshc.sgd_update %
    // CHECK: return
    %dx = meshc.einsum %y, %w {meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>, !meshc.tensor<k=8, h=4, f32> -> !meshc.tensor<n=2, k=8, f32>
    %s = meshc.all_reduce %g {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    meshc.sgd_update %w, %s {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<k=8, h=4, f32>
    return
  }
}

// -----

// Not chosen: momentum (its velocity needs the summed gradient), the summed gradient read twice,
// the einsum read twice, a batch dim (h in both operands: not one matmul), the parameter's dims
// interleaving the operands' (k and j of x around h of y), a read of the parameter after its
// update, a gradient computed from the parameter itself, a sharded update.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @not_chosen
  // CHECK-NOT: sgd_update_einsum
  // CHECK: return
  func.func @not_chosen() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>
    %xh = meshc.input "xh" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [], []]>]} : !meshc.tensor<n=2, k=8, h=4, f32>
    %xj = meshc.input "xj" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [], []]>]} : !meshc.tensor<n=2, k=8, j=2, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %w3 = meshc.param "w3" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %w4 = meshc.param "w4" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %w5 = meshc.param "w5" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], [], []]>]} : !meshc.tensor<k=8, h=4, j=2, f32>
    %w6 = meshc.param "w6" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %w7 = meshc.param "w7" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %w8 = meshc.param "w8" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %g1 = meshc.einsum %x, %y {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, f32>
    %s1 = meshc.all_reduce %g1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    meshc.momentum_update %w1, %s1 {learning_rate = 0.1 : f64, momentum = 0.9 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<k=8, h=4, f32>
    %g2 = meshc.einsum %x, %y {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, f32>
    %s2 = meshc.all_reduce %g2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    %twice = meshc.scale %s2 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    meshc.sgd_update %w2, %s2 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<k=8, h=4, f32>
    %g3 = meshc.einsum %x, %y {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, f32>
    %g3b = meshc.scale %g3 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<k=8, h=4, f32>
    %s3 = meshc.all_reduce %g3 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    meshc.sgd_update %w3, %s3 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<k=8, h=4, f32>
    %g4 = meshc.einsum %xh, %y {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, h=4, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, f32>
    %s4 = meshc.all_reduce %g4 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    meshc.sgd_update %w4, %s4 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<k=8, h=4, f32>
    %g5 = meshc.einsum %xj, %y {meshc.sharding = [#meshc.sharding<[[], [], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, j=2, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, j=2, f32>
    %s5 = meshc.all_reduce %g5 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], [], []]>]} : !meshc.tensor<k=8, h=4, j=2, f32>
    meshc.sgd_update %w5, %s5 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, j=2, f32>, !meshc.tensor<k=8, h=4, j=2, f32>
    %g6 = meshc.einsum %x, %y {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, f32>
    %s6 = meshc.all_reduce %g6 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    meshc.sgd_update %w6, %s6 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<k=8, h=4, f32>
    %late = meshc.einsum %y, %w6 {meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, h=4, f32>, !meshc.tensor<k=8, h=4, f32> -> !meshc.tensor<n=2, k=8, f32>
    %g8 = meshc.einsum %w7, %y {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32>, !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<k=8, h=4, f32>
    %s8 = meshc.all_reduce %g8 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=8, h=4, f32>
    meshc.sgd_update %w8, %s8 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, h=4, f32>, !meshc.tensor<k=8, h=4, f32>
    return
  }
}
