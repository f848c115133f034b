// The lowering pass of meshc: partitioned meshc program → LLVM dialect calling libmeshrt.
#ifndef MESHC_LOWERING_PASSES_TD
#define MESHC_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerToLLVM : Pass<"meshc-lower-to-llvm", "mlir::ModuleOp"> {
  let summary = "Lower a partitioned meshc program to LLVM dialect calls into libmeshrt";
  let description = [{
    The partitioned function becomes three LLVM functions: `meshc_init(ctx)` allocates one
    buffer per tensor (kept for the whole run) and initialises the parameters' slices;
    `meshc_step(ctx, step) -> f32` runs the ops in order as runtime calls (oneDNN matmuls,
    elementwise and reduction kernels, collectives) and returns the loss; `main` hands both
    to `meshrt_main` with the mesh, a fingerprint of the program and the meshc version.

    Before: `func.func @mlp() attributes {meshc.partitioned} { %0 = meshc.einsum ... }`
    After:  `llvm.func @meshc_step(%ctx: !llvm.ptr, %step: i64) -> f32 {
               llvm.call @meshrt_matmul(...) ... }`
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MESHC_LOWERING_PASSES_TD
