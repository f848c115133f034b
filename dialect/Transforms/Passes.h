// Declarations and registration of the meshc passes, and the pipeline that runs them.
#ifndef MESHC_DIALECT_TRANSFORMS_PASSES_H
#define MESHC_DIALECT_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include "dialect/IR/MeshcOps.h"

namespace meshc {

#define GEN_PASS_DECL
#include "dialect/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialect/Transforms/Passes.h.inc"

/// The global-to-per-rank pipeline: check program, autodiff, decompose, check layout, partition.
void buildPartitionPipeline(mlir::OpPassManager &pm);

/// Registers the passes (registerMeshcPasses, generated) and the pipelines.
void registerAllPassesAndPipelines();

} // namespace meshc

#endif // MESHC_DIALECT_TRANSFORMS_PASSES_H
