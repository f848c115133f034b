// meshc fuses elementwise chains and the residual add with its layer norm in the per-rank
// program by default; --no-fuse-elementwise (the partition pipeline's fuse-elementwise=false)
// leaves them, and meshc-opt's pipeline gives what the driver gives. The program is a pre-LN
// residual block (h + relu(x w + b), then layer_norm · gamma + beta) on 2 ranks.
// RUN: meshc %s --emit=partitioned | FileCheck %s --check-prefix=FUSED
// RUN: meshc %s --emit=partitioned > %t.driver.mlir
// RUN: meshc-opt %s --pass-pipeline='builtin.module(meshc-partition-pipeline)' > %t.opt.mlir
// RUN: diff %t.driver.mlir %t.opt.mlir
// RUN: meshc %s --emit=partitioned --no-fuse-elementwise | FileCheck %s --check-prefix=UNFUSED
// RUN: meshc %s --emit=partitioned --no-fuse-elementwise > %t.driver.off.mlir
// RUN: meshc-opt %s --pass-pipeline='builtin.module(meshc-partition-pipeline{fuse-elementwise=false})' > %t.opt.off.mlir
// RUN: diff %t.driver.off.mlir %t.opt.off.mlir

// The forward: the residual sum and its layer norm in one op (relu's input is kept for
// relu_grad, so the bias add stays), the affine part in one.
// FUSED-NOT: meshc.layer_norm %
// FUSED: meshc.add_layer_norm
// FUSED-NEXT: meshc.fused_elementwise {{.*}}ops = ["mul", "add"]
// UNFUSED-NOT: meshc.fused_elementwise
// UNFUSED-NOT: meshc.add_layer_norm
// UNFUSED: meshc.layer_norm
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"n:b">} {
  func.func @step() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, d=6, f32>
    %w = meshc.param "w" uniform {scale = 1.0} : !meshc.tensor<d=6, e=6, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<e=6, f32>
    %gamma = meshc.param "gamma" uniform {scale = 1.0} : !meshc.tensor<e=6, f32>
    %beta = meshc.param "beta" zeros {scale = 0.0} : !meshc.tensor<e=6, f32>
    %h = meshc.input "h" features {classes = 2} : !meshc.tensor<n=4, e=6, f32>
    %xw = meshc.einsum %x, %w : !meshc.tensor<n=4, d=6, f32>, !meshc.tensor<d=6, e=6, f32> -> !meshc.tensor<n=4, e=6, f32>
    %a = meshc.add %xw, %b : !meshc.tensor<n=4, e=6, f32>, !meshc.tensor<e=6, f32> -> !meshc.tensor<n=4, e=6, f32>
    %r = meshc.relu %a : !meshc.tensor<n=4, e=6, f32>
    %s = meshc.add %h, %r : !meshc.tensor<n=4, e=6, f32>, !meshc.tensor<n=4, e=6, f32> -> !meshc.tensor<n=4, e=6, f32>
    %y = meshc.layer_norm %s {dim = "e", epsilon = 1.0e-5 : f64} : !meshc.tensor<n=4, e=6, f32>
    %yg = meshc.mul %y, %gamma : !meshc.tensor<n=4, e=6, f32>, !meshc.tensor<e=6, f32> -> !meshc.tensor<n=4, e=6, f32>
    %z = meshc.add %yg, %beta : !meshc.tensor<n=4, e=6, f32>, !meshc.tensor<e=6, f32> -> !meshc.tensor<n=4, e=6, f32>
    %q = meshc.mul %z, %z : !meshc.tensor<n=4, e=6, f32>, !meshc.tensor<n=4, e=6, f32> -> !meshc.tensor<n=4, e=6, f32>
    %l = meshc.reduce_sum %q : !meshc.tensor<n=4, e=6, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
