// RUN: meshc-opt %s --meshc-partition-pipeline | FileCheck %s
// RUN: meshc-opt %s --meshc-partition-pipeline --meshc-lower-to-llvm | FileCheck %s --check-prefix=LOW
// RUN: meshc-opt %s --meshc-partition-pipeline='share-updates=false' | FileCheck %s --check-prefix=OFF
// RUN: meshc %s --explain | FileCheck %s --check-prefix=EXPLAIN

// The default threshold (256 KiB) and the lowering of an update inside its weight gradient's
// GEMM. Data parallel on b=2 with SGD: w (256 x 256 f32 = 256 KiB) is updated by
// meshc.sgd_update_einsum, right after its gradient's einsum would have run; v (4 KiB) and the
// bias keep their all_reduces (left to bucketing). The lowering allocates w with
// meshrt_alloc_shared over b (mask 1) and calls meshrt_sgd_update_matmul with w's matmul:
// m = d_in = 256, n = hidden = 256, k = the local batch 2, A = x^T (x is [batch, d_in]).
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  // CHECK-LABEL: func.func @default_threshold
  // LOW-LABEL: llvm.func @meshc_step(
  func.func @default_threshold() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=4, d_in=256, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=4, i32>
    %w = meshc.param "w" uniform {scale = 0.1} : !meshc.tensor<d_in=256, hidden=256, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<hidden=256, f32>
    %v = meshc.param "v" uniform {scale = 0.1} : !meshc.tensor<hidden=256, classes=4, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=4, d_in=256, f32>, !meshc.tensor<d_in=256, hidden=256, f32> -> !meshc.tensor<batch=4, hidden=256, f32>
    %hb = meshc.add %h, %b : !meshc.tensor<batch=4, hidden=256, f32>, !meshc.tensor<hidden=256, f32> -> !meshc.tensor<batch=4, hidden=256, f32>
    %logits = meshc.einsum %hb, %v : !meshc.tensor<batch=4, hidden=256, f32>, !meshc.tensor<hidden=256, classes=4, f32> -> !meshc.tensor<batch=4, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=4, classes=4, f32>, !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
  // CHECK: meshc.sgd_update_einsum %{{.+}}, %{{.+}}, %{{.+}} {axes = ["b"], learning_rate = 1.000000e-02 : f64} : !meshc.tensor<d_in=256, hidden=256, f32>, !meshc.tensor<batch=2, hidden=256, f32>, !meshc.tensor<batch=2, d_in=256, f32>
  // CHECK-NOT: sgd_update_einsum
  // CHECK: meshc.sgd_update %{{.+}} : !meshc.tensor<hidden=256, f32>
  // CHECK-NOT: sgd_update_einsum
  // CHECK: return

  // OFF-NOT: sgd_update_einsum
  // OFF: meshc.sgd_update %{{.+}} : !meshc.tensor<d_in=256, hidden=256, f32>

  // LOW: llvm.call @meshrt_collective_site
  // LOW: llvm.call @meshrt_sgd_update_matmul(%{{.+}}, %[[MASK:.+]], %[[M:.+]], %[[N:.+]], %[[K:.+]], %{{.+}}, %[[TA:.+]], %{{.+}}, %[[TB:.+]], %{{.+}}, %{{.+}}) : (!llvm.ptr, i32, i64, i64, i64, !llvm.ptr, i32, !llvm.ptr, i32, !llvm.ptr, f32) -> ()
  // LOW-LABEL: llvm.func @meshc_init(
  // LOW: %[[BYTES:.+]] = llvm.mlir.constant(262144 : i64) : i64
  // LOW: %[[ONE:.+]] = llvm.mlir.constant(1 : i32) : i32
  // LOW: llvm.call @meshrt_alloc_shared(%{{.+}}, %[[BYTES]], %[[ONE]]) : (!llvm.ptr, i64, i32) -> !llvm.ptr
  // LOW-NOT: meshrt_alloc_shared
  // LOW: llvm.func @main(
}

// EXPLAIN: updates in node-shared parameters (meshc-share-updates): 1 of 3 parameters (w over b): the weight-gradient GEMMs add into the parameter, stored once per node; no gradient
// EXPLAIN: collective {{[0-9]+}}: all_reduce axes=b bytes=262144 at {{.*}}[!meshc.tensor<d_in=256, hidden=256, f32>, sgd_update_einsum: in place on one node, 2 ranks, ~262144 bytes sent]
