// RUN: meshc-opt --meshc-optimize-communication='overlap=false' %s --split-input-file | FileCheck %s
// RUN: meshc-opt --meshc-optimize-communication='bucket-bytes=64 overlap=false' %s --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: meshc-opt --meshc-optimize-communication='bucket-bytes=0 overlap=false' %s --split-input-file -o %t.off.mlir
// RUN: meshc-opt %s --split-input-file -o %t.none.mlir
// RUN: diff %t.none.mlir %t.off.mlir

// meshc-optimize-communication's all_reduce buckets, on hand-written per-rank programs (mesh
// b=2,m=2): the gradients' partial sums over b are reduce_sums of a batch-split input. With
// bucket-bytes=0 the pass changes nothing (the diff above).

// Buckets formed: three consecutive all_reduces over b whose results are first used by the
// updates after them become one bucket where the last one was, results in operand order.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @consecutive
  // SMALL-LABEL: func.func @consecutive
  func.func @consecutive() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, j=4, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<j=4, f32>
    %w3 = meshc.param "w3" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[P1:.+]] = meshc.reduce_sum %{{.+}} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    // CHECK: %[[P2:.+]] = meshc.reduce_sum %{{.+}} : !meshc.tensor<n=2, j=4, f32> -> !meshc.tensor<j=4, f32>
    // CHECK: %[[P3:.+]] = meshc.scale %[[P1]]
    // CHECK-NOT: meshc.all_reduce
    // CHECK: %[[R:.+]]:3 = meshc.all_reduce_bucket %[[P1]], %[[P2]], %[[P3]] {axes = ["b"], meshc.sharding = [#meshc.sharding<{{\[\[\]\]}}>, #meshc.sharding<{{\[\[\]\]}}>, #meshc.sharding<{{\[\[\]\]}}>]} : !meshc.tensor<k=8, f32>, !meshc.tensor<j=4, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<j=4, f32>, !meshc.tensor<k=8, f32>
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[R]]#0
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[R]]#1
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[R]]#2
    // Size limit: at 64 bytes the first two (32 + 16 bytes) fill a bucket, placed where the
    // second was; the third (32) would overflow it and is left alone (a bucket of one stays an
    // all_reduce).
    // SMALL: %[[R:.+]]:2 = meshc.all_reduce_bucket %{{.+}}, %{{.+}} {axes = ["b"]{{.*}}} : !meshc.tensor<k=8, f32>, !meshc.tensor<j=4, f32> ->
    // SMALL-NEXT: meshc.scale
    // SMALL-NEXT: %[[S:.+]] = meshc.all_reduce %{{.+}} {axes = ["b"]{{.*}}} : !meshc.tensor<k=8, f32>
    // SMALL-NEXT: meshc.sgd_update %{{.+}}, %[[R]]#0
    // SMALL-NEXT: meshc.sgd_update %{{.+}}, %[[R]]#1
    // SMALL-NEXT: meshc.sgd_update %{{.+}}, %[[S]]
    %p1 = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %p2 = meshc.reduce_sum %y {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, j=4, f32> -> !meshc.tensor<j=4, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<j=4, f32>
    %p3 = meshc.scale %p1 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>
    %g3 = meshc.all_reduce %p3 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    meshc.sgd_update %w1, %g1 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    meshc.sgd_update %w2, %g2 {learning_rate = 0.1 : f64} : !meshc.tensor<j=4, f32>, !meshc.tensor<j=4, f32>
    meshc.sgd_update %w3, %g3 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    return
  }
}

// -----

// Not across a use: the first all_reduce's result is used (by the scale) before the next
// all_reduce, so it is summed alone where it was; the two after it form a bucket.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @use_between
  func.func @use_between() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %w3 = meshc.param "w3" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %p1 = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    // CHECK: %[[G1:.+]] = meshc.all_reduce %{{.+}} {axes = ["b"]
    // CHECK-NEXT: %[[U:.+]] = meshc.scale %[[G1]]
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %u = meshc.scale %g1 {factor = 0.5 : f64, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %p2 = meshc.scale %p1 {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %p3 = meshc.scale %p1 {factor = 3.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>
    // CHECK: %[[R:.+]]:2 = meshc.all_reduce_bucket
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[U]]
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[R]]#0
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[R]]#1
    // CHECK-NOT: meshc.all_reduce
    %g3 = meshc.all_reduce %p3 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    meshc.sgd_update %w1, %u {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    meshc.sgd_update %w2, %g2 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    meshc.sgd_update %w3, %g3 {learning_rate = 0.1 : f64} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    return
  }
}

// -----

