// meshc-share-updates: SGD updates of replicated weights done inside their weight-gradient GEMMs,
// in parameter storage the data-parallel ranks of a node share (Passes.td has the rules). Each
// einsum -> all_reduce -> sgd_update chain that qualifies becomes one meshc.sgd_update_einsum
// after the parameter's last read of the step; the runtime (meshrt_sgd_update_matmul) then
// either adds every rank's product into the shared parameter slice by slice or, where the ranks
// span nodes, all-reduces the product as the chain did.
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/BufferPlan.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace meshc {
#define GEN_PASS_DEF_SHAREUPDATES
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

struct Chain {
  SgdUpdateOp update;
  AllReduceOp reduce;
  EinsumOp einsum;
  Operation *after; // the op the fused update goes right after
};

/// The einsum's result is the parameter's block summed over the all_reduce's axes: held like the
/// parameter, partial over exactly those axes, and the parameter is replicated over them.
bool shardingsAgree(Value param, EinsumOp einsum, AllReduceOp reduce) {
  ShardingAttr paramSharding = getSharding(param), gradSharding = getSharding(einsum.getResult());
  if (!paramSharding || !gradSharding || paramSharding.isPartial())
    return false;
  llvm::SmallDenseSet<StringAttr> axes, partial;
  for (Attribute axis : reduce.getAxes())
    axes.insert(llvm::cast<StringAttr>(axis));
  for (StringAttr axis : gradSharding.getPartialAxes())
    partial.insert(axis);
  if (axes.size() != partial.size() ||
      !llvm::all_of(axes, [&](StringAttr a) { return partial.contains(a); }))
    return false;
  for (unsigned dim = 0; dim < paramSharding.getRank(); ++dim) {
    SmallVector<StringAttr> held = paramSharding.getDimAxes(dim);
    if (held != gradSharding.getDimAxes(dim) ||
        llvm::any_of(held, [&](StringAttr a) { return axes.contains(a); }))
      return false;
  }
  return true;
}

/// The chain ending in `update` where it qualifies (see Passes.td), else nullopt.
std::optional<Chain> shareable(SgdUpdateOp update, int64_t minBytes) {
  auto param = update.getParam().getDefiningOp<ParamOp>();
  if (!param || param.getState() || update.getShardAxis())
    return std::nullopt;
  auto reduce = update.getGrad().getDefiningOp<AllReduceOp>();
  if (!reduce || !reduce.getResult().hasOneUse() || reduce->hasAttr("async"))
    return std::nullopt;
  auto einsum = reduce.getInput().getDefiningOp<EinsumOp>();
  if (!einsum || einsum.getInputs().size() != 2 || !einsum.getResult().hasOneUse())
    return std::nullopt;
  // A gradient computed from a parameter itself would move that parameter's read past its own
  // update where that update moves first: not shared.
  for (Value input : einsum.getInputs())
    if (input.getDefiningOp<ParamOp>())
      return std::nullopt;
  auto type = llvm::cast<NamedTensorType>(param.getResult().getType());
  if (einsum.getResult().getType() != type || tensorBytes(type) < minBytes ||
      !whyNotOneMatmul(type, llvm::cast<NamedTensorType>(einsum.getInputs()[0].getType()),
                       llvm::cast<NamedTensorType>(einsum.getInputs()[1].getType()))
           .empty() ||
      !shardingsAgree(param.getResult(), einsum, reduce))
    return std::nullopt;
  // Every other read of the parameter comes before the fused update, which goes after the
  // einsum; a read after the update (in program order) would see the step's new value there
  // too, so it keeps its place only where there is none.
  Operation *after = einsum;
  for (Operation *user : param.getResult().getUsers()) {
    if (user == update.getOperation())
      continue;
    if (user->getBlock() != update->getBlock() || update->isBeforeInBlock(user))
      return std::nullopt;
    if (after->isBeforeInBlock(user))
      after = user;
  }
  return Chain{update, reduce, einsum, after};
}

void share(Chain chain) {
  OpBuilder builder(chain.after->getContext());
  builder.setInsertionPointAfter(chain.after);
  // The all_reduce's location: --explain and the runtime name the collective by it.
  builder.create<SgdUpdateEinsumOp>(chain.reduce.getLoc(), chain.update.getParam(),
                                    chain.einsum.getInputs()[0], chain.einsum.getInputs()[1],
                                    chain.reduce.getAxes(), chain.update.getLearningRateAttr());
  chain.update.erase();
  chain.reduce.erase();
  chain.einsum.erase();
}

struct ShareUpdatesPass : meshc::impl::ShareUpdatesBase<ShareUpdatesPass> {
  using ShareUpdatesBase::ShareUpdatesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (minBytes < 0) {
      module.emitError() << "min-bytes must be 0 or positive, not "
                         << static_cast<int64_t>(minBytes);
      return signalPassFailure();
    }
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      if (!getPerRankMesh(func) || func.getBody().empty())
        continue;
      // One at a time, each judged on the program as the ones before left it (a chain's ops
      // may be another parameter's reads).
      SmallVector<SgdUpdateOp> updates(func.getBody().front().getOps<SgdUpdateOp>());
      for (SgdUpdateOp update : updates)
        if (std::optional<Chain> chain = shareable(update, minBytes))
          share(*chain);
    }
  }
};

} // namespace
