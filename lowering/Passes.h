// Declarations of the lowering passes and the lowering pipeline.
#ifndef MESHC_LOWERING_PASSES_H
#define MESHC_LOWERING_PASSES_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace meshc {

#define GEN_PASS_DECL
#include "lowering/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowering/Passes.h.inc"

/// meshc-lower-pipeline{max-ops=N}: lower-to-llvm, then split-functions (max-ops: its option;
/// by default the pass's).
void buildLowerPipeline(mlir::OpPassManager &pm, int64_t maxOps = SplitFunctionsOptions().maxOps);

/// Registers the lowering passes (registerMeshcLoweringPasses, generated) and the pipeline.
void registerLoweringPassesAndPipelines();

} // namespace meshc

#endif // MESHC_LOWERING_PASSES_H
