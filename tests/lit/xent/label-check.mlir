// RUN: meshc-opt %s --split-input-file --meshc-partition-pipeline='overlap=false fuse-elementwise=false' --meshc-lower-to-llvm --cse | FileCheck %s

// The labels of the vocab-parallel cross-entropy are checked where they are one-hot encoded:
// its one_hot carries xent_labels, which lowers to meshrt_one_hot with in_kind
// MESHRT_ONE_HOT_XENT_LABELS (2): the runtime fails the run on a label outside the whole
// vocabulary, [0, 4 x 2). A model's own one_hot of i32 indices keeps in_kind
// MESHRT_ONE_HOT_I32 (1): an index out of range is a zero row there (MoE capacity relies on it).
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"vocab:m">} {
  func.func @lm() {
    %x = meshc.input "x" features {classes = 8} : !meshc.tensor<batch=4, d=4, f32>
    %y = meshc.input "y" labels {classes = 8} : !meshc.tensor<batch=4, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, vocab=8, f32>
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=4, d=4, f32>, !meshc.tensor<d=4, vocab=8, f32> -> !meshc.tensor<batch=4, vocab=8, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "vocab"} : !meshc.tensor<batch=4, vocab=8, f32>, !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// The training step and the evaluation pass (its loss) alike, one one_hot each (CSE merges the
// loss's and the gradient's). The lowered code is CSE'd so that each constant is defined once,
// at its first use: the one_hot's in_kind is then the function's one constant of that value.
// CHECK-LABEL: llvm.func @meshc_step(
// CHECK-NOT: llvm.call @meshrt_softmax_xent
// CHECK: %[[KIND:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: llvm.call @meshrt_one_hot(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %[[KIND]], %{{[^,]+}})
// CHECK-NOT: llvm.call @meshrt_one_hot
// CHECK-NOT: llvm.call @meshrt_softmax_xent
// CHECK-LABEL: llvm.func @meshc_eval(
// CHECK: %[[EKIND:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: llvm.call @meshrt_one_hot(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %[[EKIND]], %{{[^,]+}})
// CHECK-NOT: llvm.call @meshrt_softmax_xent
// CHECK-LABEL: llvm.func @meshc_init(

// -----

module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"vocab:m">} {
  func.func @own() {
    %x = meshc.input "x" features {classes = 8} : !meshc.tensor<batch=4, d=4, f32>
    %y = meshc.input "y" labels {classes = 8} : !meshc.tensor<batch=4, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, vocab=8, f32>
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=4, d=4, f32>, !meshc.tensor<d=4, vocab=8, f32> -> !meshc.tensor<batch=4, vocab=8, f32>
    %oh = meshc.one_hot %y : !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, vocab=8, f32>
    %p = meshc.mul %oh, %l : !meshc.tensor<batch=4, vocab=8, f32>, !meshc.tensor<batch=4, vocab=8, f32> -> !meshc.tensor<batch=4, vocab=8, f32>
    %s = meshc.reduce_sum %p : !meshc.tensor<batch=4, vocab=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %s {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// CHECK-LABEL: llvm.func @meshc_step(
// CHECK: %[[KIND:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @meshrt_one_hot(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %[[KIND]], %{{[^,]+}})
