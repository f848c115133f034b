// The pass pipelines of meshc, registered so that lit tests run exactly what the meshc driver
// runs (tools/meshc/Driver.cpp builds the same pipelines with the same options).
#include "dialect/Transforms/Passes.h"

#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace meshc {
namespace {

/// Replaces the module's mesh and/or layout with the given specs (meshc's --mesh/--layout, the
/// partition pipeline's mesh=/layout= options); an invalid spec is an error at the module.
struct SetMeshLayoutPass : PassWrapper<SetMeshLayoutPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SetMeshLayoutPass)

  explicit SetMeshLayoutPass(MeshLayoutOverride override) : override(std::move(override)) {}
  StringRef getArgument() const final { return "meshc-set-mesh-layout"; }
  StringRef getName() const final { return "SetMeshLayout"; }
  StringRef getDescription() const final {
    return "Replace the module's mesh and/or layout (the partition pipeline's options)";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    if (override.mesh) {
      MeshAttr mesh = parseMeshSpec(&getContext(), *override.mesh, error);
      if (!mesh) {
        module.emitError() << "mesh option: " << error;
        return signalPassFailure();
      }
      setMesh(module, mesh);
    }
    if (override.layout) {
      LayoutAttr layout = parseLayoutSpec(&getContext(), *override.layout, error);
      if (!layout) {
        module.emitError() << "layout option: " << error;
        return signalPassFailure();
      }
      setLayout(module, layout);
    }
  }

  MeshLayoutOverride override;
};

/// The options both pipelines take (absent mesh/layout = the module's); `Self` is the concrete
/// options struct (MLIR's pipeline options are CRTP), so each option is declared once here.
template <typename Self> struct GlobalOptionsBase : PassPipelineOptions<Self> {
  using Base = PassPipelineOptions<Self>;
  typename Base::template Option<std::string> mesh{
      *this, "mesh",
      llvm::cl::desc("Processor mesh, e.g. b=2,m=2 (replaces the module's; meshc --mesh)")};
  typename Base::template Option<std::string> layout{
      *this, "layout",
      llvm::cl::desc("Layout, e.g. batch:b,hidden:m (replaces the module's; '' = all "
                     "replicated; meshc --layout)")};
  typename Base::template Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Fuse attention chains into meshc.attention before autodiff (meshc "
                     "--no-fuse-attention: false)"),
      llvm::cl::init(true)};
  typename Base::template Option<bool> remat{
      *this, "remat",
      llvm::cl::desc("Recompute every cheap forward activation in the backward pass (meshc "
                     "--remat; false: only the DSL's RematScope ops)"),
      llvm::cl::init(false)};

  GlobalPipelineOptions global() const {
    GlobalPipelineOptions options;
    options.fuseAttention = fuseAttention;
    options.remat = remat;
    return options;
  }
};

/// meshc-global-pipeline's options.
struct MeshLayoutOptions : GlobalOptionsBase<MeshLayoutOptions> {};

/// meshc-partition-pipeline's options: the global pipeline's and meshc-optimize-communication's.
struct PartitionOptions : GlobalOptionsBase<PartitionOptions> {
  Option<int64_t> bucketBytes{
      *this, "bucket-bytes",
      llvm::cl::desc("Most bytes of one bucket of all_reduces (0: no bucketing; meshc "
                     "--bucket-bytes)"),
      llvm::cl::init(OptimizeCommunicationOptions().bucketBytes)};
  Option<bool> overlap{*this, "overlap",
                       llvm::cl::desc("Start all_reduces early, wait at first use (meshc "
                                      "--no-overlap: false)"),
                       llvm::cl::init(OptimizeCommunicationOptions().overlap)};

  Option<bool> shardUpdates{
      *this, "shard-updates",
      llvm::cl::desc("Shard the optimizer update of replicated parameters over their data axis "
                     "(meshc-shard-updates; meshc --no-shard-updates: false)"),
      llvm::cl::init(true)};
  Option<int64_t> shardUpdateMinBytes{
      *this, "shard-update-min-bytes",
      llvm::cl::desc("Shard an update where it saves at least this many bytes of optimizer "
                     "state per rank (meshc --shard-update-min-bytes)"),
      llvm::cl::init(ShardUpdatesOptions().minBytes)};

