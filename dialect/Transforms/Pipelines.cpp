// The pass pipelines of meshc, also registered so that lit tests run what users run.
#include "dialect/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

void meshc::buildPartitionPipeline(mlir::OpPassManager &pm) {
  pm.addPass(createCheckProgram());
  pm.addPass(createAutodiff());
  pm.addPass(createDecompose());
  pm.addPass(createCheckLayout());
  pm.addPass(createPartition());
  pm.addPass(mlir::createCSEPass());
}

void meshc::registerAllPassesAndPipelines() {
  registerMeshcPasses();
  mlir::PassPipelineRegistration<>(
      "meshc-partition-pipeline",
      "check the program, autodiff, decompose, check the layout and partition (what meshc runs)",
      [](mlir::OpPassManager &pm) { buildPartitionPipeline(pm); });
}
