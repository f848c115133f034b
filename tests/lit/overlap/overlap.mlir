// RUN: meshc-opt --meshc-optimize-communication='bucket-bytes=0' %s --split-input-file | FileCheck %s
// RUN: meshc-opt --meshc-optimize-communication='bucket-bytes=0 overlap=false' %s --split-input-file -o %t.off.mlir
// RUN: meshc-opt %s --split-input-file -o %t.none.mlir
// RUN: diff %t.none.mlir %t.off.mlir

// meshc-optimize-communication's overlap on hand-written per-rank programs (mesh b=2): each
// all_reduce becomes `async`, moves up to right after its operand's producer, and a meshc.wait
// goes right before the first use of its result. overlap=false changes nothing (the diff).

// Starts early, waits at first use: the gradient's sum starts right after the reduce_sum that
// makes it, the two scales that do not use it run meanwhile, the wait comes right before the
// update, the first op that uses the sum.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @starts_early
  func.func @starts_early() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[P:.+]] = meshc.reduce_sum %{{.+}} :
    // CHECK-NEXT: %[[S:.+]] = meshc.all_reduce %[[P]] {async, axes = ["b"], meshc.sharding = [#meshc.sharding<{{\[\[\]\]}}>]} : !meshc.tensor<k=8, f32>
    // CHECK-NEXT: %[[A:.+]] = meshc.scale %{{.+}} {factor = 2.0
    // CHECK-NEXT: %[[B:.+]] = meshc.scale %[[A]] {factor = 3.0
    // CHECK-NEXT: %[[G:.+]] = meshc.wait %[[S]] {meshc.sharding = [#meshc.sharding<{{\[\[\]\]}}>]} : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[G]]
    // CHECK-NEXT: meshc.reduce_sum %[[B]]
    // CHECK-NEXT: meshc.all_reduce %{{.+}} {axes = ["b"]
    // CHECK-NEXT: meshc.output "loss", %{{.+}}
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %a = meshc.scale %x {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %b = meshc.scale %a {factor = 3.0 : f64, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %g = meshc.all_reduce %p {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    meshc.sgd_update %w, %g {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    %l = meshc.reduce_sum %b {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<f32>
    %lr = meshc.all_reduce %l {axes = ["b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    meshc.output "loss", %lr : !meshc.tensor<f32>
    return
  }
}

// -----

// Nothing to overlap: the loss's sum is used by the op right after its producer, so it stays
// a blocking all_reduce with no wait.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @nothing_between
  func.func @nothing_between() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    // CHECK-NOT: async
    // CHECK-NOT: meshc.wait
    // CHECK: %[[L:.+]] = meshc.reduce_sum
    // CHECK-NEXT: %[[R:.+]] = meshc.all_reduce %[[L]] {axes = ["b"]
    // CHECK-NEXT: meshc.output "loss", %[[R]]
    %l = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<f32>
    %lr = meshc.all_reduce %l {axes = ["b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    meshc.output "loss", %lr : !meshc.tensor<f32>
    return
  }
}

// -----

// Not above a write: the second gradient's producer comes before the first update, but its sum
// starts only after that update (an op that writes memory); the first sum waits at the first
// update. Both overlap the scale that runs before their use.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @not_above_a_write
  func.func @not_above_a_write() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[P1:.+]] = meshc.reduce_sum
    // CHECK-NEXT: %[[S1:.+]] = meshc.all_reduce %[[P1]] {async
    // CHECK-NEXT: %[[P2:.+]] = meshc.scale %[[P1]]
    // CHECK-NEXT: %[[Q:.+]] = meshc.scale %{{.+}} {factor = 5.0
    // CHECK-NEXT: %[[G1:.+]] = meshc.wait %[[S1]]
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[G1]]
    // CHECK-NEXT: %[[S2:.+]] = meshc.all_reduce %[[P2]] {async
    // CHECK-NEXT: meshc.scale %[[Q]] {factor = 7.0
    // CHECK-NEXT: %[[G2:.+]] = meshc.wait %[[S2]]
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[G2]]
    %p1 = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %p2 = meshc.scale %p1 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>
    %q = meshc.scale %x {factor = 5.0 : f64, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    meshc.sgd_update %w1, %g1 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    %q2 = meshc.scale %q {factor = 7.0 : f64, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    meshc.sgd_update %w2, %g2 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    %l = meshc.reduce_sum %q2 {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<f32>
    %lr = meshc.all_reduce %l {axes = ["b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    meshc.output "loss", %lr : !meshc.tensor<f32>
    return
  }
}
