// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// The per-rank form round-trips: the function's mesh and each result's sharding, split dims
// and pending sums, scalars included.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @shardings() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">}
  func.func @shardings() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    // Quoted axis names parse too; they print bare.
    // CHECK: meshc.param "w" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[], ["m"]]>]} : !meshc.tensor<d=4, h=3, f32>
    // CHECK: meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=4, d=4, f32>
    // CHECK: meshc.reduce_sum {{.*}}meshc.sharding = [#meshc.sharding<[], partial = [b]>]
    %s = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=4, d=4, f32> -> !meshc.tensor<f32>
    // CHECK: meshc.all_reduce {{.*}}meshc.sharding = [#meshc.sharding<[]>]
    %r = meshc.all_reduce %s {axes = ["b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    return
  }
}
