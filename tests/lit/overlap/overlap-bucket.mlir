// RUN: meshc-opt --meshc-optimize-communication %s | FileCheck %s

// Buckets first, then overlap: the two gradients' all_reduces become one bucket where the
// second was; the bucket starts right after the second gradient's producer (the later of its
// operands' producers), and one wait of both results comes right before the first update.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @bucket
  func.func @bucket() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[P1:.+]] = meshc.reduce_sum
    // CHECK-NEXT: %[[P2:.+]] = meshc.scale %[[P1]]
    // CHECK-NEXT: %[[S:.+]]:2 = meshc.all_reduce_bucket %[[P1]], %[[P2]] {async, axes = ["b"]
    // CHECK-NEXT: meshc.scale %{{.+}} {factor = 5.0
    // CHECK-NEXT: meshc.scale %{{.+}} {factor = 7.0
    // CHECK-NEXT: %[[G:.+]]:2 = meshc.wait %[[S]]#0, %[[S]]#1 {meshc.sharding = [#meshc.sharding<{{\[\[\]\]}}>, #meshc.sharding<{{\[\[\]\]}}>]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[G]]#0
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[G]]#1
    %p1 = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %p2 = meshc.scale %p1 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>
    %q = meshc.scale %x {factor = 5.0 : f64, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %q2 = meshc.scale %q {factor = 7.0 : f64, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    meshc.sgd_update %w1, %g1 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    meshc.sgd_update %w2, %g2 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    %l = meshc.reduce_sum %q2 {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<f32>
    %lr = meshc.all_reduce %l {axes = ["b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    meshc.output "loss", %lr : !meshc.tensor<f32>
    return
  }
}
