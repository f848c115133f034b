// RUN: meshc %s --explain | FileCheck %s
// RUN: meshc %s --explain --mesh m=2 --layout classes:m | FileCheck %s --check-prefix=CLASSES
// RUN: meshc %s --explain --emit=partitioned -o %t.mlir | FileCheck %s --check-prefix=BOTH
// RUN: FileCheck %s --input-file=%t.mlir --check-prefix=BOTH-FILE
// RUN: not meshc %s --explain --emit=global 2>&1 | FileCheck %s --check-prefix=GLOBAL
// RUN: not meshc %s --explain --emit=partitioned 2>&1 | FileCheck %s --check-prefix=STDOUT
// RUN: not meshc %s --explain --emit=obj -o - 2>&1 | FileCheck %s --check-prefix=STDOUT
// RUN: not meshc %s --explain --mesh b=3 --layout batch:b 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not meshc %s.missing --explain 2>&1 | FileCheck %s --check-prefix=MISSING

// A two-layer classifier on mesh b=2,m=2 with batch:b,hidden:m. Each rank holds
// x [batch=4, d=4], y [batch=4], w [d=4, hidden=3], v [hidden=3, classes=4] (4 bytes/element).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  func.func @tiny() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32> loc("tiny.cpp":10:3)
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32> loc("tiny.cpp":11:3)
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, hidden=6, f32> loc("tiny.cpp":12:3)
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<hidden=6, classes=4, f32> loc("tiny.cpp":13:3)
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32> loc("tiny.cpp":14:3)
    %r = meshc.relu %h : !meshc.tensor<batch=8, hidden=6, f32> loc("tiny.cpp":15:3)
    %l = meshc.einsum %r, %v : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32> loc("tiny.cpp":16:3)
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32> loc("tiny.cpp":17:3)
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32> loc("tiny.cpp":18:3)
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32> loc("tiny.cpp":19:3)
    return
  }
}

// CHECK: meshc --explain: program 'tiny' on mesh b=2,m=2 (4 ranks), layout batch:b,hidden:m
// w 12 + v 12 elements = 96 bytes; SGD keeps no state.
// CHECK: parameters 96  2 tensors
// CHECK: optimizer state 0  optimizer sgd
// x 16 + y 4 elements = 80 bytes.
// CHECK: inputs 80
// CHECK-NOT: metrics/outputs
// Every other value lives in the arena. Sharing a buffer in place: the logits and their
// all_reduce over m; the loss sum, its scale and all_reduce (read by meshc.output, the last
// op); the fill and its scale; h and relu_grad (h dies there, same type); each weight gradient
// and its all_reduce over b. Most bytes live at once, at the einsum of v's gradient: h 12,
// relu 12, loss 1, xent grad 16, dr 12 and v's gradient 12 = 65 elements = 260 bytes. Each
// buffer is at most 64 bytes and takes one 64-byte aligned slot: 6 x 64 = 384.
// CHECK: activations (peak) 384
// CHECK: liveness bound 260  {{.*}} = 1.48
// One buffer per value, as before the plan: h 12, relu 12, logits 16 + 16, xent 4, loss 1 + 1
// + 1, fill 1 + 1, broadcast 4, xent grad 16, dr 12, v grad 12 + 12, relu_grad 12, w grad
// 12 + 12 = 157 elements = 628 bytes.
// CHECK: without reuse 628
// Every einsum reads its operands in place (no transpose copy), no all_to_all: no scratch, and
// the total is what the lowered program allocates.
// CHECK: scratch 0
// CHECK: total 560  what the executable allocates (meshrt_alloc), exactly
// Five einsums over 4*4*3 or 4*3*4 local points, 2 FLOPs each: 5 * 96 = 480. Others, 1 per
// element of the largest tensor: relu 12, xent 16, sum 4, scale 1 + 1, xent grad 16,
// relu_grad 12, two sgd updates 12 + 12 = 86.
// CHECK: einsum FLOPs 480
// CHECK: other FLOPs 86
// CHECK: total FLOPs 566
// hidden is split on m: the second einsum's logits [batch=4, classes=4] are a partial sum (64 B).
// The loss sum over the split batch (a scalar, 4 B), then the gradients of v [3, 4] (48 B) and
// w [4, 3] (48 B) are summed over b, in backward order.
// CHECK: collective 0: all_reduce axes=m bytes=64 at tiny.cpp:16:3
// CHECK-NEXT: collective 1: all_reduce axes=b bytes=4 at tiny.cpp:18:3
// CHECK-NEXT: collective 2: all_reduce axes=b bytes=48 at tiny.cpp:16:3
// CHECK-NEXT: collective 3: all_reduce axes=b bytes=48 at tiny.cpp:14:3
// CHECK-NOT: collective 4:
// CHECK: all_reduce axes=m 1 calls 64 bytes
// CHECK: all_reduce axes=b 3 calls 100 bytes
// CHECK: all 4 calls 164 bytes

// classes split on m=2: w [4, 6] 96 B + v [6, 2] 48 B; x [8, 4] 128 B + y [8] 32 B.
// softmax_xent needs classes whole: the logits [8, 2] (64 B) are gathered (each rank sends its
// 64 B to the other); its gradient [8, 4] (128 B) is sliced back locally; dr = dl . v sums over
// the split classes: all_reduce of [8, 6] (192 B).
// CLASSES: parameters 144
// CLASSES: inputs 160
// CLASSES: collective 0: all_gather axes=m bytes=64 at tiny.cpp:17:3 {{.*}}dim classes, 2 ranks, ~64 bytes sent]
// CLASSES-NEXT: collective 1: all_slice axes=m bytes=128 at tiny.cpp:17:3 {{.*}}~0 bytes sent]
// CLASSES-NEXT: collective 2: all_reduce axes=m bytes=192 at tiny.cpp:16:3
// CLASSES-NOT: collective 3:

// With -o, --explain and --emit produce both.
// BOTH: collective 3: all_reduce axes=b bytes=48
// BOTH-FILE: meshc.per_rank
// BOTH-FILE: meshc.all_reduce

// GLOBAL: meshc: error: --explain reports on the partitioned program; it cannot be combined with --emit=global
// STDOUT: meshc: error: --explain prints to stdout; give -o FILE for the --emit output
// BAD: tiny.cpp:10:3: error: dimension 'batch' of size 8 is not divisible by mesh axis 'b' of size 3
// MISSING: meshc: error: {{.*}}explain.mlir.missing
