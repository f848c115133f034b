// The lowering pass of meshc: partitioned meshc program → LLVM dialect calling libmeshrt.
#ifndef MESHC_LOWERING_PASSES_TD
#define MESHC_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerToLLVM : Pass<"meshc-lower-to-llvm", "mlir::ModuleOp"> {
  let summary = "Lower a partitioned meshc program to LLVM dialect calls into libmeshrt";
  let description = [{
    The partitioned function becomes the executable's LLVM functions: `meshc_init(ctx)`
    allocates one buffer per tensor (kept for the whole run), initialises the parameters'
    slices and registers the inputs, parameters, optimizer state, metrics and outputs with
    the runtime; three passes `(ctx, step) -> f32` run ops in order as runtime calls (oneDNN
    matmuls, elementwise and reduction kernels, collectives): `meshc_step` trains (every op
    but those only metrics and outputs need) and returns the loss, `meshc_eval` runs what the
    loss and the metrics need (dropout off, no update) and returns the loss, `meshc_predict`
    runs what the outputs need (only when there are outputs); `main` hands them to
    `meshrt_main` with the mesh, the layout, a fingerprint of the program and the meshc
    version.

    Before: `func.func @mlp() attributes {meshc.per_rank = #meshc.mesh<"b=2">} { ... }`
    After:  `llvm.func @meshc_step(%ctx: !llvm.ptr, %step: i64) -> f32 {
               llvm.call @meshrt_matmul(...) ... }`
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MESHC_LOWERING_PASSES_TD
