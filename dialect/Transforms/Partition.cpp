// The Partition pass: global program → per-rank program with explicit collectives.
//
// Every value has a target sharding, the one the global layout gives its type (Sharding.h).
// Ops are rewritten in program order, each on per-rank slices:
//  1. the op's own axis for each of its dims: the layout axis, except the dims its sharding
//     rule needs whole; where two different dims of the op land on one mesh axis (possible
//     only when at least one of them is summed, since no tensor has two dims on an axis), one
//     dim keeps the axis and the operands holding the others are gathered (see resolveConflicts);
//  2. operands are brought from how they are held to what the op needs;
//  3. the op is cloned with local types; its result is split as its dims say and partial
//     over the axes of its split summed dims;
//  4. the result is resharded to its target at once, so later ops only ever see target
//     shardings and never a partial value; except a partial sum whose one use is a linear op
//     (add, sub, scale): it is held partial, and if all that op's tensor operands are partial
//     over the same axes (dims split alike), the op runs on them and its result is partial
//     (held likewise, or resharded to its target); otherwise the op resolves its operands.
// A value's target is the layout's sharding of its type. The result of meshc.relayout is held
// in the override's sharding, and so is the result of an elementwise op (no summed or whole
// dims, with results) of an operand held in an override: it runs in the override (each dim
// as the first such operand holds it, other dims on their layout axis where free), so a chain
// after a relayout stays there; ops that need another sharding (contractions, parameter
// updates, outputs) reshard it. A value whose one use is a relayout is left as its op
// produced it (an input: read in the override's sharding), so that the relayout reshards it
// once. Ops that rename dims (getDimRenames) run on their operand as it
// is held: a result dim is produced split the way its operand dim was, then resharded.
// Every resharding is the cheapest plan of MeshLayout::planReshard (local slice, all_gather,
// all_to_all, reduce_scatter, all_reduce; bytes received per rank).
// Mesh axes of size 1 are treated as replicated: they never need communication.
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
//    meshc.relayout is gone: its result is the resharded value itself.
//    a rank's slice along axis b is its mesh coordinate on b (row-major ranks);
//  - sgd_update and output take operands in their target sharding; output's scalar is
//    replicated (summed) on every rank;
//  - meshc.clip_global_norm takes each gradient in its target sharding (complete: after the
//    all_reduce of its partial sums), leaves each result in that sharding, and carries
//    `replicas = array<i64: ...>`: per gradient, the product of the sizes of the mesh axes
//    none of its dims is split on (the ranks holding identical copies of a block).
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/Limits.h"

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
  /// Where the per-rank value of `global` (in `mapping`) is held.
  Sharding heldOf(Value global) const {
    if (auto it = held.find(global); it != held.end())
      return it->second;
    return target(tensorTypeOf(global));
  }
  /// A value whose only use is a relayout: held as produced, the relayout reshards it.
  static bool feedsOneRelayout(Value global) {
    return global.hasOneUse() && llvm::isa<RelayoutOp>(*global.getUsers().begin());
  }
  /// Ops linear in each operand: on partial sums over the same axes they leave a partial sum
  /// over those axes (sum_r a_r + sum_r b_r = sum_r (a_r + b_r)).
  static bool isLinear(Operation *op) { return llvm::isa<AddOp, SubOp, ScaleOp>(op); }
  /// A partial value whose only use is a linear op: held partial, so that the linear op may
  /// carry the sum and one collective resolves it where a consumer needs it complete.
  static bool feedsOneLinearOp(Value global, const Sharding &produced) {
    return produced.isPartial() && global.hasOneUse() && isLinear(*global.getUsers().begin());
  }
  /// The sharding a linear op carries its operands' partial sums in: each of its dims split as
  /// in the operands, partial over their axes; none unless every tensor operand is held
  /// partial over the same axes with each dim split the same way in all of them.
  std::optional<Sharding> carriedPartial(Operation *op) const;
  Sharding shardingFor(NamedTensorType global, const llvm::DenseMap<StringAttr, int> &axes) {
    Sharding sharding;
    for (StringAttr dim : global.getDimNames())
      sharding.dimAxes.push_back(axes.lookup(dim));
    return sharding;
  }

  LogicalResult partitionSource(Operation *op);
  LogicalResult partitionRuleOp(Operation *op, ShardingRuleOpInterface rule);
  /// The axes an elementwise op (no summed or whole dims) runs on when an operand is held in
  /// an override: each dim as the first overridden operand holding it has it, other dims on
  /// their layout axis unless an override took that axis. None when no operand is overridden.
  std::optional<llvm::DenseMap<StringAttr, int>> overrideAxes(Operation *op,
                                                              ShardingRuleOpInterface rule) const;
  /// Operands of an op without tensor results and sharding rule (output, return...) in their
  /// target sharding.
  LogicalResult partitionSink(Operation *op);
  LogicalResult partitionRenameOp(Operation *op, ShardingRuleOpInterface rule);
  LogicalResult partitionRelayout(RelayoutOp op);
  LogicalResult partitionClip(ClipGlobalNormOp op);
  /// Maps `global` to its per-rank `local` value, produced as `produced`: resharded to its
  /// target now, or left as produced when a relayout is its one use.
  /// With `keep` (an op run in an override), held as produced: its consumers reshard it.
  LogicalResult mapResult(Value global, Value local, const Sharding &produced, Location loc,
                          bool keep = false);
  /// Types the results of the per-rank `local` (a clone of `op`) as `produced` (one per result;
  /// none when `op` has no tensor results), records the shardings and maps each result.
  LogicalResult mapResults(Operation *op, Operation *local, llvm::ArrayRef<Sharding> produced,
                           bool keep = false);
  /// Sets `meshc.sharding` on the per-rank op `local`: one sharding per result.
  void annotate(Operation *local, llvm::ArrayRef<Sharding> shardings) {
    llvm::SmallVector<ShardingAttr> attrs;
    for (const Sharding &sharding : shardings)
      attrs.push_back(toShardingAttr(sharding, layout.getMesh()));
    setResultShardings(local, attrs);
  }
  void resolveConflicts(Operation *op, llvm::DenseMap<StringAttr, int> &axes,
                        const llvm::SmallPtrSetImpl<StringAttr> &summed);
  /// Brings `value` (global type `global`, held as `from`) to `to` with collectives at `loc`;
  /// null (after an error at `loc`) when no plan reaches `to`.
  Value reshard(Value value, NamedTensorType global, const Sharding &from, const Sharding &to,
                Location loc);

  MeshLayout layout;
  OpBuilder builder;
  IRMapping mapping;                    // global value → per-rank value, held as heldOf says
  llvm::DenseMap<Value, Sharding> held; // values not held in their target sharding
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
    else if (auto relayout = llvm::dyn_cast<RelayoutOp>(op))
      done = partitionRelayout(relayout);
    else if (auto clip = llvm::dyn_cast<ClipGlobalNormOp>(op))
      done = partitionClip(clip);
    else if (auto rule = llvm::dyn_cast<ShardingRuleOpInterface>(op);
             rule && !rule.getDimRenames().empty())
      done = partitionRenameOp(op, rule);
    else if (auto rule = llvm::dyn_cast<ShardingRuleOpInterface>(op))
      done = partitionRuleOp(op, rule);
    else if (llvm::any_of(op->getResultTypes(), llvm::IsaPred<NamedTensorType>))
      return op->emitOpError() << "has no sharding rule and cannot be partitioned";
    else
      done = partitionSink(op);
    if (failed(done))
      return failure();
  }
  for (Operation *op : llvm::reverse(globalOps))
    op->erase();
  setPerRank(func, layout.getMesh());
  return success();
}

