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

def SplitFunctions : Pass<"meshc-split-functions", "mlir::ModuleOp"> {
  let summary = "Split long straight-line LLVM functions into internal parts of bounded size";
  let description = [{
    The lowered `meshc_step`, `meshc_eval` and `meshc_init` are one basic block with a few
    operations per meshc op: tens of thousands of calls for a large model. LLVM's code
    generator is superlinear in the size of such a block (instruction selection, and the
    register allocator's splitting of the values that live across the whole function, such as
    the context pointer and the addresses of shared constant arrays), so compile time grew
    quadratically with the number of layers. This pass cuts each single-block `llvm.func` of
    more than `max-ops` operations into internal functions `<name>.part<k>` of about
    `max-ops` operations each, taking the parent's arguments, and makes the parent call them
    in order. It cuts only where no value defined before the cut is used after it (operand-free
    side-effect-free operations such as constants and `llvm.mlir.addressof` are cloned into
    the part that uses them), so the program's calls run in the same order with the same
    operands.

    Before: `llvm.func @meshc_step(%ctx, %step) -> f32 { <30000 ops>; llvm.return %l }`
    After:  `llvm.func internal @meshc_step.part0(%ctx, %step) { <2000 ops>; llvm.return }`
            ... `llvm.func @meshc_step(%ctx, %step) -> f32 {
                   llvm.call @meshc_step.part0(%ctx, %step) ... llvm.return %l }`
  }];
  let options = [
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"2000",
           "The most operations a function (or part) keeps before it is cut">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MESHC_LOWERING_PASSES_TD
