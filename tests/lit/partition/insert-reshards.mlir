// RUN: meshc-opt --meshc-insert-reshards --split-input-file --verify-diagnostics %s | FileCheck %s

// Stage 2 of partitioning, on a hand-annotated program: a reshard right after an op whose
// result is held in another sharding than produced (all its consumers read that one), and one
// right before an op for each operand held in another sharding than it needs. The annotations
// it consumed are gone; the types stay global.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @placement
  func.func @placement() {
    // CHECK: %[[X:.+]] = meshc.param "x"
    %x = meshc.param "x" zeros {meshc.sharding = [#meshc.sharding<[[b], [m]]>], scale = 0.0} : !meshc.tensor<n=4, k=4, f32>
    // CHECK-NEXT: %[[W:.+]] = meshc.param "w"
    %w = meshc.param "w" zeros {meshc.sharding = [#meshc.sharding<[[m], []]>], scale = 0.0} : !meshc.tensor<k=4, h=2, f32>
    // CHECK-NEXT: %[[Y:.+]] = meshc.einsum %[[X]], %[[W]] {meshc.sharding = [#meshc.sharding<{{\[\[}}b], []], partial = [m]>]}
    // CHECK-NEXT: %[[YH:.+]] = meshc.reshard %[[Y]] {from = #meshc.sharding<{{\[\[}}b], []], partial = [m]>, to = #meshc.sharding<{{\[\[}}b], [m]]>} : !meshc.tensor<n=4, h=2, f32>
    %y = meshc.einsum %x, %w {meshc.operand_shardings = [#meshc.sharding<[[b], [m]]>, #meshc.sharding<[[m], []]>], meshc.sharding = [#meshc.sharding<[[b], []], partial = [m]>], meshc.held_shardings = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=4, k=4, f32>, !meshc.tensor<k=4, h=2, f32> -> !meshc.tensor<n=4, h=2, f32>
    // Held as needed: no reshard.
    // CHECK-NEXT: %[[R:.+]] = meshc.relu %[[YH]] {meshc.sharding = [#meshc.sharding<{{\[\[}}b], [m]]>]}
    %r = meshc.relu %y {meshc.operand_shardings = [#meshc.sharding<[[b], [m]]>], meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=4, h=2, f32>
    // Two operands, each brought to what the op needs, in operand order, before it.
    // CHECK-NEXT: %[[A:.+]] = meshc.reshard %[[YH]] {from = #meshc.sharding<{{\[\[}}b], [m]]>, to = #meshc.sharding<{{\[\[}}], []]>}
    // CHECK-NEXT: %[[B:.+]] = meshc.reshard %[[R]] {from = #meshc.sharding<{{\[\[}}b], [m]]>, to = #meshc.sharding<{{\[\[}}], []]>}
    // CHECK-NEXT: meshc.add %[[A]], %[[B]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]}
    %s = meshc.add %y, %r {meshc.operand_shardings = [#meshc.sharding<[[], []]>, #meshc.sharding<[[], []]>], meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=4, h=2, f32>, !meshc.tensor<n=4, h=2, f32> -> !meshc.tensor<n=4, h=2, f32>
    // CHECK-NOT: operand_shardings
    // CHECK-NOT: held_shardings
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @unannotated() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{operand #0 has no sharding (run meshc-propagate-shardings first)}}
    %r = meshc.relu %x {meshc.operand_shardings = [#meshc.sharding<[[b]]>], meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=4, f32>
    return
  }
}
