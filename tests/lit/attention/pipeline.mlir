// meshc fuses the attention chain by default; --no-fuse-attention (the pipelines'
// fuse-attention=false) keeps it as separate ops, and meshc-opt's pipeline gives the same.
// RUN: meshc %s --emit=global | FileCheck %s --check-prefix=FUSED
// RUN: meshc %s --emit=global --no-fuse-attention | FileCheck %s --check-prefix=UNFUSED
// RUN: meshc %s --emit=global --no-fuse-attention > %t.driver.mlir
// RUN: meshc-opt %s --pass-pipeline='builtin.module(meshc-global-pipeline{fuse-attention=false})' > %t.opt.mlir
// RUN: diff %t.driver.mlir %t.opt.mlir
// RUN: meshc %s --mesh m=2 --layout h:m --emit=partitioned --no-fuse-attention | FileCheck %s --check-prefix=UNFUSED

// FUSED: meshc.attention
// FUSED: meshc.attention_grad
// FUSED-NOT: meshc.softmax
// UNFUSED-NOT: meshc.attention
// UNFUSED: meshc.softmax
module attributes {meshc.mesh = #meshc.mesh<"m=1">, meshc.layout = #meshc.layout<"">} {
  func.func @step() {
    %q = meshc.param "q" uniform {scale = 1.0} : !meshc.tensor<h=2, s=4, e=3, f32>
    %k = meshc.param "k" uniform {scale = 1.0} : !meshc.tensor<h=2, t=4, e=3, f32>
    %v = meshc.param "v" uniform {scale = 1.0} : !meshc.tensor<h=2, t=4, e=3, f32>
    %s = meshc.einsum %q, %k : !meshc.tensor<h=2, s=4, e=3, f32>, !meshc.tensor<h=2, t=4, e=3, f32> -> !meshc.tensor<h=2, s=4, t=4, f32>
    %m = meshc.causal_mask %s {query_dim = "s", key_dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
    %p = meshc.softmax %m {dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
    %o = meshc.einsum %p, %v : !meshc.tensor<h=2, s=4, t=4, f32>, !meshc.tensor<h=2, t=4, e=3, f32> -> !meshc.tensor<h=2, s=4, e=3, f32>
    %l = meshc.reduce_sum %o : !meshc.tensor<h=2, s=4, e=3, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
