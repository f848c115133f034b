// The Partition pass: global program → per-rank program with explicit collectives.
//
// Every value has a target sharding, the one the global layout gives its type (Sharding.h).
// Ops are rewritten in program order, each on per-rank slices:
//  1. the op's own axis for each of its dims: the layout axis, except the dims its sharding
//     rule needs whole; where two different dims of the op land on one mesh axis (possible
//     only when at least one of them is summed, since no tensor has two dims on an axis), one
//     dim keeps the axis and the operands holding the others are gathered (see resolveConflicts);
//  2. operands are gathered from their target sharding to what the op needs;
//  3. the op is cloned with local types; its result is split as its dims say and partial
//     over the axes of its split summed dims;
//  4. the result is resharded to its target at once (reduce_scatter / all_reduce for partial
//     axes, all_gather / all_slice for dims), so later ops only ever see target shardings and
//     never a partial value.
// Mesh axes of size 1 are treated as replicated: they never need communication.
//
// The partitioned program (what the lowering reads):
//  - the function carries the unit attribute `meshc.partitioned`; module `meshc.mesh` and
//    `meshc.layout` stay;
//  - every type is per rank (split dims divided by their axis size);
//  - meshc.input / meshc.param carry `dim_axes = array<i32: ...>`: per dim, the index of the
//    mesh axis it is split on in `meshc.mesh`, or -1 (also -1 for axes of size 1);
//  - ops whose sharding rule needsDimAxes() carry `dim_axes = {dim = axis : i32, ...}` for
//    the dims split while they run;
//  - collectives, at the location of the op that caused them:
//      meshc.all_reduce %v {axes = ["b", "m"]}            sum over those axes, same type
//      meshc.reduce_scatter %v {axis = "b", dim = "d"}   sum over b, keep this rank's d slice
//      meshc.all_gather %v {axis = "b", dim = "d"}       concatenate the d slices along b
//      meshc.all_slice %v {axis = "b", dim = "d"}        keep this rank's d slice (no comm)
//    a rank's slice along axis b is its mesh coordinate on b (row-major ranks);
//  - sgd_update and output take operands in their target sharding; output's scalar is
//    replicated (summed) on every rank.
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/Sharding.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace meshc {
#define GEN_PASS_DEF_PARTITION
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorTypeOf(Value value) {
  return llvm::dyn_cast<NamedTensorType>(value.getType());
}

class Partitioner {
public:
  Partitioner(MeshLayout layout, MLIRContext *context) : layout(layout), builder(context) {}

  LogicalResult partition(func::FuncOp func);

private:
  /// The layout axis of `dim`, replicated for axes of size 1.
  int axisOf(StringAttr dim) const {
    int axis = layout.axisOf(dim);
    return axis != kReplicated && layout.getAxisSize(axis) == 1 ? kReplicated : axis;
  }
  Sharding target(NamedTensorType global) const {
    Sharding sharding;
    for (StringAttr dim : global.getDimNames())
      sharding.dimAxes.push_back(axisOf(dim));
    return sharding;
  }
  Sharding shardingFor(NamedTensorType global, const llvm::DenseMap<StringAttr, int> &axes) {
    Sharding sharding;
    for (StringAttr dim : global.getDimNames())
      sharding.dimAxes.push_back(axes.lookup(dim));
    return sharding;
  }

  LogicalResult partitionSource(Operation *op);
  LogicalResult partitionRuleOp(Operation *op, ShardingRuleOpInterface rule);
  void resolveConflicts(Operation *op, llvm::DenseMap<StringAttr, int> &axes,
                        const llvm::SmallPtrSetImpl<StringAttr> &summed);
  /// Brings `value` (global type `global`, held as `from`) to `to` with collectives at `loc`.
  Value reshard(Value value, NamedTensorType global, Sharding from, const Sharding &to,
                Location loc);

  MeshLayout layout;
  OpBuilder builder;
  IRMapping mapping; // global value → per-rank value in its target sharding
};

LogicalResult Partitioner::partition(func::FuncOp func) {
  llvm::SmallVector<Operation *> globalOps;
  for (Block &block : func.getBody())
    for (Operation &op : block)
      globalOps.push_back(&op);
  for (Operation *op : globalOps) {
    builder.setInsertionPoint(op);
    LogicalResult done = success();
    if (llvm::isa<InputOp, ParamOp>(op))
      done = partitionSource(op);
    else if (auto rule = llvm::dyn_cast<ShardingRuleOpInterface>(op))
      done = partitionRuleOp(op, rule);
    else if (llvm::any_of(op->getResultTypes(), llvm::IsaPred<NamedTensorType>))
      return op->emitOpError() << "has no sharding rule and cannot be partitioned";
    else
      builder.clone(*op, mapping); // func.return and the like: operands in target sharding
    if (failed(done))
      return failure();
  }
  for (Operation *op : llvm::reverse(globalOps))
    op->erase();
  func->setAttr(kPartitionedAttrName, builder.getUnitAttr());
  return success();
}

LogicalResult Partitioner::partitionSource(Operation *op) {
  Operation *local = builder.clone(*op, mapping);
  auto global = llvm::cast<NamedTensorType>(op->getResult(0).getType());
  Sharding sharding = target(global);
  local->getResult(0).setType(layout.localType(global, sharding));
  local->setAttr("dim_axes", builder.getDenseI32ArrayAttr(llvm::SmallVector<int32_t>(
                                 sharding.dimAxes.begin(), sharding.dimAxes.end())));
  mapping.map(op->getResult(0), local->getResult(0));
  return success();
}

// Two dims of one op on one mesh axis: one keeps the axis, the others are made whole (their
// operands gathered). Candidates are tried by cost in bytes moved per rank: gathering an
// operand moves about its gathered size; keeping a summed dim while a result dim on the same
// axis is made whole leaves a partial result to reduce-scatter, which moves about the
// result's size. Ties keep a result dim (no partial sum), so with comparable sizes the
// operand whose dim is only summed is the one gathered.
void Partitioner::resolveConflicts(Operation *op, llvm::DenseMap<StringAttr, int> &axes,
                                   const llvm::SmallPtrSetImpl<StringAttr> &summed) {
  for (unsigned axis = 0; axis < layout.getNumAxes(); ++axis) {
    // Result dims first so that they win ties.
    llvm::SetVector<StringAttr> dims;
    for (ValueRange values : {ValueRange(op->getResults()), ValueRange(op->getOperands())})
      for (Value value : values)
        if (NamedTensorType type = tensorTypeOf(value))
          for (StringAttr dim : type.getDimNames())
            if (axes.lookup(dim) == int(axis))
              dims.insert(dim);
    if (dims.size() < 2)
      continue;
    auto costOfKeeping = [&](StringAttr kept) {
      int64_t cost = 0;
      for (Value operand : op->getOperands()) {
        NamedTensorType type = tensorTypeOf(operand);
        if (!type || !llvm::any_of(type.getDimNames(), [&](StringAttr dim) {
              return dim != kept && dims.contains(dim);
            }))
          continue;
        cost += layout.localBytes(type, shardingFor(type, axes)) * layout.getAxisSize(axis);
      }
      if (summed.contains(kept))
        for (Value result : op->getResults())
          if (NamedTensorType type = tensorTypeOf(result))
            if (llvm::any_of(type.getDimNames(),
                             [&](StringAttr dim) { return dims.contains(dim); }))
              cost += layout.localBytes(type, shardingFor(type, axes)) * layout.getAxisSize(axis);
      return cost;
    };
    StringAttr best;
    int64_t bestCost = 0;
    for (StringAttr dim : dims) {
      int64_t cost = costOfKeeping(dim);
      if (!best || cost < bestCost)
        best = dim, bestCost = cost;
    }
    for (StringAttr dim : dims)
      if (dim != best)
        axes[dim] = kReplicated;
  }
}

LogicalResult Partitioner::partitionRuleOp(Operation *op, ShardingRuleOpInterface rule) {
  llvm::SmallVector<StringAttr> summedDims = rule.getSummedDims();
  llvm::SmallPtrSet<StringAttr, 4> summed(summedDims.begin(), summedDims.end());
  llvm::SmallVector<StringAttr> wholeDims = rule.getWholeDims();

  // The axis of each of the op's dims while it runs.
  llvm::DenseMap<StringAttr, int> axes;
  for (ValueRange values : {ValueRange(op->getOperands()), ValueRange(op->getResults())})
    for (Value value : values)
      if (NamedTensorType type = tensorTypeOf(value))
        for (StringAttr dim : type.getDimNames())
          axes[dim] = llvm::is_contained(wholeDims, dim) ? kReplicated : axisOf(dim);
  resolveConflicts(op, axes, summed);

  // Operands: from their target sharding to what the op needs.
  IRMapping operands;
  for (Value operand : op->getOperands()) {
    Value local = mapping.lookupOrDefault(operand);
    if (NamedTensorType type = tensorTypeOf(operand))
      local = reshard(local, type, target(type), shardingFor(type, axes), op->getLoc());
    operands.map(operand, local);
  }
  builder.setInsertionPoint(op);
  Operation *local = builder.clone(*op, operands);
  if (rule.needsDimAxes()) {
    llvm::SmallVector<NamedAttribute> split;
    for (auto [dim, axis] : axes)
      if (axis != kReplicated)
        split.push_back(builder.getNamedAttr(dim, builder.getI32IntegerAttr(axis)));
    local->setAttr("dim_axes", builder.getDictionaryAttr(split));
  }

  // Results: as the op leaves them, then to their target.
  llvm::SmallVector<unsigned> partialAxes;
  for (StringAttr dim : summedDims)
    if (int axis = axes.lookup(dim); axis != kReplicated)
      partialAxes.push_back(axis);
  llvm::sort(partialAxes);
  partialAxes.erase(std::unique(partialAxes.begin(), partialAxes.end()), partialAxes.end());
  for (auto [global, result] : llvm::zip(op->getResults(), local->getResults())) {
    NamedTensorType type = tensorTypeOf(global);
    if (!type) {
      mapping.map(global, result);
      continue;
    }
    Sharding produced = shardingFor(type, axes);
    produced.partialAxes = partialAxes;
    result.setType(layout.localType(type, produced));
    mapping.map(global, reshard(result, type, produced, target(type), op->getLoc()));
  }
  return success();
}

Value Partitioner::reshard(Value value, NamedTensorType global, Sharding from,
                           const Sharding &to, Location loc) {
  assert(!to.isPartial() && "targets are never partial");
  MLIRContext *context = builder.getContext();
  auto axisName = [&](int axis) { return layout.getAxisName(axis); };
  auto localType = [&] { return layout.localType(global, from); };

  // Pending sums: reduce-scatter where the target splits a whole dim on that axis, and one
  // all_reduce over all the remaining axes.
  llvm::SmallVector<Attribute> allReduceAxes;
  for (unsigned axis : from.partialAxes) {
    std::optional<unsigned> scatterDim;
    if (!llvm::is_contained(from.dimAxes, int(axis)))
      for (unsigned i = 0; i < global.getRank(); ++i)
        if (to.dimAxes[i] == int(axis) && from.dimAxes[i] == kReplicated) {
          scatterDim = i;
          break;
        }
    if (!scatterDim) {
      allReduceAxes.push_back(axisName(axis));
      continue;
    }
    from.dimAxes[*scatterDim] = axis;
    value = builder.create<ReduceScatterOp>(loc, localType(), value,
                                            global.getDimNames()[*scatterDim], axisName(axis));
  }
  from.partialAxes.clear();
  if (!allReduceAxes.empty())
    value = builder.create<AllReduceOp>(loc, localType(), value,
                                        ArrayAttr::get(context, allReduceAxes));

  // Dims: gather first, so that no intermediate puts two dims on one axis; then slice.
  for (unsigned i = 0; i < global.getRank(); ++i)
    if (from.dimAxes[i] != kReplicated && from.dimAxes[i] != to.dimAxes[i]) {
      int axis = from.dimAxes[i];
      from.dimAxes[i] = kReplicated;
      value = builder.create<AllGatherOp>(loc, localType(), value, global.getDimNames()[i],
                                          axisName(axis));
    }
  for (unsigned i = 0; i < global.getRank(); ++i)
    if (to.dimAxes[i] != kReplicated && from.dimAxes[i] == kReplicated) {
      from.dimAxes[i] = to.dimAxes[i];
      value = builder.create<AllSliceOp>(loc, localType(), value, global.getDimNames()[i],
                                         axisName(to.dimAxes[i]));
    }
  return value;
}

struct PartitionPass : meshc::impl::PartitionBase<PartitionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<MeshLayout> layout = MeshLayout::fromModule(module);
    if (!layout) {
      module.emitError("program has no mesh; pass --mesh or set one in the model");
      return signalPassFailure();
    }
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (!func->hasAttr(kPartitionedAttrName) &&
          failed(Partitioner(*layout, &getContext()).partition(func)))
        return signalPassFailure();
  }
};

} // namespace
