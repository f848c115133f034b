// RUN: meshc-opt %s --split-input-file --meshc-partition-pipeline=overlap=false --meshc-lower-to-llvm | FileCheck %s
// RUN: meshc-opt %s --split-input-file --meshc-partition-pipeline=overlap=false --meshc-lower-to-llvm | FileCheck %s --check-prefix=LOSS

// A data-parallel step: the forward einsum is a plain matmul, the weight gradient contracts
// the batch (transposed A operand, no copy) and is summed over mesh axis b (mask 1) in place.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  func.func @dp() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, classes=4, f32>
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// CHECK-NOT: meshc.
// CHECK-LABEL: llvm.func @meshc_step(%{{.+}}: !llvm.ptr, %{{.+}}: i64) -> f32
// Inputs are filled by the runtime (a bound file, else synthetic data) by their ids: x is 0, y 1.
// CHECK: %[[XID:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @meshrt_input(%{{.+}}, %[[XID]], %{{.+}}) : (!llvm.ptr, i32, i64) -> ()
// CHECK: %[[YID:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.call @meshrt_input(%{{.+}}, %[[YID]], %{{.+}}) : (!llvm.ptr, i32, i64) -> ()
// Forward: [batch, d] x [d, classes], no transposes, batch 1, m 4 (local batch), n 4, k 4.
// CHECK: %[[TA:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[TB:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @meshrt_matmul({{.*}}, %[[TA]], %{{.+}}, %[[TB]], %{{.+}})
// CHECK: llvm.call @meshrt_softmax_xent(
// CHECK: llvm.call @meshrt_reduce_sum(
// CHECK: llvm.call @meshrt_allreduce_sum(
// CHECK: llvm.call @meshrt_softmax_xent_grad(
// Weight gradient: x^T (trans_a = 1) times dlogits.
// CHECK: %[[GA:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[GB:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @meshrt_matmul({{.*}}, %[[GA]], %{{.+}}, %[[GB]], %{{.+}})
// CHECK: llvm.call @meshrt_allreduce_sum(
// CHECK: llvm.call @meshrt_sgd_update(
// CHECK: llvm.return %{{.+}} : f32
// The loss is read through the runtime (on a GPU the buffer is device memory), never loaded.
// LOSS-LABEL: llvm.func @meshc_step(
// LOSS-NOT: llvm.load %{{.+}} : !llvm.ptr -> f32
// LOSS: %[[LOSS:.+]] = llvm.call @meshrt_load_f32(
// LOSS-NOT: llvm.load %{{.+}} : !llvm.ptr -> f32
// LOSS: llvm.return %[[LOSS]] : f32
// CHECK-LABEL: llvm.func @meshc_init(
// CHECK: llvm.call @meshrt_alloc(
// CHECK: llvm.call @meshrt_init_param(
// CHECK-LABEL: llvm.func @main(
// CHECK: llvm.call @meshrt_main(

// -----

// A result laid out [n, m] is computed as (B^T A^T) without a copy; an operand in neither
// [m, k] nor [k, m] order is transposed into scratch once.
module attributes {meshc.mesh = #meshc.mesh<"b=1">} {
  func.func @orders() {
    %a = meshc.param "a" uniform {scale = 1.0} : !meshc.tensor<k=3, p=2, m=4, f32>
    %b = meshc.param "b" uniform {scale = 1.0} : !meshc.tensor<k=3, p=2, n=5, f32>
    %c = meshc.einsum %a, %b : !meshc.tensor<k=3, p=2, m=4, f32>, !meshc.tensor<k=3, p=2, n=5, f32> -> !meshc.tensor<n=5, m=4, f32>
    %s = meshc.reduce_sum %c : !meshc.tensor<n=5, m=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %s {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// CHECK-LABEL: llvm.func @meshc_step
// CHECK-NOT: llvm.call @meshrt_strided_copy
// CHECK: llvm.call @meshrt_matmul(
// CHECK-NOT: llvm.call @meshrt_strided_copy
// CHECK: llvm.call @meshrt_reduce_sum(
