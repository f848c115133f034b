// RUN: meshc-opt --meshc-localize --split-input-file --verify-diagnostics %s | FileCheck %s

// Stage 3 of partitioning, on a hand-written resharded program: every result takes its local
// type from its sharding, each meshc.reshard becomes the collectives its two shardings call
// for (the operator is chosen from the shardings alone), a relayout is its operand, and the
// function is marked per-rank (which makes the per-rank verifier check the output).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @collectives
  // CHECK-SAME: attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">}
  func.func @collectives() {
    // CHECK: %[[X:.+]] = meshc.param "x" {{.*}} : !meshc.tensor<n=4, k=2, f32>
    %x = meshc.param "x" zeros {meshc.sharding = [#meshc.sharding<[[], [m]]>], scale = 0.0} : !meshc.tensor<n=4, k=4, f32>
    // CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<k=2, h=8, f32>
    %w = meshc.param "w" zeros {meshc.sharding = [#meshc.sharding<[[m], []]>], scale = 0.0} : !meshc.tensor<k=4, h=8, f32>
    // CHECK: %[[P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<n=4, h=8, f32>
    %p = meshc.einsum %x, %w {meshc.sharding = [#meshc.sharding<[[], []], partial = [m]>]} : !meshc.tensor<n=4, k=4, f32>, !meshc.tensor<k=4, h=8, f32> -> !meshc.tensor<n=4, h=8, f32>
    // A pending sum, complete afterwards: all_reduce.
    // CHECK-NEXT: %[[AR:.+]] = meshc.all_reduce %[[P]] {axes = ["m"], meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]} : !meshc.tensor<n=4, h=8, f32>
    %ar = meshc.reshard %p {from = #meshc.sharding<[[], []], partial = [m]>, to = #meshc.sharding<[[], []]>} : !meshc.tensor<n=4, h=8, f32>
    // A pending sum, then split: reduce_scatter.
    // CHECK-NEXT: meshc.reduce_scatter %[[P]] {axis = "m", dim = "h", meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]} : !meshc.tensor<n=4, h=8, f32> -> !meshc.tensor<n=4, h=4, f32>
    %rs = meshc.reshard %p {from = #meshc.sharding<[[], []], partial = [m]>, to = #meshc.sharding<[[], [m]]>} : !meshc.tensor<n=4, h=8, f32>
    // Complete, then split: a local slice.
    // CHECK-NEXT: %[[SL:.+]] = meshc.all_slice %[[AR]] {axis = "b", dim = "n", meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]} : !meshc.tensor<n=4, h=8, f32> -> !meshc.tensor<n=2, h=8, f32>
    %sl = meshc.reshard %ar {from = #meshc.sharding<[[], []]>, to = #meshc.sharding<[[b], []]>} : !meshc.tensor<n=4, h=8, f32>
    // The split axis moves from one dim to another: all_to_all.
    // CHECK-NEXT: %[[AA:.+]] = meshc.all_to_all %[[SL]] {axis = "b", concat_dim = "n", meshc.sharding = [#meshc.sharding<{{\[\[}}], [b]]>], split_dim = "h"} : !meshc.tensor<n=2, h=8, f32> -> !meshc.tensor<n=4, h=4, f32>
    %aa = meshc.reshard %sl {from = #meshc.sharding<[[b], []]>, to = #meshc.sharding<[[], [b]]>} : !meshc.tensor<n=4, h=8, f32>
    // Split, then whole: all_gather.
    // CHECK-NEXT: meshc.all_gather %[[AA]] {axis = "b", dim = "h", meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]} : !meshc.tensor<n=4, h=4, f32> -> !meshc.tensor<n=4, h=8, f32>
    %ag = meshc.reshard %aa {from = #meshc.sharding<[[], [b]]>, to = #meshc.sharding<[[], []]>} : !meshc.tensor<n=4, h=8, f32>
    // A relayout is its (already resharded) operand.
    // CHECK-NOT: meshc.relayout
    // CHECK-NEXT: meshc.relu %[[SL]] {meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]} : !meshc.tensor<n=2, h=8, f32>
    %rl = meshc.relayout %sl {layout = #meshc.layout<"n:b">, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=4, h=8, f32>
    %r = meshc.relu %rl {meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=4, h=8, f32>
    return
  }
}

// -----

// clip_global_norm learns how many ranks hold each gradient's blocks: the product of the
// sizes of the axes none of its dims is split on.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  // CHECK-LABEL: func.func @replicas
  func.func @replicas() {
    %g = meshc.param "g" zeros {meshc.sharding = [#meshc.sharding<[[m], []]>], scale = 0.0} : !meshc.tensor<k=8, h=2, f32>
    %s = meshc.param "s" zeros {meshc.sharding = [#meshc.sharding<[]>], scale = 0.0} : !meshc.tensor<f32>
    // CHECK: meshc.clip_global_norm {{.*}}replicas = array<i64: 2, 8>{{.*}} -> !meshc.tensor<k=2, h=2, f32>, !meshc.tensor<f32>
    %c:2 = meshc.clip_global_norm %g, %s {max_norm = 1.0, meshc.sharding = [#meshc.sharding<[[m], []]>, #meshc.sharding<[]>]} : !meshc.tensor<k=8, h=2, f32>, !meshc.tensor<f32> -> !meshc.tensor<k=8, h=2, f32>, !meshc.tensor<f32>
    return
  }
}

// -----

// A split the axis does not divide reaches nothing (meshc-check-layout rejects such layouts;
// the reshard op alone does not know the sizes).
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @unreachable() {
    %x = meshc.param "x" zeros {meshc.sharding = [#meshc.sharding<[[]]>], scale = 0.0} : !meshc.tensor<n=3, f32>
    // expected-error @+1 {{cannot reshard '!meshc.tensor<n=3, f32>' from #meshc.sharding<[[]]> to #meshc.sharding<[[b]]>: no collectives reach it (a dim split over an axis that does not divide it, or a sum pending over an axis that splits a dim)}}
    %r = meshc.reshard %x {from = #meshc.sharding<[[]]>, to = #meshc.sharding<[[b]]>} : !meshc.tensor<n=3, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @unannotated() {
    // expected-error @+1 {{result #0 has no sharding (run meshc-propagate-shardings first)}}
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
    return
  }
}
