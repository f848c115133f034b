// RUN: meshc-opt --meshc-partition-pipeline='bucket-bytes=0 overlap=false fuse-elementwise=false' %s | FileCheck %s
// RUN: meshc-opt --meshc-partition-pipeline='overlap=false fuse-elementwise=false' %s | FileCheck %s --check-prefix=BUCKET
// RUN: meshc-opt --meshc-partition-pipeline='bucket-bytes=0 layout=batch:m overlap=false fuse-elementwise=false' %s | FileCheck %s --check-prefix=WHOLE

// Softmax cross-entropy with its class dim (vocab) split over m (Megatron's vocab-parallel
// cross-entropy): the logits [batch, seq, vocab/2] stay split; each rank reduces its slice to
// rows [batch, seq] and the rows are combined by an all_reduce_max (the maximum) and two
// all_reduces (the sum of exponentials and the label's logit), 64 bytes each instead of the
// 256-byte logits gathered. The gradient reuses the forward's log-sum-exp: no collective.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"vocab:m">} {
  func.func @lm() {
    %x = meshc.input "x" features {classes = 8} : !meshc.tensor<batch=4, seq=4, d=4, f32>
    %y = meshc.input "y" labels {classes = 8} : !meshc.tensor<batch=4, seq=4, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, vocab=8, f32>
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=4, seq=4, d=4, f32>, !meshc.tensor<d=4, vocab=8, f32> -> !meshc.tensor<batch=4, seq=4, vocab=8, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "vocab"} : !meshc.tensor<batch=4, seq=4, vocab=8, f32>, !meshc.tensor<batch=4, seq=4, i32> -> !meshc.tensor<batch=4, seq=4, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=4, seq=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// CHECK-LABEL: func.func @lm()
// CHECK-NOT: meshc.all_gather
// CHECK-NOT: meshc.softmax_xent
// CHECK: %[[L:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<batch=4, seq=4, vocab=4, f32>
// CHECK: %[[LM:.+]] = meshc.reduce_max %[[L]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>]} : !meshc.tensor<batch=4, seq=4, vocab=4, f32> -> !meshc.tensor<batch=4, seq=4, f32>
// CHECK-NEXT: %[[M:.+]] = meshc.all_reduce_max %[[LM]] {axes = ["m"], meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]} : !meshc.tensor<batch=4, seq=4, f32>
// CHECK-NEXT: %[[Z:.+]] = meshc.sub %[[L]], %[[M]] {{.*}} -> !meshc.tensor<batch=4, seq=4, vocab=4, f32>
// CHECK-NEXT: %[[E:.+]] = meshc.exp %[[Z]]
// CHECK-NEXT: %[[SL:.+]] = meshc.reduce_sum %[[E]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>]}
// One-hot rows of this rank's slice of the vocabulary (1 only where the label falls in it),
// checking every label of the rows against the whole vocabulary (xent_labels): a label no
// rank's slice holds fails the run as the 1-rank kernel does, with no collective more.
// CHECK-NEXT: %[[OH:.+]] = meshc.one_hot %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}], [], [m]]>], xent_labels} : !meshc.tensor<batch=4, seq=4, i32> -> !meshc.tensor<batch=4, seq=4, vocab=4, f32>
// CHECK-NEXT: %[[P:.+]] = meshc.mul %[[OH]], %[[L]]
// CHECK-NEXT: %[[TL:.+]] = meshc.reduce_sum %[[P]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>]}
// CHECK-NEXT: %[[S:.+]] = meshc.all_reduce %[[SL]] {axes = ["m"]{{.*}}} : !meshc.tensor<batch=4, seq=4, f32>
// CHECK-NEXT: %[[T:.+]] = meshc.all_reduce %[[TL]] {axes = ["m"]{{.*}}} : !meshc.tensor<batch=4, seq=4, f32>
// CHECK-NEXT: %[[LS:.+]] = meshc.log %[[S]]
// CHECK-NEXT: %[[LSE:.+]] = meshc.add %[[LS]], %[[M]]
// CHECK-NEXT: meshc.sub %[[LSE]], %[[T]]
// The gradient: (exp(logits - lse) - one_hot) * dloss, split like the logits, no collective.
// CHECK: %[[GZ:.+]] = meshc.sub %[[L]], %[[LSE]] {{.*}} -> !meshc.tensor<batch=4, seq=4, vocab=4, f32>
// CHECK-NEXT: %[[PR:.+]] = meshc.exp %[[GZ]]
// CSE gives it the forward's one_hot (both check their labels).
// CHECK-NEXT: %[[D:.+]] = meshc.sub %[[PR]], %[[OH]]
// CHECK-NEXT: %[[G:.+]] = meshc.mul %[[D]], %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}], [], [m]]>]}
// CHECK-NOT: meshc.all_reduce_max
// CHECK-NOT: meshc.all_gather
// CHECK: meshc.sgd_update

// Buckets join the two sums; the maximum is a different reduction and stays alone.
// BUCKET-LABEL: func.func @lm()
// BUCKET: meshc.all_reduce_max %{{.+}} {axes = ["m"]
// BUCKET: meshc.all_reduce_bucket %{{.+}}, %{{.+}} {axes = ["m"]{{.*}}} : !meshc.tensor<batch=4, seq=4, f32>, !meshc.tensor<batch=4, seq=4, f32>
// BUCKET-NOT: meshc.all_reduce_max

// The vocabulary whole: the op runs as before on each rank's rows.
// WHOLE-LABEL: func.func @lm()
// WHOLE-NOT: meshc.all_reduce_max
// WHOLE: meshc.softmax_xent %{{.+}}, %{{.+}} {class_dim = "vocab"{{.*}}} : !meshc.tensor<batch=2, seq=4, vocab=8, f32>
// WHOLE: meshc.softmax_xent_grad
// WHOLE-NOT: meshc.all_reduce_max
