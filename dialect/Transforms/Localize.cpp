// meshc-localize: the resharded global program (meshc-insert-reshards) → the per-rank program.
//
// Each value is held as its defining op's `meshc.sharding` says, and each op takes its operands
// as held. So, in program order: each result takes its local type (split dims divided by their
// axis sizes); each meshc.reshard becomes the cheapest collectives of MeshLayout::planReshard,
// chosen from its two shardings alone; meshc.relayout is its operand.
//
// The per-rank program (what the lowering reads; dialect/IR/PerRankVerifier.cpp checks it):
//  - the function carries `meshc.per_rank = #meshc.mesh<...>`; module `meshc.mesh` and
//    `meshc.layout` stay;
//  - every type is per rank (split dims divided by their axis size);
//  - every op with tensor results carries `meshc.sharding = [#meshc.sharding<...>, ...]`,
//    one per result: the mesh axis of each dim (none for axes of size 1) and the axes it is
//    a partial sum over; an op's dims are split while it runs as its operands and results say;
//  - collectives, at the location of the op that caused them:
//      meshc.all_reduce %v {axes = ["b", "m"]}            sum over those axes, same type
//      meshc.reduce_scatter %v {axis = "b", dim = "d"}   sum over b, keep this rank's d slice
//      meshc.all_gather %v {axis = "b", dim = "d"}       concatenate the d slices along b
//      meshc.all_slice %v {axis = "b", dim = "d"}        keep this rank's d slice (no comm)
//      meshc.all_to_all %v {axis = "b", split_dim = "s", concat_dim = "d"}
//                                                        d leaves axis b for s: each rank
//                                                        sends its s slices, gathers d
//    a rank's slice along axis b is its mesh coordinate on b (row-major ranks);
//  - no meshc.relayout or meshc.reshard;
//  - sgd_update and output take operands in their target sharding; output's scalar is
//    replicated (summed) on every rank;
//  - meshc.clip_global_norm takes each gradient in its target sharding (complete: after the
//    all_reduce of its partial sums), leaves each result in that sharding, and carries
//    `replicas = array<i64: ...>`: per gradient, the product of the sizes of the mesh axes
//    none of its dims is split on (the ranks holding identical copies of a block).
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/Sharding.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace meshc {
#define GEN_PASS_DEF_LOCALIZE
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

class Localizer {
public:
  Localizer(MeshLayout layout, MLIRContext *context) : layout(layout), builder(context) {}

  LogicalResult localize(func::FuncOp func);

private:
  /// Sets the local type of each result of `op` from its `meshc.sharding`.
  LogicalResult localizeResults(Operation *op);
  /// The collectives that perform `op`, replacing it.
  LogicalResult expandReshard(ReshardOp op);
  /// Per gradient of `op`: how many ranks hold each of its blocks.
  void setReplicas(ClipGlobalNormOp op);

  MeshLayout layout;
  OpBuilder builder;
};

LogicalResult Localizer::localize(func::FuncOp func) {
  llvm::SmallVector<Operation *> ops;
  for (Block &block : func.getBody())
    for (Operation &op : block)
      ops.push_back(&op);
  for (Operation *op : ops) {
    if (auto reshard = llvm::dyn_cast<ReshardOp>(op)) {
      if (failed(expandReshard(reshard)))
        return failure();
      continue;
    }
    if (auto relayout = llvm::dyn_cast<RelayoutOp>(op)) {
      relayout.getResult().replaceAllUsesWith(relayout.getInput());
      relayout->erase();
      continue;
    }
    if (failed(localizeResults(op)))
      return failure();
    if (auto clip = llvm::dyn_cast<ClipGlobalNormOp>(op))
      setReplicas(clip);
  }
  setPerRank(func, layout.getMesh());
  return success();
}

LogicalResult Localizer::localizeResults(Operation *op) {
  for (OpResult result : op->getResults()) {
    auto global = llvm::dyn_cast<NamedTensorType>(result.getType());
    if (!global)
      continue;
    ShardingAttr sharding = getSharding(result);
    if (!sharding)
      return op->emitOpError() << "result #" << result.getResultNumber()
                               << " has no sharding (run meshc-propagate-shardings first)";
    result.setType(layout.localType(global, fromShardingAttr(sharding, layout.getMesh())));
  }
  return success();
}

void Localizer::setReplicas(ClipGlobalNormOp op) {
  llvm::SmallVector<int64_t> replicas;
  for (Value result : op.getResults()) {
    Sharding sharding = fromShardingAttr(getSharding(result), layout.getMesh());
    int64_t copies = 1;
    for (unsigned axis = 0; axis < layout.getNumAxes(); ++axis)
      if (!llvm::is_contained(sharding.dimAxes, int(axis)))
        copies *= layout.getAxisSize(axis);
    replicas.push_back(copies);
  }
  op->setAttr("replicas", builder.getDenseI64ArrayAttr(replicas));
}

LogicalResult Localizer::expandReshard(ReshardOp op) {
  auto global = llvm::cast<NamedTensorType>(op.getType());
  MeshAttr mesh = layout.getMesh();
  Sharding from = fromShardingAttr(op.getFrom(), mesh);
  Sharding to = fromShardingAttr(op.getTo(), mesh);
  std::optional<ReshardPlan> plan = layout.planReshard(global, from, to);
  if (!plan)
    return mlir::emitError(op.getLoc())
           << "cannot reshard " << global << " from " << op.getFrom() << " to " << op.getTo()
           << ": no collectives reach it (a dim split over an axis that does not divide it, or "
              "a sum pending over an axis that splits a dim)";
  Location loc = op.getLoc();
  MLIRContext *context = builder.getContext();
  auto axisName = [&](int axis) { return layout.getAxisName(axis); };
  auto dimName = [&](unsigned dim) { return global.getDimNames()[dim]; };
  builder.setInsertionPoint(op);
  Value value = op.getInput();
  Sharding state = from;
  for (const ReshardStep &step : plan->steps) {
    switch (step.kind) {
    case ReshardStep::Kind::AllReduce: {
      llvm::SmallVector<Attribute> axes;
      for (unsigned axis : step.axes) {
        axes.push_back(axisName(axis));
        llvm::erase(state.partialAxes, axis);
      }
      value = builder.create<AllReduceOp>(loc, layout.localType(global, state), value,
                                          ArrayAttr::get(context, axes));
      break;
    }
    case ReshardStep::Kind::ReduceScatter:
      llvm::erase(state.partialAxes, unsigned(step.axis));
      state.dimAxes[step.dim] = step.axis;
      value = builder.create<ReduceScatterOp>(loc, layout.localType(global, state), value,
                                              dimName(step.dim), axisName(step.axis));
      break;
    case ReshardStep::Kind::AllGather:
      state.dimAxes[step.dim] = kReplicated;
      value = builder.create<AllGatherOp>(loc, layout.localType(global, state), value,
                                          dimName(step.dim), axisName(step.axis));
      break;
    case ReshardStep::Kind::AllSlice:
      state.dimAxes[step.dim] = step.axis;
      value = builder.create<AllSliceOp>(loc, layout.localType(global, state), value,
                                         dimName(step.dim), axisName(step.axis));
      break;
    case ReshardStep::Kind::AllToAll:
      state.dimAxes[step.concatDim] = kReplicated;
      state.dimAxes[step.dim] = step.axis;
      value =
          builder.create<AllToAllOp>(loc, layout.localType(global, state), value, dimName(step.dim),
                                     dimName(step.concatDim), axisName(step.axis));
      break;
    }
    setResultShardings(value.getDefiningOp(), {toShardingAttr(state, mesh)});
  }
  op.getResult().replaceAllUsesWith(value);
  op->erase();
  return success();
}

struct LocalizePass : meshc::impl::LocalizeBase<LocalizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<MeshLayout> layout = MeshLayout::fromModule(module);
    if (!layout) {
      module.emitError("program has no mesh; pass --mesh or set one in the model");
      return signalPassFailure();
    }
    for (auto func : module.getOps<func::FuncOp>())
      if (!isPerRank(func) && failed(Localizer(*layout, &getContext()).localize(func)))
        return signalPassFailure();
  }
};

} // namespace
