// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// A per-value override (meshc.relayout) propagates to elementwise consumers (ops without
// summed or whole dims): they run in the override's sharding and leave their results in it,
// so a chain after a relayout stays there until an op that needs another sharding (a
// contraction, a parameter update, an output) reshards it, by the cheapest plan.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"h:m">} {
  // CHECK-LABEL: func.func @chain
  func.func @chain() {
    // CHECK: %[[X:.+]] = meshc.param "x" {{.*}} : !meshc.tensor<b=8, h=2, f32>
    // CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<h=2, k=8, f32>
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, h=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<h=8, k=8, f32>
    // The relayout moves m from h to b: one all_to_all.
    // CHECK-NEXT: %[[A:.+]] = meshc.all_to_all %[[X]] {axis = "m", concat_dim = "h", {{.*}}split_dim = "b"} : !meshc.tensor<b=8, h=2, f32> -> !meshc.tensor<b=2, h=8, f32>
    %r = meshc.relayout %x {layout = #meshc.layout<"b:m">} : !meshc.tensor<b=8, h=8, f32>
    // relu and add run on b/m slices: no collective between them.
    // CHECK-NEXT: %[[R:.+]] = meshc.relu %[[A]] {meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]} : !meshc.tensor<b=2, h=8, f32>
    // CHECK-NEXT: %[[S:.+]] = meshc.add %[[R]], %[[A]] {meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]} : !meshc.tensor<b=2, h=8, f32>, !meshc.tensor<b=2, h=8, f32> -> !meshc.tensor<b=2, h=8, f32>
    // CHECK-NEXT: %[[SC:.+]] = meshc.scale %[[S]] {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]} : !meshc.tensor<b=2, h=8, f32>
    %y = meshc.relu %r : !meshc.tensor<b=8, h=8, f32>
    %z = meshc.add %y, %r : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %c = meshc.scale %z {factor = 2.0} : !meshc.tensor<b=8, h=8, f32>
    // The contraction over h wants h on m (the layout, and w's): the chain's value goes back
    // by one all_to_all here, not after the relayout.
    // CHECK-NEXT: %[[B:.+]] = meshc.all_to_all %[[SC]] {axis = "m", concat_dim = "b", {{.*}}split_dim = "h"} : !meshc.tensor<b=2, h=8, f32> -> !meshc.tensor<b=8, h=2, f32>
    // CHECK-NEXT: meshc.einsum %[[B]], %[[W]]
    %e = meshc.einsum %c, %w : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<h=8, k=8, f32> -> !meshc.tensor<b=8, k=8, f32>
    return
  }
}

// -----

// An elementwise op of an overridden value and a value in the layout runs in the override:
// the other operand is brought to it (here a free local slice of a replicated bias).
// A parameter update takes its gradient in the parameter's (layout) sharding: the chain's
// value is resharded there.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"">} {
  // CHECK-LABEL: func.func @mixed
  func.func @mixed() {
    // CHECK: %[[X:.+]] = meshc.param "x" {{.*}} : !meshc.tensor<b=8, h=8, f32>
    // CHECK: %[[BIAS:.+]] = meshc.param "bias" {{.*}} : !meshc.tensor<h=8, f32>
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, h=8, f32>
    %bias = meshc.param "bias" zeros {scale = 0.0} : !meshc.tensor<h=8, f32>
    // CHECK-NEXT: %[[S:.+]] = meshc.all_slice %[[X]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=2, f32>
    %r = meshc.relayout %x {layout = #meshc.layout<"h:m">} : !meshc.tensor<b=8, h=8, f32>
    // CHECK-NEXT: %[[BS:.+]] = meshc.all_slice %[[BIAS]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<h=8, f32> -> !meshc.tensor<h=2, f32>
    // CHECK-NEXT: %[[A:.+]] = meshc.add %[[S]], %[[BS]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]}
    // CHECK-NEXT: %[[G:.+]] = meshc.all_gather %[[A]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<b=8, h=2, f32> -> !meshc.tensor<b=8, h=8, f32>
    // CHECK-NEXT: meshc.sgd_update %[[X]], %[[G]]
    %a = meshc.add %r, %bias : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    meshc.sgd_update %x, %a {learning_rate = 0.1} : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32>
    return
  }
}
