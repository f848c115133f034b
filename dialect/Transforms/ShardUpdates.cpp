// meshc-shard-updates: ZeRO's sharded optimizer update on the per-rank program (Passes.td has
// the rules). A parameter replicated over a mesh axis whose gradient the axis sums gets its
// gradient reduce-scattered along its first dim instead of all-reduced; its update op, marked
// with `shard_axis`, updates only this rank's slice (and keeps only that slice of the optimizer
// state) and all-gathers the parameter afterwards (the lowering: lowering/MeshcToLLVM/
// ShardedUpdate.cpp).
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/BufferPlan.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace meshc {
#define GEN_PASS_DEF_SHARDUPDATES
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// The all_reduce to replace when `update`'s parameter qualifies (see Passes.td), else null.
AllReduceOp shardable(ParamUpdateOpInterface update, MeshAttr mesh, int64_t minBytes) {
  Operation *op = update;
  Value param = update.getParam(), grad = update.getGrad();
  auto paramOp = param.getDefiningOp<ParamOp>();
  if (!paramOp || paramOp.getState() || op->hasAttr("shard_axis"))
    return {};
  auto reduce = grad.getDefiningOp<AllReduceOp>();
  // The clip (clip_global_norm) reads the all_reduce's result, not the update: not sharded.
  if (!reduce || !reduce.getResult().hasOneUse() || reduce.getAxes().size() != 1)
    return {};
  auto type = llvm::cast<NamedTensorType>(param.getType());
  if (type.getRank() == 0 || param.getType() != grad.getType() || !type.getElementType().isF32())
    return {};
  StringAttr axis = llvm::cast<StringAttr>(reduce.getAxes()[0]);
  std::optional<unsigned> index = mesh.findAxis(axis.getValue());
  ShardingAttr paramSharding = getSharding(param), gradSharding = getSharding(reduce.getInput());
  if (!index || !paramSharding || !gradSharding)
    return {};
  const int64_t size = mesh.getAxisSize(*index);
  if (size < 2 || type.getDimSizes().front() % size != 0)
    return {};
  // What it pays in: optimizer state memory (Adam's m and v, momentum's velocity), of which
  // each rank keeps 1/size. Its communication costs the same bytes as the all_reduce, but on a
  // node whose MPI moves them slower than the runtime's shared-memory allreduce it costs time.
  const int64_t states = update.getOptimizer() == Optimizer::Adam       ? 2
                         : update.getOptimizer() == Optimizer::Momentum ? 1
                                                                        : 0;
  if (states * (tensorBytes(type) - tensorBytes(type) / size) < minBytes)
    return {};
  if (!paramSharding.getDimAxes(0).empty() || paramSharding.isPartial())
    return {};
  for (unsigned dim = 0; dim < paramSharding.getRank(); ++dim)
    if (llvm::is_contained(paramSharding.getDimAxes(dim), axis))
      return {};
  // The gradient is the parameter's block, partial over the axis only.
  if (gradSharding.getPartialAxes() != ArrayRef<StringAttr>{axis})
    return {};
  for (unsigned dim = 0; dim < paramSharding.getRank(); ++dim)
    if (gradSharding.getDimAxes(dim) != paramSharding.getDimAxes(dim))
      return {};
  return reduce;
}

void shard(ParamUpdateOpInterface update, AllReduceOp reduce, MeshAttr mesh) {
  Operation *op = update;
  StringAttr axis = llvm::cast<StringAttr>(reduce.getAxes()[0]);
  auto type = llvm::cast<NamedTensorType>(reduce.getResult().getType());
  SmallVector<int64_t> sizes(type.getDimSizes());
  sizes.front() /= mesh.getAxisSize(*mesh.findAxis(axis.getValue()));
  ShardingAttr paramSharding = getSharding(update.getParam());
  SmallVector<SmallVector<StringAttr>> dims;
  for (unsigned dim = 0; dim < paramSharding.getRank(); ++dim)
    dims.push_back(paramSharding.getDimAxes(dim));
  dims.front().push_back(axis);

  OpBuilder builder(reduce);
  auto scatter = builder.create<ReduceScatterOp>(
      reduce.getLoc(), type.withSizes(sizes), reduce.getInput(), type.getDimNames().front(), axis);
  setResultShardings(scatter, {ShardingAttr::get(builder.getContext(), dims, {})});
  op->setOperand(1, scatter.getResult());
  op->setAttr("shard_axis", axis);
  reduce.erase();
}

struct ShardUpdatesPass : meshc::impl::ShardUpdatesBase<ShardUpdatesPass> {
  using ShardUpdatesBase::ShardUpdatesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (minBytes < 0) {
      module.emitError() << "min-bytes must be 0 or positive, not "
                         << static_cast<int64_t>(minBytes);
      return signalPassFailure();
    }
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      MeshAttr mesh = getPerRankMesh(func);
      if (!mesh || func.getBody().empty())
        continue;
      SmallVector<std::pair<ParamUpdateOpInterface, AllReduceOp>> chosen;
      for (auto update : func.getBody().front().getOps<ParamUpdateOpInterface>())
        if (AllReduceOp reduce = shardable(update, mesh, minBytes))
          chosen.push_back({update, reduce});
      for (auto [update, reduce] : chosen)
        shard(update, reduce, mesh);
    }
  }
};

} // namespace
