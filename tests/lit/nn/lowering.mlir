// RUN: meshc-opt %s --meshc-partition-pipeline --meshc-lower-to-llvm | FileCheck %s

// Queries split on m: the causal mask and dropout get the GLOBAL shape and the mesh axis of
// each dim (seq on axis 0); softmax and layer norm run on [outer, n, inner] lines; Adam's m and
// v are buffers of the parameter's local size that meshc_init allocates (zero-filled) and the
// step passes with the step number.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"seq:m">} {
  func.func @nn() {
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<seq=4, seq_k=4, f32>
    %n = meshc.layer_norm %w {dim = "seq_k", epsilon = 1.0e-5} : !meshc.tensor<seq=4, seq_k=4, f32>
    %m = meshc.causal_mask %n {query_dim = "seq", key_dim = "seq_k"} : !meshc.tensor<seq=4, seq_k=4, f32>
    %p = meshc.softmax %m {dim = "seq_k"} : !meshc.tensor<seq=4, seq_k=4, f32>
    %d = meshc.dropout %p {rate = 0.1, key = 0} : !meshc.tensor<seq=4, seq_k=4, f32>
    %g = meshc.gelu %d : !meshc.tensor<seq=4, seq_k=4, f32>
    %l = meshc.reduce_sum %g : !meshc.tensor<seq=4, seq_k=4, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %l {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
}
// CHECK-NOT: meshc.
// The global shape of the mask's operand (4 x 4) and the axes of its dims (seq on axis 0).
// CHECK-DAG: llvm.mlir.global internal constant @{{.+}}(dense<4> : tensor<2xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @{{.+}}(dense<[0, -1]> : tensor<2xi32>)
// CHECK: llvm.func @meshc_step(%{{.+}}: !llvm.ptr, %[[STEP:[^:]+]]: i64) -> f32
// CHECK: llvm.call @meshrt_layer_norm(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (!llvm.ptr, i64, i64, i64, f32, !llvm.ptr, !llvm.ptr) -> ()
// CHECK: llvm.call @meshrt_causal_mask
// CHECK: llvm.call @meshrt_softmax
// CHECK: llvm.call @meshrt_dropout(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[STEP]],
// CHECK: llvm.call @meshrt_gelu(
// CHECK: llvm.call @meshrt_gelu_grad
// CHECK: llvm.call @meshrt_dropout(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[STEP]],
// CHECK: llvm.call @meshrt_causal_mask
// CHECK: llvm.call @meshrt_layer_norm_grad
// CHECK: llvm.call @meshrt_adam_update({{.*}}, %[[STEP]]) : (!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, f32, f32, f32, f32, f32, i64) -> ()
// CHECK-LABEL: llvm.func @meshc_init
// CHECK: llvm.call @meshrt_alloc