  Option<bool> shareUpdates{
      *this, "share-updates",
      llvm::cl::desc("Update replicated SGD weights in node-shared storage inside their "
                     "weight-gradient GEMMs (meshc-share-updates; meshc --no-share-updates: "
                     "false)"),
      llvm::cl::init(true)};
  Option<int64_t> shareUpdateMinBytes{
      *this, "share-update-min-bytes",
      llvm::cl::desc("Share the update of parameters of at least this many bytes per rank "
                     "(meshc --share-update-min-bytes)"),
      llvm::cl::init(ShareUpdatesOptions().minBytes)};

  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse elementwise chains and residual adds with their layer norm in the "
                     "per-rank program (meshc --no-fuse-elementwise: false)"),
      llvm::cl::init(true)};

  GlobalPipelineOptions partitionGlobal() const {
    GlobalPipelineOptions options = global();
    options.fuseElementwise = fuseElementwise;
    return options;
  }

  OptimizeCommunicationOptions communication() const {
    OptimizeCommunicationOptions options;
    options.bucketBytes = bucketBytes;
    options.overlap = overlap;
    return options;
  }
  std::optional<ShareUpdatesOptions> sharing() const {
    if (!shareUpdates)
      return std::nullopt;
    ShareUpdatesOptions options;
    options.minBytes = shareUpdateMinBytes;
    return options;
  }
  std::optional<ShardUpdatesOptions> sharding() const {
    if (!shardUpdates)
      return std::nullopt;
    ShardUpdatesOptions options;
    options.minBytes = shardUpdateMinBytes;
    return options;
  }
};

/// An option value as the spec it spells: MLIR's option parser keeps the quotes of an empty
/// quoted value (`layout=""`), which means the empty layout.
std::string unquote(const std::string &value) {
  return value == "\"\"" || value == "''" ? std::string() : value;
}

template <typename Options> MeshLayoutOverride toOverride(const Options &options) {
  MeshLayoutOverride override;
  if (options.mesh.hasValue())
    override.mesh = unquote(options.mesh);
  if (options.layout.hasValue())
    override.layout = unquote(options.layout);
  return override;
}

} // namespace

void buildGlobalPipeline(OpPassManager &pm, const MeshLayoutOverride &override,
                         const GlobalPipelineOptions &global) {
  if (override.mesh || override.layout)
    pm.addPass(std::make_unique<SetMeshLayoutPass>(override));
  pm.addPass(createCheckProgram());
  if (global.fuseAttention)
    pm.addPass(createFuseAttention());
  pm.addPass(createAutodiff());
  pm.addPass(createRemat(RematOptions{global.remat}));
  pm.addPass(createDecompose());
}

void buildPartitionPipeline(OpPassManager &pm, const MeshLayoutOverride &override,
                            const OptimizeCommunicationOptions &communication,
                            const GlobalPipelineOptions &global,
                            const std::optional<ShardUpdatesOptions> &shardUpdates,
                            const std::optional<ShareUpdatesOptions> &shareUpdates) {
  buildGlobalPipeline(pm, override, global);
  pm.addPass(createCheckLayout());
  buildPartitionPasses(pm);
  pm.addPass(createCSEPass());
  if (shardUpdates)
    pm.addPass(createShardUpdates(*shardUpdates));
  if (shareUpdates)
    pm.addPass(createShareUpdates(*shareUpdates));
  pm.addPass(createOptimizeCommunication(communication));
  if (global.fuseElementwise) {
    pm.addPass(createFuseConv());
    pm.addPass(createFuseElementwise());
  }
}

void buildPartitionPasses(OpPassManager &pm) {
  pm.addPass(createPropagateShardings());
  pm.addPass(createInsertReshards());
  pm.addPass(createLocalize());
}

void registerAllPassesAndPipelines() {
  registerMeshcPasses();
  PassPipelineRegistration<MeshLayoutOptions>(
      "meshc-global-pipeline",
      "optionally replace the mesh/layout, check the program, fuse attention, autodiff, remat "
      "and decompose (meshc --emit=global)",
      [](OpPassManager &pm, const MeshLayoutOptions &options) {
        buildGlobalPipeline(pm, toOverride(options), options.global());
      });
  PassPipelineRegistration<PartitionOptions>(
      "meshc-partition-pipeline",
      "optionally replace the mesh/layout, check the program, autodiff, decompose, check the "
      "layout, partition, shard and share optimizer updates and bucket all_reduces (meshc "
      "--emit=partitioned)",
      [](OpPassManager &pm, const PartitionOptions &options) {
        buildPartitionPipeline(pm, toOverride(options), options.communication(),
                               options.partitionGlobal(), options.sharding(), options.sharing());
      });
  PassPipelineRegistration<>("meshc-partition",
                             "the three partitioning stages: propagate shardings, insert "
                             "reshards, localize (global program with a mesh → per-rank program)",
                             buildPartitionPasses);
}

} // namespace meshc
