// The ops each pass of the executable runs (see ProgramPasses.h).
#include "dialect/Analysis/ProgramPasses.h"

#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/SmallVector.h"

using namespace mlir;

namespace meshc {

namespace {

/// The ops `roots` depend on (their backward slice), roots included, in the train pass
/// (`training`) or in evaluation/prediction: a meshc.train_or_eval depends on the one operand
/// that pass reads.
llvm::DenseSet<Operation *> sliceOf(llvm::ArrayRef<Operation *> roots, bool training) {
  llvm::DenseSet<Operation *> slice;
  llvm::SmallVector<Operation *> work(roots.begin(), roots.end());
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!slice.insert(op).second)
      continue;
    if (auto select = dyn_cast<TrainOrEvalOp>(op)) {
      if (Operation *def = (training ? select.getTrain() : select.getEval()).getDefiningOp())
        work.push_back(def);
      continue;
    }
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        work.push_back(def);
  }
  return slice;
}

} // namespace

bool isCollective(Operation *op) {
  // clip_global_norm all-reduces the squared norm over every rank (one double).
  // A sharded update all-gathers its parameter (meshc-shard-updates); an update in a node-shared
  // parameter sums its gradient over its axes (meshc-share-updates).
  return isa<AllReduceOp, AllReduceMaxOp, AllReduceBucketOp, AllGatherOp, ReduceScatterOp,
             AllSliceOp, AllToAllOp, HaloExchangeOp, HaloExchangeGradOp, ClipGlobalNormOp,
             SgdUpdateEinsumOp>(op) ||
         shardAxisOf(op);
}

StringAttr shardAxisOf(Operation *op) {
  return isa<ParamUpdateOpInterface>(op) ? op->getAttrOfType<StringAttr>("shard_axis")
                                         : StringAttr();
}

ProgramPasses planProgramPasses(Block &body) {
  llvm::SmallVector<Operation *> trainRoots, evalRoots, predictRoots;
  for (Operation &op : body) {
    if (isa<OutputOp>(op)) {
      trainRoots.push_back(&op);
      evalRoots.push_back(&op);
    } else if (isa<MetricOp>(op)) {
      evalRoots.push_back(&op);
    } else if (isa<PredictionOp>(op)) {
      predictRoots.push_back(&op);
    } else if (isa<SgdUpdateOp, AdamUpdateOp, MomentumUpdateOp, SgdUpdateEinsumOp>(op)) {
      trainRoots.push_back(&op);
    }
  }
  ProgramPasses passes;
  passes.eval = sliceOf(evalRoots, /*training=*/false);
  passes.predict = sliceOf(predictRoots, /*training=*/false);
  passes.hasOutputs = !predictRoots.empty();
  llvm::DenseSet<Operation *> trainNeeds = sliceOf(trainRoots, /*training=*/true);
  for (Operation &op : body) {
    bool onlyForMetricsOrOutputs =
        !trainNeeds.contains(&op) && (passes.eval.contains(&op) || passes.predict.contains(&op));
    if (!isa<MetricOp, PredictionOp>(op) && !onlyForMetricsOrOutputs)
      passes.train.insert(&op);
  }
  return passes;
}

llvm::DenseMap<Operation *, int32_t> numberCollectives(Block &body, const ProgramPasses &passes) {
  llvm::DenseMap<Operation *, int32_t> numbers;
  int32_t next = 0;
  for (bool inTrain : {true, false})
    for (Operation &op : body)
      if (isCollective(&op) && passes.train.contains(&op) == inTrain)
        numbers[&op] = next++;
  return numbers;
}

} // namespace meshc
