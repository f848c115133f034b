// Declarations and registration of the meshc passes, and the pipeline that runs them.
#ifndef MESHC_DIALECT_TRANSFORMS_PASSES_H
#define MESHC_DIALECT_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include "dialect/IR/MeshcOps.h"

#include <optional>
#include <string>

namespace meshc {

#define GEN_PASS_DECL
#include "dialect/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialect/Transforms/Passes.h.inc"

/// Specs that replace the module's mesh and layout (nullopt: keep the module's); a layout of ""
/// replicates everything.
struct MeshLayoutOverride {
  std::optional<std::string> mesh;
  std::optional<std::string> layout;
};

/// What the global pipeline does besides checking and differentiating.
struct GlobalPipelineOptions {
  /// meshc-fuse-attention before autodiff (meshc --no-fuse-attention turns it off).
  bool fuseAttention = true;
  /// meshc-remat's `all`: recompute every cheap forward activation (meshc --remat); without it
  /// only the DSL's RematScope ops are.
  bool remat = false;
  /// meshc-fuse-conv and meshc-fuse-elementwise at the end of the partition pipeline (meshc
  /// --no-fuse-elementwise turns both off; the global pipeline does not run them).
  bool fuseElementwise = true;
};

/// meshc-global-pipeline{mesh=... layout=... fuse-attention=... remat=...} (meshc --emit=global):
/// replace the mesh/layout if given, check program, fuse attention, autodiff, remat, decompose.
void buildGlobalPipeline(mlir::OpPassManager &pm, const MeshLayoutOverride &override = {},
                         const GlobalPipelineOptions &global = {});

/// meshc-partition-pipeline{mesh=... layout=... bucket-bytes=... fuse-attention=...
/// shard-updates=... shard-update-min-bytes=... share-updates=... share-update-min-bytes=...},
/// the global-to-per-rank pipeline (what meshc runs for every --emit but global): the global
/// pipeline, check layout, the partitioning passes, CSE, shard updates (with `shardUpdates`'
/// options; nullopt: not run), share updates (likewise), optimize communication (with
/// `communication`'s options).
void buildPartitionPipeline(
    mlir::OpPassManager &pm, const MeshLayoutOverride &override = {},
    const OptimizeCommunicationOptions &communication = {},
    const GlobalPipelineOptions &global = {},
    const std::optional<ShardUpdatesOptions> &shardUpdates = ShardUpdatesOptions(),
    const std::optional<ShareUpdatesOptions> &shareUpdates = ShareUpdatesOptions());

/// meshc-partition: meshc-propagate-shardings, meshc-insert-reshards, meshc-localize.
void buildPartitionPasses(mlir::OpPassManager &pm);

/// Registers the passes (registerMeshcPasses, generated) and the pipelines.
void registerAllPassesAndPipelines();

} // namespace meshc

#endif // MESHC_DIALECT_TRANSFORMS_PASSES_H