LogicalResult Partitioner::partitionSource(Operation *op) {
  Operation *local = builder.clone(*op, mapping);
  auto global = llvm::cast<NamedTensorType>(op->getResult(0).getType());
  Sharding sharding = target(global);
  // An input read only by a relayout is read in the override's sharding: no collective.
  if (llvm::isa<InputOp>(op) && feedsOneRelayout(op->getResult(0))) {
    auto relayout = llvm::cast<RelayoutOp>(*op->getResult(0).getUsers().begin());
    sharding = layout.shardingOf(global, relayout.getLayout());
    held[op->getResult(0)] = sharding;
  }
  local->getResult(0).setType(layout.localType(global, sharding));
  annotate(local, {sharding});
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
        cost = saturatingAdd(cost, saturatingMul(layout.localBytes(type, shardingFor(type, axes)),
                                                 layout.getAxisSize(axis)));
      }
      if (summed.contains(kept))
        for (Value result : op->getResults())
          if (NamedTensorType type = tensorTypeOf(result))
            if (llvm::any_of(type.getDimNames(),
                             [&](StringAttr dim) { return dims.contains(dim); }))
              cost = saturatingAdd(cost,
                                   saturatingMul(layout.localBytes(type, shardingFor(type, axes)),
                                                 layout.getAxisSize(axis)));
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

