// RUN: meshc-opt --meshc-shard-updates='min-bytes=0' %s --split-input-file | FileCheck %s
// RUN: meshc-opt --meshc-shard-updates %s --split-input-file | FileCheck %s --check-prefix=DEFAULT

// meshc-shard-updates on hand-written per-rank programs (mesh b=2,m=2): a gradient that is the
// partial sum over b of a batch-split product is all-reduced over b before its update. With
// min-bytes=0 every update that can be sharded is; at the default (256 KiB of optimizer state
// saved per rank) these small parameters are not.

// Chosen (adam, momentum, sgd): the all_reduce becomes a reduce_scatter of the first dim over b
// and the update shards over b. Not chosen: w2, whose first dim is already split over m (a dim
// splits over one axis): its all_reduce stays.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @chosen
  // DEFAULT-LABEL: func.func @chosen
  // DEFAULT-NOT: reduce_scatter
  // DEFAULT-NOT: shard_axis
  func.func @chosen() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<k=4, f32>
    %w3 = meshc.param "w3" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w4 = meshc.param "w4" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[P1:.+]] = meshc.reduce_sum
    // CHECK-NEXT: %[[S1:.+]] = meshc.reduce_scatter %[[P1]] {axis = "b", dim = "k", meshc.sharding = [#meshc.sharding<{{\[\[}}b]]>]} : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=4, f32>
    // CHECK-NOT: meshc.all_reduce %[[P1]]
    %p1 = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[G2:.+]] = meshc.all_reduce %{{.+}} {axes = ["b"]
    %xs = meshc.all_slice %x {axis = "m", dim = "k", meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<n=2, k=4, f32>
    %p2 = meshc.reduce_sum %xs {meshc.sharding = [#meshc.sharding<[[m]], partial = [b]>]} : !meshc.tensor<n=2, k=4, f32> -> !meshc.tensor<k=4, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<k=4, f32>
    // CHECK: %[[S3:.+]] = meshc.reduce_scatter %{{.+}} {axis = "b", dim = "k"
    %p3 = meshc.scale %p1 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>
    %g3 = meshc.all_reduce %p3 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[S4:.+]] = meshc.reduce_scatter %{{.+}} {axis = "b", dim = "k"
    %p4 = meshc.scale %p1 {factor = 3.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>
    %g4 = meshc.all_reduce %p4 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: meshc.adam_update %{{.+}}, %[[S1]] {{.*}}shard_axis = "b"{{.*}} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=4, f32>
    // CHECK-NEXT: meshc.momentum_update %{{.+}}, %[[G2]] {learning_rate = {{[^,]*}}, momentum = {{[^,}]*}}} : !meshc.tensor<k=4, f32>, !meshc.tensor<k=4, f32>
    // CHECK-NEXT: meshc.momentum_update %{{.+}}, %[[S3]] {{.*}}shard_axis = "b"{{.*}} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=4, f32>
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[S4]] {{.*}}shard_axis = "b"{{.*}} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=4, f32>
    meshc.adam_update %w1, %g1 {learning_rate = 0.1 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-8 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    meshc.momentum_update %w2, %g2 {learning_rate = 0.1 : f64, momentum = 0.9 : f64} : !meshc.tensor<k=4, f32>, !meshc.tensor<k=4, f32>
    meshc.momentum_update %w3, %g3 {learning_rate = 0.1 : f64, momentum = 0.9 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    meshc.sgd_update %w4, %g4 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    return
  }
}

// -----

// Not chosen: a clipped gradient (clip_global_norm reads the all_reduce, not the update), a
// first dim not divisible by the axis (q=3 over b=2), a gradient summed over b and m at once, and
// no all_reduce at all (a model-parallel gradient, complete on each rank: no data axis).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @not_chosen
  // CHECK-NOT: reduce_scatter
  // CHECK-NOT: shard_axis
  // CHECK: return
  func.func @not_chosen() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %x3 = meshc.input "x3" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, q=3, f32>
    %xbm = meshc.input "xbm" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m], []]>]} : !meshc.tensor<n=2, r=2, j=8, f32>
    %xr = meshc.input "xr" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<s=2, i=8, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<q=3, f32>
    %w3 = meshc.param "w3" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<j=8, f32>
    %w4 = meshc.param "w4" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<i=8, f32>
    %p1 = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %c1 = meshc.clip_global_norm %g1 {max_norm = 1.0 : f64, replicas = array<i64: 4>, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
    %p2 = meshc.reduce_sum %x3 {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, q=3, f32> -> !meshc.tensor<q=3, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<q=3, f32>
    %p3 = meshc.reduce_sum %xbm {meshc.sharding = [#meshc.sharding<[[]], partial = [b, m]>]} : !meshc.tensor<n=2, r=2, j=8, f32> -> !meshc.tensor<j=8, f32>
    %g3 = meshc.all_reduce %p3 {axes = ["b", "m"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<j=8, f32>
    %g4 = meshc.reduce_sum %xr {meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<s=2, i=8, f32> -> !meshc.tensor<i=8, f32>
    meshc.sgd_update %w1, %c1 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    meshc.sgd_update %w2, %g2 {learning_rate = 0.1 : f64} : !meshc.tensor<q=3, f32>, !meshc.tensor<q=3, f32>
    meshc.sgd_update %w3, %g3 {learning_rate = 0.1 : f64} : !meshc.tensor<j=8, f32>, !meshc.tensor<j=8, f32>
    meshc.sgd_update %w4, %g4 {learning_rate = 0.1 : f64} : !meshc.tensor<i=8, f32>, !meshc.tensor<i=8, f32>
    return
  }
}

// -----

// The default rule, by the optimizer state saved per rank: momentum on a 1 MiB parameter saves
// half its velocity (512 KiB) and is sharded; plain SGD on the same parameter saves nothing and
// is not (min-bytes=0 shards it too).
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @by_state_saved
  // CHECK-COUNT-2: meshc.reduce_scatter
  // DEFAULT-LABEL: func.func @by_state_saved
  // DEFAULT: %[[S:.+]] = meshc.reduce_scatter %{{.+}} {axis = "b", dim = "k"
  // DEFAULT: %[[G:.+]] = meshc.all_reduce
  // DEFAULT: meshc.momentum_update %{{.+}}, %[[S]] {{.*}}shard_axis = "b"
  // DEFAULT-NEXT: meshc.sgd_update %{{.+}}, %[[G]] {learning_rate = {{[^,}]*}}} :
  func.func @by_state_saved() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [], []]>]} : !meshc.tensor<n=2, k=512, j=512, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=512, j=512, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=512, j=512, f32>
    %p1 = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<n=2, k=512, j=512, f32> -> !meshc.tensor<k=512, j=512, f32>
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=512, j=512, f32>
    %p2 = meshc.scale %p1 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[], []], partial = [b]>]} : !meshc.tensor<k=512, j=512, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<k=512, j=512, f32>
    meshc.momentum_update %w1, %g1 {learning_rate = 0.1 : f64, momentum = 0.9 : f64} : !meshc.tensor<k=512, j=512, f32>, !meshc.tensor<k=512, j=512, f32>
    meshc.sgd_update %w2, %g2 {learning_rate = 0.1 : f64} : !meshc.tensor<k=512, j=512, f32>, !meshc.tensor<k=512, j=512, f32>
    return
  }
}
