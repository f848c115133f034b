// RUN: meshc %s --explain | FileCheck %s
// RUN: meshc %s --explain --layout batch:m | FileCheck %s --check-prefix=WHOLE

// --explain of the vocab-parallel cross-entropy: logits [batch=4, seq=4, vocab=32] split over
// m=2 ([4, 4, 16] per rank, 1024 bytes). No all_gather of the logits (it would be 1024 bytes in
// and ~1024 sent per rank): one all_reduce_max of the rows [4, 4] (64 bytes) and one bucket of
// the two row sums (128 bytes); the weight gradient is local (vocab split like the weight).
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"vocab:m">} {
  func.func @lm() {
    %x = meshc.input "x" features {classes = 32} : !meshc.tensor<batch=4, seq=4, d=8, f32> loc("lm.cpp":3:3)
    %y = meshc.input "y" labels {classes = 32} : !meshc.tensor<batch=4, seq=4, i32> loc("lm.cpp":4:3)
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=8, vocab=32, f32> loc("lm.cpp":5:3)
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=4, seq=4, d=8, f32>, !meshc.tensor<d=8, vocab=32, f32> -> !meshc.tensor<batch=4, seq=4, vocab=32, f32> loc("lm.cpp":6:3)
    %e = meshc.softmax_xent %l, %y {class_dim = "vocab"} : !meshc.tensor<batch=4, seq=4, vocab=32, f32>, !meshc.tensor<batch=4, seq=4, i32> -> !meshc.tensor<batch=4, seq=4, f32> loc("lm.cpp":7:3)
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=4, seq=4, f32> -> !meshc.tensor<f32> loc("lm.cpp":8:3)
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32> loc("lm.cpp":9:3)
    return
  }
}

// CHECK: collective 0: all_reduce_max axes=m bytes=64 at lm.cpp:7:3  [!meshc.tensor<batch=4, seq=4, f32>, 2 ranks, ~64 bytes sent]
// CHECK-NEXT: collective 1: all_reduce axes=m bytes=128 at lm.cpp:7:3  [bucket of 2 tensors, 2 ranks, ~128 bytes sent]
// CHECK-NOT: collective 2:
// CHECK-NOT: all_gather
// CHECK: all_reduce_max axes=m 1 calls 64 bytes, ~64 sent
// CHECK: all_reduce axes=m 1 calls 128 bytes, ~128 sent
// CHECK: all 2 calls 192 bytes, ~192 sent

// The vocabulary whole (batch split instead): no row collective, the gradient of w is summed.
// WHOLE-NOT: all_reduce_max
// WHOLE: collective 1: all_reduce axes=m bytes=1024 at lm.cpp:6:3
// WHOLE-NOT: all_reduce_max