// Not across axes: interleaved all_reduces over b, over m and over both form one bucket per
// group of axes (["b", "m"] and ["m", "b"] are one group), each where its last member was.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @axes
  func.func @axes() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %xb = meshc.input "xb" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %xm = meshc.input "xm" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=2, j=8, f32>
    %xbm = meshc.input "xbm" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, i=2, f32>
    %pb = meshc.reduce_sum %xb {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %pm = meshc.reduce_sum %xm {meshc.sharding = [#meshc.sharding<[[]], partial = [m]>]} : !meshc.tensor<n=2, j=8, f32> -> !meshc.tensor<j=8, f32>
    %pbm = meshc.reduce_sum %xbm {meshc.sharding = [#meshc.sharding<[], partial = [b, m]>]} : !meshc.tensor<n=2, i=2, f32> -> !meshc.tensor<f32>
    // CHECK-NOT: meshc.all_reduce
    // CHECK: %[[B:.+]]:2 = meshc.all_reduce_bucket %{{.+}}, %{{.+}} {axes = ["b"]
    // CHECK-NOT: meshc.all_reduce
    // CHECK: %[[M:.+]]:2 = meshc.all_reduce_bucket %{{.+}}, %{{.+}} {axes = ["m"]
    // CHECK-NOT: meshc.all_reduce
    // CHECK: %[[BM:.+]]:2 = meshc.all_reduce_bucket %{{.+}}, %{{.+}} {axes = ["b", "m"]
    // CHECK-NOT: meshc.all_reduce
    // CHECK: meshc.add %[[B]]#0, %[[B]]#1
    // CHECK: meshc.add %[[M]]#0, %[[M]]#1
    // CHECK: meshc.add %[[BM]]#0, %[[BM]]#1
    %b1 = meshc.all_reduce %pb {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %m1 = meshc.all_reduce %pm {axes = ["m"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<j=8, f32>
    %bm1 = meshc.all_reduce %pbm {axes = ["b", "m"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    %b2 = meshc.all_reduce %pb {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>
    %m2 = meshc.all_reduce %pm {axes = ["m"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<j=8, f32>
    %bm2 = meshc.all_reduce %pbm {axes = ["m", "b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    %sb = meshc.add %b1, %b2 {meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
    %sm = meshc.add %m1, %m2 {meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<j=8, f32>, !meshc.tensor<j=8, f32> -> !meshc.tensor<j=8, f32>
    %sbm = meshc.add %bm1, %bm2 {meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
    meshc.output "loss", %sbm : !meshc.tensor<f32>
    return
  }
}

// -----

// Not across pass sets: the loss's all_reduce (train and eval), the metric's (eval only) and
// the gradients' (train only) are all used only at the end, but a bucket runs in every pass
// any member runs in, so only the two gradients share one: evaluation never waits for them.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  // CHECK-LABEL: func.func @pass_sets
  func.func @pass_sets() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [b]]>]} : !meshc.tensor<n=4, k=4, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=4, k=4, f32> -> !meshc.tensor<n=4, f32>
    %pl = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=4, k=4, f32> -> !meshc.tensor<f32>
    // CHECK: %[[L:.+]] = meshc.all_reduce %{{.+}} {axes = ["b"]{{.*}}} : !meshc.tensor<f32>
    // CHECK-NEXT: %[[M:.+]] = meshc.all_reduce %{{.+}} {axes = ["b"]{{.*}}} : !meshc.tensor<n=4, f32>
    // CHECK: %[[G:.+]]:2 = meshc.all_reduce_bucket
    // CHECK-NEXT: meshc.output "loss", %[[L]]
    // CHECK-NEXT: meshc.metric "m", %[[M]]
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[G]]#0
    // CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[G]]#1
    %l = meshc.all_reduce %pl {axes = ["b"], meshc.sharding = [#meshc.sharding<[]>]} : !meshc.tensor<f32>
    %m = meshc.all_reduce %p {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    %p1 = meshc.scale %p {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=4, f32>
    %g1 = meshc.all_reduce %p1 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    %p2 = meshc.scale %p {factor = 3.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=4, f32>
    %g2 = meshc.all_reduce %p2 {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    meshc.output "loss", %l : !meshc.tensor<f32>
    meshc.metric "m", %m : !meshc.tensor<n=4, f32>
    meshc.sgd_update %w1, %g1 {learning_rate = 0.1 : f64} : !meshc.tensor<n=4, f32>, !meshc.tensor<n=4, f32>
    meshc.sgd_update %w2, %g2 {learning_rate = 0.1 : f64} : !meshc.tensor<n=4, f32>, !meshc.tensor<n=4, f32>
    return
  }
}