std::optional<Sharding> Partitioner::carriedPartial(Operation *op) const {
  if (!isLinear(op) || op->getNumResults() != 1)
    return std::nullopt;
  llvm::DenseMap<StringAttr, int> axes;
  std::optional<llvm::SmallVector<unsigned>> partial;
  for (Value operand : op->getOperands()) {
    NamedTensorType type = tensorTypeOf(operand);
    if (!type)
      continue;
    Sharding from = heldOf(operand);
    llvm::SmallVector<unsigned> sorted(from.partialAxes);
    llvm::sort(sorted);
    if (sorted.empty() || (partial && *partial != sorted))
      return std::nullopt;
    partial = sorted;
    for (auto [dim, axis] : llvm::zip(type.getDimNames(), from.dimAxes))
      if (auto [it, inserted] = axes.try_emplace(dim, axis); !inserted && it->second != axis)
        return std::nullopt;
  }
  NamedTensorType result = tensorTypeOf(op->getResult(0));
  if (!partial || !result)
    return std::nullopt;
  Sharding carried;
  for (StringAttr dim : result.getDimNames()) {
    auto it = axes.find(dim);
    if (it == axes.end()) // a dim no operand has: not elementwise
      return std::nullopt;
    carried.dimAxes.push_back(it->second);
  }
  carried.partialAxes = *partial;
  return carried;
}

LogicalResult Partitioner::partitionRuleOp(Operation *op, ShardingRuleOpInterface rule) {
  // A linear op of partial sums over the same axes runs on them as held: its result is the
  // partial sum of its results, resolved once where a consumer needs it complete.
  if (std::optional<Sharding> carried = carriedPartial(op)) {
    Operation *local = builder.clone(*op, mapping);
    return mapResults(op, local, {*carried});
  }

  llvm::SmallVector<StringAttr> summedDims = rule.getSummedDims();
  llvm::SmallPtrSet<StringAttr, 4> summed(summedDims.begin(), summedDims.end());
  llvm::SmallVector<StringAttr> wholeDims = rule.getWholeDims();

  // The axis of each of the op's dims while it runs: an elementwise op of an overridden
  // value runs in the override and leaves its result there (its consumers reshard it).
  std::optional<llvm::DenseMap<StringAttr, int>> overridden = overrideAxes(op, rule);
  llvm::DenseMap<StringAttr, int> axes;
  if (overridden) {
    axes = std::move(*overridden);
  } else {
    for (ValueRange values : {ValueRange(op->getOperands()), ValueRange(op->getResults())})
      for (Value value : values)
        if (NamedTensorType type = tensorTypeOf(value))
          for (StringAttr dim : type.getDimNames())
            axes[dim] = llvm::is_contained(wholeDims, dim) ? kReplicated : axisOf(dim);
    resolveConflicts(op, axes, summed);
  }

  // Operands: from their target sharding to what the op needs.
  IRMapping operands;
  for (Value operand : op->getOperands()) {
    Value local = mapping.lookupOrDefault(operand);
    if (NamedTensorType type = tensorTypeOf(operand))
      local = reshard(local, type, heldOf(operand), shardingFor(type, axes), op->getLoc());
    if (!local)
      return failure();
    operands.map(operand, local);
  }
  builder.setInsertionPoint(op);
  Operation *local = builder.clone(*op, operands);

  // Results: as the op leaves them, then to their target.
  llvm::SmallVector<unsigned> partialAxes;
  for (StringAttr dim : summedDims)
    if (int axis = axes.lookup(dim); axis != kReplicated)
      partialAxes.push_back(axis);
  llvm::sort(partialAxes);
  partialAxes.erase(std::unique(partialAxes.begin(), partialAxes.end()), partialAxes.end());
  llvm::SmallVector<Sharding> shardings;
  for (Value result : op->getResults())
    if (NamedTensorType type = tensorTypeOf(result)) {
      shardings.push_back(shardingFor(type, axes));
      shardings.back().partialAxes = partialAxes;
    }
  return mapResults(op, local, shardings, /*keep=*/overridden.has_value());
}

