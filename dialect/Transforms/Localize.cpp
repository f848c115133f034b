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
//  - softmax_xent and softmax_xent_grad over a split class dim are replaced by local ops and
//    all_reduce_max / all_reduce of rows (LocalizeXent.cpp);
//  - sgd_update and output take operands in their target sharding; output's scalar is
//    replicated (summed) on every rank;
//  - meshc.clip_global_norm takes each gradient in its target sharding (complete: after the
//    all_reduce of its partial sums), leaves each result in that sharding, and carries
//    `replicas = array<i64: ...>`: per gradient, the product of the sizes of the mesh axes
//    none of its dims is split on (the ranks holding identical copies of a block).
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/Sharding.h"
#include "dialect/Transforms/LocalizeXent.h"

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
  /// A window op on split spatial dims: halo exchanges of its input-space operands before it,
  /// no padding on those dims, and for a scatter-form result the halo's gradient sent back.
  void localizeWindows(WindowOpInterface op);
  /// A split window dim of a window op: its mesh axis and halo rows before and after a block.
  struct Split {
    StringAttr dim, axis;
    int64_t lo, hi;
  };
  void returnHaloRows(OpResult result, llvm::ArrayRef<Split> splits);
  /// `value`'s type and sharding with `split`'s halo rows added.
  static std::pair<NamedTensorType, ShardingAttr> widen(Value value, const Split &split) {
    auto type = llvm::cast<NamedTensorType>(value.getType());
    unsigned dim = *type.findDim(split.dim.getValue());
    llvm::SmallVector<int64_t> sizes(type.getDimSizes());
    sizes[dim] += split.lo + split.hi;
    return {type.withSizes(sizes), getSharding(value).withDimHalo(dim, split.lo, split.hi)};
  }

  MeshLayout layout;
  OpBuilder builder;
  XentExpander xent{layout, builder};
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
    if (xent.expand(op)) // softmax cross-entropy over a split class dim
      continue;
    if (auto clip = llvm::dyn_cast<ClipGlobalNormOp>(op))
      setReplicas(clip);
    if (auto window = llvm::dyn_cast<WindowOpInterface>(op))
      localizeWindows(window);
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

// Each split window in turn (so that a 2-D split exchanges the corners through the first
// exchange's halo rows).
void Localizer::localizeWindows(WindowOpInterface op) {
  Operation *operation = op.getOperation();
  llvm::SmallVector<unsigned> inputs = op.getInputSpaceOperands();
  bool scatter = op.hasInputSpaceResult();
  // The value indexed by the input spatial dims whose sharding says where they are split.
  Value reference = !inputs.empty() ? operation->getOperand(inputs.front())
                                    : (scatter ? operation->getResult(0) : Value());
  if (!reference)
    return;
  auto referenceType = llvm::cast<NamedTensorType>(reference.getType());
  ShardingAttr referenceSharding = getSharding(reference);
  llvm::SmallVector<Split> splits;
  for (auto [index, window] : llvm::enumerate(op.getWindows())) {
    llvm::SmallVector<StringAttr> axes =
        referenceSharding.getDimAxes(*referenceType.findDim(window.input.getValue()));
    if (axes.empty())
      continue;
    // Split: the neighbours' rows replace the padding (beyond the global edges, the exchange
    // fills them as the padding would); a window within its stride needs none.
    op.setWindowPadding(index, 0, 0);
    if (window.haloLo() + window.haloHi() > 0)
      splits.push_back({window.input, axes.front(), window.haloLo(), window.haloHi()});
  }
  builder.setInsertionPoint(operation);
  double fill = op.getHaloFill();
  for (unsigned index : inputs)
    for (const Split &split : splits) {
      Value operand = operation->getOperand(index);
      auto [type, sharding] = widen(operand, split);
      auto exchange = builder.create<HaloExchangeOp>(
          operation->getLoc(), type, operand, split.dim, split.axis,
          builder.getI64IntegerAttr(split.lo), builder.getI64IntegerAttr(split.hi),
          builder.getF64FloatAttr(fill));
      setResultShardings(exchange, {sharding});
      operation->setOperand(index, exchange);
    }
  if (scatter)
    returnHaloRows(operation->getResult(0), splits);
}

// The scatter form's result: widened by every split's halo rows, which then go back to their
// owners in the reverse order of the exchanges; its consumers read the block.
void Localizer::returnHaloRows(OpResult result, llvm::ArrayRef<Split> splits) {
  if (splits.empty())
    return;
  Operation *operation = result.getOwner();
  ShardingAttr block = getSharding(result);
  NamedTensorType blockType = llvm::cast<NamedTensorType>(result.getType());
  for (const Split &split : splits) {
    auto [type, sharding] = widen(result, split);
    result.setType(type);
    setResultShardings(operation, {sharding});
  }
  llvm::SmallVector<OpOperand *> consumers;
  for (OpOperand &use : result.getUses())
    consumers.push_back(&use);
  builder.setInsertionPointAfter(operation);
  Value value = result;
  for (const Split &split : llvm::reverse(splits)) {
    auto type = llvm::cast<NamedTensorType>(value.getType());
    unsigned dim = *type.findDim(split.dim.getValue());
    llvm::SmallVector<int64_t> sizes(type.getDimSizes());
    sizes[dim] -= split.lo + split.hi;
    auto grad = builder.create<HaloExchangeGradOp>(
        operation->getLoc(), type.withSizes(sizes), value, split.dim, split.axis,
        builder.getI64IntegerAttr(split.lo), builder.getI64IntegerAttr(split.hi));
    setResultShardings(grad, {getSharding(value).withDimHalo(dim, 0, 0)});
    value = grad;
  }
  assert(value.getType() == blockType && getSharding(value) == block && "halo rows all returned");
  (void)blockType;
  (void)block;
  for (OpOperand *use : consumers)
    use->set(value);
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
