// RUN: meshc-opt %s --meshc-partition-pipeline=fuse-elementwise=false --meshc-lower-to-llvm | FileCheck %s

// Each Math op is one runtime call (meshc-fuse-elementwise is off here; tests/lit/fuse has it
// on): the unary functions meshrt_unary with their op number
// (meshrt_unary_op: SIGMOID 2 ... LEAKY_RELU 7, which passes alpha as an f32), the binary ones
// meshrt_binary (DIV 4, MAX 5, MIN 6, GE_MASK 7) over the local shape with broadcast strides;
// the gradients reuse mul/sub/div and the >= mask.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"d:m">} {
  func.func @math() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, d=8, f32>
    %w = meshc.param "w" uniform {scale = 1.0} : !meshc.tensor<d=8, f32>
    %s = meshc.sigmoid %x : !meshc.tensor<s=4, d=8, f32>
    %t = meshc.tanh %s : !meshc.tensor<s=4, d=8, f32>
    %e = meshc.exp %t : !meshc.tensor<s=4, d=8, f32>
    %l = meshc.log %e : !meshc.tensor<s=4, d=8, f32>
    %q = meshc.sqrt %e : !meshc.tensor<s=4, d=8, f32>
    %r = meshc.leaky_relu %q {alpha = 0.25} : !meshc.tensor<s=4, d=8, f32>
    %dv = meshc.div %r, %w : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
    %mx = meshc.maximum %dv, %l : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
    %mn = meshc.minimum %mx, %w : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
    %o = meshc.reduce_sum %mn : !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %o {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// CHECK-NOT: meshc.
// CHECK-LABEL: llvm.func @meshc_step
// CHECK: %[[SIG:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[N:.+]] = llvm.mlir.constant(16 : i64) : i64
// CHECK: llvm.call @meshrt_unary(%{{.+}}, %[[SIG]], %[[N]], %{{.+}}, %{{.+}}, %{{.+}}) : (!llvm.ptr, i32, i64, !llvm.ptr, !llvm.ptr, f32) -> ()
// CHECK: llvm.mlir.constant(3 : i32) : i32
// CHECK: llvm.call @meshrt_unary
// CHECK: llvm.mlir.constant(4 : i32) : i32
// CHECK: llvm.call @meshrt_unary
// CHECK: llvm.mlir.constant(5 : i32) : i32
// CHECK: llvm.call @meshrt_unary
// CHECK: llvm.mlir.constant(6 : i32) : i32
// CHECK: llvm.call @meshrt_unary
// CHECK: %[[LEAKY:.+]] = llvm.mlir.constant(7 : i32) : i32
// CHECK: %[[ALPHA:.+]] = llvm.mlir.constant(2.500000e-01 : f32) : f32
// CHECK-NEXT: llvm.call @meshrt_unary(%{{.+}}, %[[LEAKY]], %{{.+}}, %{{.+}}, %{{.+}}, %[[ALPHA]])
// CHECK: %[[DIV:.+]] = llvm.mlir.constant(4 : i32) : i32
// CHECK-NEXT: %[[RANK:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: llvm.call @meshrt_binary(%{{.+}}, %[[DIV]], %[[RANK]],
// CHECK: %[[MAX:.+]] = llvm.mlir.constant(5 : i32) : i32
// CHECK: llvm.call @meshrt_binary(%{{.+}}, %[[MAX]],
// CHECK: %[[MIN:.+]] = llvm.mlir.constant(6 : i32) : i32
// CHECK: llvm.call @meshrt_binary(%{{.+}}, %[[MIN]],
// The backward pass: minimum's and maximum's masks.
// CHECK: %[[GE:.+]] = llvm.mlir.constant(7 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(2 : i32) : i32
// CHECK: llvm.call @meshrt_binary(%{{.+}}, %[[GE]],
// CHECK: %[[GE2:.+]] = llvm.mlir.constant(7 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(2 : i32) : i32
// CHECK: llvm.call @meshrt_binary(%{{.+}}, %[[GE2]],
// CHECK-LABEL: llvm.func @meshc_init