std::optional<llvm::DenseMap<StringAttr, int>>
Partitioner::overrideAxes(Operation *op, ShardingRuleOpInterface rule) const {
  // Ops without results (parameter updates) take their operands in the layout's sharding.
  if (!rule.getSummedDims().empty() || !rule.getWholeDims().empty() || op->getNumResults() == 0)
    return std::nullopt;
  llvm::DenseMap<StringAttr, int> axes;
  llvm::SmallVector<bool> axisTaken(layout.getNumAxes(), false);
  // The first placement of a dim wins; an axis already taken leaves the dim replicated.
  auto place = [&](StringAttr dim, int axis) {
    if (axes.count(dim))
      return;
    if (axis != kReplicated && axisTaken[axis])
      axis = kReplicated;
    axes[dim] = axis;
    if (axis != kReplicated)
      axisTaken[axis] = true;
  };
  bool any = false;
  for (Value operand : op->getOperands()) {
    NamedTensorType type = tensorTypeOf(operand);
    auto it = type ? held.find(operand) : held.end();
    if (it == held.end() || it->second.isPartial() || it->second == target(type))
      continue;
    any = true;
    for (auto [dim, axis] : llvm::zip(type.getDimNames(), it->second.dimAxes))
      place(dim, axis);
  }
  if (!any)
    return std::nullopt;
  for (ValueRange values : {ValueRange(op->getOperands()), ValueRange(op->getResults())})
    for (Value value : values)
      if (NamedTensorType type = tensorTypeOf(value))
        for (StringAttr dim : type.getDimNames())
          place(dim, axisOf(dim));
  return axes;
}

LogicalResult Partitioner::partitionSink(Operation *op) {
  IRMapping operands;
  for (Value operand : op->getOperands()) {
    Value local = mapping.lookupOrDefault(operand);
    if (NamedTensorType type = tensorTypeOf(operand))
      local = reshard(local, type, heldOf(operand), target(type), op->getLoc());
    if (!local)
      return failure();
    operands.map(operand, local);
  }
  builder.clone(*op, operands);
  return success();
}

LogicalResult Partitioner::mapResults(Operation *op, Operation *local,
                                      llvm::ArrayRef<Sharding> produced, bool keep) {
  if (produced.empty()) { // no tensor results (func.return and the like)
    for (auto [global, result] : llvm::zip(op->getResults(), local->getResults()))
      mapping.map(global, result);
    return success();
  }
  assert(produced.size() == op->getNumResults() && "ops with tensor results have only those");
  annotate(local, produced);
  for (auto [global, result, sharding] :
       llvm::zip(op->getResults(), local->getResults(), produced)) {
    result.setType(layout.localType(tensorTypeOf(global), sharding));
    if (failed(mapResult(global, result, sharding, op->getLoc(), keep)))
      return failure();
  }
  return success();
}

LogicalResult Partitioner::mapResult(Value global, Value local, const Sharding &produced,
                                     Location loc, bool keep) {
  NamedTensorType type = tensorTypeOf(global);
  if (feedsOneRelayout(global) || feedsOneLinearOp(global, produced) ||
      (keep && !produced.isPartial() && !(produced == target(type)))) {
    held[global] = produced;
    mapping.map(global, local);
    return success();
  }
  Value resharded = reshard(local, type, produced, target(type), loc);
  if (!resharded)
    return failure();
  mapping.map(global, resharded);
  return success();
}

LogicalResult Partitioner::partitionRelayout(RelayoutOp op) {
  Value input = op.getInput();
  NamedTensorType type = tensorTypeOf(input);
  Sharding override = layout.shardingOf(type, op.getLayout());
  Value local = reshard(mapping.lookup(input), type, heldOf(input), override, op.getLoc());
  if (!local)
    return failure();
  held[op.getResult()] = override;
  mapping.map(op.getResult(), local);
  return success();
}

