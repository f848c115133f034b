// The lowering pipeline of meshc (per-rank program -> LLVM dialect), registered so that lit
// tests run exactly what the meshc driver runs before translating to LLVM IR.
#include "lowering/Passes.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {

struct LowerPipelineOptions : PassPipelineOptions<LowerPipelineOptions> {
  Option<int64_t> maxOps{*this, "max-ops",
                         llvm::cl::desc("The most operations a lowered function (or part) keeps "
                                        "(meshc-split-functions)"),
                         llvm::cl::init(meshc::SplitFunctionsOptions().maxOps)};
};

} // namespace

void meshc::buildLowerPipeline(OpPassManager &pm, int64_t maxOps) {
  pm.addPass(createLowerToLLVM());
  pm.addPass(createSplitFunctions(SplitFunctionsOptions{maxOps}));
}

void meshc::registerLoweringPassesAndPipelines() {
  registerMeshcLoweringPasses();
  PassPipelineRegistration<LowerPipelineOptions>(
      "meshc-lower-pipeline",
      "lower the per-rank program to LLVM dialect calls into libmeshrt and split long functions "
      "(what meshc runs before translating to LLVM IR)",
      [](OpPassManager &pm, const LowerPipelineOptions &options) {
        buildLowerPipeline(pm, options.maxOps);
      });
}