// Every gradient in its target sharding, each result the same; the norm is the runtime's
// (one all-reduce over every rank), which needs to know how many ranks hold each block.
LogicalResult Partitioner::partitionClip(ClipGlobalNormOp op) {
  IRMapping operands;
  llvm::SmallVector<int64_t> replicas;
  llvm::SmallVector<Sharding> shardings;
  for (Value grad : op.getGrads()) {
    NamedTensorType type = tensorTypeOf(grad);
    Sharding sharding = shardings.emplace_back(target(type));
    Value local = reshard(mapping.lookup(grad), type, heldOf(grad), sharding, op.getLoc());
    if (!local)
      return failure();
    operands.map(grad, local);
    int64_t copies = 1;
    for (unsigned axis = 0; axis < layout.getNumAxes(); ++axis)
      if (!llvm::is_contained(sharding.dimAxes, int(axis)))
        copies *= layout.getAxisSize(axis);
    replicas.push_back(copies);
  }
  builder.setInsertionPoint(op);
  Operation *local = builder.clone(*op, operands);
  local->setAttr("replicas", builder.getDenseI64ArrayAttr(replicas));
  annotate(local, shardings);
  for (auto [global, result] : llvm::zip(op.getResults(), local->getResults())) {
    result.setType(operands.lookup(op.getGrads()[result.getResultNumber()]).getType());
    mapping.map(global, result);
  }
  return success();
}

// Rename-like ops run on their operands as they are held (minus their whole dims): a result
// dim renamed from an operand dim is produced on that dim's axis, a result dim that keeps an
// operand dim's name (and is not whole) keeps its axis, any other result dim is whole. The
// result is then resharded to its target like any other (so a rename that moves the split
// dim to a dim the layout puts elsewhere is an all_to_all, gather or slice).
LogicalResult Partitioner::partitionRenameOp(Operation *op, ShardingRuleOpInterface rule) {
  llvm::SmallVector<StringAttr> wholeDims = rule.getWholeDims();
  llvm::DenseMap<StringAttr, StringAttr> renamedFrom; // result dim → operand dim
  llvm::SmallPtrSet<StringAttr, 4> renamedAway;
  for (auto [from, to] : rule.getDimRenames()) {
    renamedFrom[to] = from;
    renamedAway.insert(from);
  }
  llvm::DenseMap<StringAttr, int> operandAxes;
  IRMapping operands;
  for (Value operand : op->getOperands()) {
    Value local = mapping.lookupOrDefault(operand);
    if (NamedTensorType type = tensorTypeOf(operand)) {
      Sharding from = heldOf(operand), wanted = from;
      wanted.partialAxes.clear();
      for (auto [dim, axis] : llvm::zip(type.getDimNames(), wanted.dimAxes)) {
        if (llvm::is_contained(wholeDims, dim))
          axis = kReplicated;
        operandAxes[dim] = axis;
      }
      local = reshard(local, type, from, wanted, op->getLoc());
      if (!local)
        return failure();
    }
    operands.map(operand, local);
  }
  builder.setInsertionPoint(op);
  Operation *local = builder.clone(*op, operands);
  llvm::SmallVector<Sharding> shardings;
  for (Value global : op->getResults()) {
    NamedTensorType type = tensorTypeOf(global);
    if (!type)
      continue;
    Sharding &produced = shardings.emplace_back();
    llvm::SmallVector<bool> axisUsed(layout.getNumAxes(), false);
    for (StringAttr dim : type.getDimNames()) {
      int axis = kReplicated;
      if (StringAttr source = renamedFrom.lookup(dim))
        axis = operandAxes.lookup(source);
      else if (!renamedAway.contains(dim) && !llvm::is_contained(wholeDims, dim) &&
               operandAxes.count(dim))
        axis = operandAxes.lookup(dim);
      if (axis != kReplicated && axisUsed[axis])
        axis = kReplicated;
      if (axis != kReplicated)
        axisUsed[axis] = true;
      produced.dimAxes.push_back(axis);
    }
  }
  return mapResults(op, local, shardings);
}

Value Partitioner::reshard(Value value, NamedTensorType global, const Sharding &from,
                           const Sharding &to, Location loc) {
  assert(!to.isPartial() && "targets are never partial");
  std::optional<ReshardPlan> plan = layout.planReshard(global, from, to);
  if (!plan) {
    emitError(loc) << "cannot reshard " << global << " to its layout: it is partial over an "
                   << "axis that also splits one of its dims";
    return nullptr;
  }
  MLIRContext *context = builder.getContext();
  auto axisName = [&](int axis) { return layout.getAxisName(axis); };
  auto dimName = [&](unsigned dim) { return global.getDimNames()[dim]; };
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
    annotate(value.getDefiningOp(), {state});
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
      if (!isPerRank(func) && failed(Partitioner(*layout, &getContext()).partition(func)))
        return signalPassFailure();
  }
};

} // namespace
