// meshc-propagate-shardings: decide how each op of the global program runs over the mesh.
//
// Every value has a target sharding, the one the global layout gives its type (Sharding.h).
// Ops are visited in program order; for each the pass decides, and writes as attributes
// (ModuleAttrs.h), the sharding it needs each operand in (`meshc.operand_shardings`), how it
// produces each result (`meshc.sharding`) and, where a result is resharded right after the op
// for all its consumers, the sharding it is held in (`meshc.held_shardings`):
//  1. the op's own axis for each of its dims: the layout axis, except the dims its sharding
//     rule needs whole; where two different dims of the op land on one mesh axis (possible
//     only when at least one of them is summed, since no tensor has two dims on an axis), one
//     dim keeps the axis and the operands holding the others are gathered (see resolveConflicts);
//  2. operands are needed as the op's dims say;
//  3. each result is produced split as its dims say and partial over the axes of the op's split
//     summed dims it lacks;
//  4. a result is held in its target, so later ops see target shardings and never a partial
//     value; except a partial sum whose one use is a linear op (add, sub, scale): it is held
//     partial, and if all that op's tensor operands are partial over the same axes (dims split
//     alike), the op runs on them as held and its result is partial (held likewise, or in its
//     target); otherwise the op needs its operands complete.
// The result of meshc.relayout is held in the override's sharding, and so is the result of an
// elementwise op (no summed or whole dims, with results) of an operand held in an override: it
// runs in the override (each dim as the first such operand holds it, other dims on their layout
// axis where free), so a chain after a relayout stays there; ops that need another sharding
// (contractions, parameter updates, outputs) need it resharded. A value whose one use is a
// relayout is held as its op produced it (an input: read in the override's sharding), so that
// one reshard brings it to the override. Ops that rename dims (getDimRenames) run on their
// operand as it is held: a result dim is produced split the way its operand dim was.
// Mesh axes of size 1 are treated as replicated: they never need communication.
// meshc-insert-reshards then makes the decisions explicit and meshc-localize performs them.
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/Limits.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SetVector.h"

namespace meshc {
#define GEN_PASS_DEF_PROPAGATESHARDINGS
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorTypeOf(Value value) {
  return llvm::dyn_cast<NamedTensorType>(value.getType());
}

class ShardingPropagator {
public:
  explicit ShardingPropagator(MeshLayout layout) : layout(layout) {}

  LogicalResult propagate(func::FuncOp func);

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
  /// The sharding the consumers of `value` receive it in.
  Sharding heldOf(Value value) const {
    if (auto it = held.find(value); it != held.end())
      return it->second;
    return target(tensorTypeOf(value));
  }
  /// A value whose only use is a relayout: held as produced, the relayout reshards it.
  static bool feedsOneRelayout(Value value) {
    return value.hasOneUse() && llvm::isa<RelayoutOp>(*value.getUsers().begin());
  }
  /// Ops linear in each operand: on partial sums over the same axes they leave a partial sum
  /// over those axes (sum_r a_r + sum_r b_r = sum_r (a_r + b_r)).
  static bool isLinear(Operation *op) { return llvm::isa<AddOp, SubOp, ScaleOp>(op); }
  /// A partial value whose only use is a linear op: held partial, so that the linear op may
  /// carry the sum and one collective resolves it where a consumer needs it complete.
  static bool feedsOneLinearOp(Value value, const Sharding &produced) {
    return produced.isPartial() && value.hasOneUse() && isLinear(*value.getUsers().begin());
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

  void propagateSource(Operation *op);
  LogicalResult propagateRuleOp(Operation *op, ShardingRuleOpInterface rule);
  /// A window op (WindowOpInterface) runs each window's output dim on its input dim's axis; a
  /// split window must line up with the split (input = stride x output rows per rank, a halo
  /// no wider than a block), else a located error says why.
  LogicalResult alignWindows(Operation *op, WindowOpInterface window,
                             llvm::DenseMap<StringAttr, int> &axes) const;
  /// The axes an elementwise op (no summed or whole dims) runs on when an operand is held in
  /// an override: each dim as the first overridden operand holding it has it, other dims on
  /// their layout axis unless an override took that axis. None when no operand is overridden.
  std::optional<llvm::DenseMap<StringAttr, int>> overrideAxes(Operation *op,
                                                              ShardingRuleOpInterface rule) const;
  /// Ops without tensor results and sharding rule (output, return...): operands in their
  /// target sharding.
  void propagateSink(Operation *op);
  void propagateRenameOp(Operation *op, ShardingRuleOpInterface rule);
  void propagateRelayout(RelayoutOp op);
  void propagateClip(ClipGlobalNormOp op);
  /// `aliases` maps a window's output dim to its input dim: one dim for conflicts.
  void resolveConflicts(Operation *op, llvm::DenseMap<StringAttr, int> &axes,
                        const llvm::SmallPtrSetImpl<StringAttr> &summed,
                        const llvm::DenseMap<StringAttr, StringAttr> &aliases);
  /// Records the decision for `op`: its operands needed as `needed` (one per operand), its
  /// results produced as `produced` (one per result; none when it has no tensor results) and
  /// each held as produced or in its target (see holdOf). With `keep` (an op run in an
  /// override) a complete result is held as produced: its consumers reshard it.
  void decide(Operation *op, llvm::ArrayRef<Sharding> needed, llvm::ArrayRef<Sharding> produced,
              bool keep = false);
  Sharding holdOf(Value result, const Sharding &produced, bool keep) const;
  llvm::SmallVector<ShardingAttr> toAttrs(llvm::ArrayRef<Sharding> shardings) const {
    return llvm::to_vector(llvm::map_range(shardings, [&](const Sharding &sharding) {
      return toShardingAttr(sharding, layout.getMesh());
    }));
  }

  MeshLayout layout;
  llvm::DenseMap<Value, Sharding> held; // values not held in their target sharding
};

LogicalResult ShardingPropagator::propagate(func::FuncOp func) {
  for (Block &block : func.getBody())
    for (Operation &op : block) {
      if (llvm::isa<InputOp, ParamOp>(op))
        propagateSource(&op);
      else if (auto relayout = llvm::dyn_cast<RelayoutOp>(op))
        propagateRelayout(relayout);
      else if (auto clip = llvm::dyn_cast<ClipGlobalNormOp>(op))
        propagateClip(clip);
      else if (auto rule = llvm::dyn_cast<ShardingRuleOpInterface>(op);
               rule && !rule.getDimRenames().empty())
        propagateRenameOp(&op, rule);
      else if (auto rule = llvm::dyn_cast<ShardingRuleOpInterface>(op)) {
        if (failed(propagateRuleOp(&op, rule)))
          return failure();
      } else if (llvm::any_of(op.getResultTypes(), llvm::IsaPred<NamedTensorType>))
        return op.emitOpError() << "has no sharding rule and cannot be partitioned";
      else
        propagateSink(&op);
    }
  return success();
}

void ShardingPropagator::decide(Operation *op, llvm::ArrayRef<Sharding> needed,
                                llvm::ArrayRef<Sharding> produced, bool keep) {
  if (!needed.empty())
    setOperandShardings(op, toAttrs(needed));
  if (produced.empty()) // no tensor results (func.return, parameter updates and the like)
    return;
  assert(produced.size() == op->getNumResults() && "ops with tensor results have only those");
  setResultShardings(op, toAttrs(produced));
  llvm::SmallVector<Sharding> holds;
  for (auto [result, sharding] : llvm::zip(op->getResults(), produced)) {
    holds.push_back(holdOf(result, sharding, keep));
    if (holds.back() != target(tensorTypeOf(result)))
      held[result] = holds.back();
  }
  if (holds != produced)
    setHeldShardings(op, toAttrs(holds));
}

Sharding ShardingPropagator::holdOf(Value result, const Sharding &produced, bool keep) const {
  if (feedsOneRelayout(result) || feedsOneLinearOp(result, produced) ||
      (keep && !produced.isPartial()))
    return produced;
  return target(tensorTypeOf(result));
}

void ShardingPropagator::propagateSource(Operation *op) {
  Value result = op->getResult(0);
  Sharding sharding = target(tensorTypeOf(result));
  // An input read only by a relayout is read in the override's sharding: no collective.
  if (llvm::isa<InputOp>(op) && feedsOneRelayout(result)) {
    auto relayout = llvm::cast<RelayoutOp>(*result.getUsers().begin());
    sharding = layout.shardingOf(tensorTypeOf(result), relayout.getLayout());
  }
  decide(op, {}, {sharding}, /*keep=*/true);
}

// Two dims of one op on one mesh axis: one keeps the axis, the others are made whole (their
// operands gathered). Candidates are tried by cost in bytes moved per rank: gathering an
// operand moves about its gathered size; keeping a summed dim while a result dim on the same
// axis is made whole leaves a partial result to reduce-scatter, which moves about the
// result's size. Ties keep a result dim (no partial sum), so with comparable sizes the
// operand whose dim is only summed is the one gathered.
void ShardingPropagator::resolveConflicts(Operation *op, llvm::DenseMap<StringAttr, int> &axes,
                                          const llvm::SmallPtrSetImpl<StringAttr> &summed,
                                          const llvm::DenseMap<StringAttr, StringAttr> &aliases) {
  auto canonical = [&](StringAttr dim) {
    StringAttr alias = aliases.lookup(dim);
    return alias ? alias : dim;
  };
  for (unsigned axis = 0; axis < layout.getNumAxes(); ++axis) {
    // Result dims first so that they win ties.
    llvm::SetVector<StringAttr> dims;
    for (ValueRange values : {ValueRange(op->getResults()), ValueRange(op->getOperands())})
      for (Value value : values)
        if (NamedTensorType type = tensorTypeOf(value))
          for (StringAttr dim : type.getDimNames())
            if (axes.lookup(canonical(dim)) == int(axis))
              dims.insert(canonical(dim));
    if (dims.size() < 2)
      continue;
    auto costOfKeeping = [&](StringAttr kept) {
      int64_t cost = 0;
      for (Value operand : op->getOperands()) {
        NamedTensorType type = tensorTypeOf(operand);
        if (!type || !llvm::any_of(type.getDimNames(), [&](StringAttr dim) {
              return canonical(dim) != kept && dims.contains(canonical(dim));
            }))
          continue;
        cost = saturatingAdd(cost, saturatingMul(layout.localBytes(type, shardingFor(type, axes)),
                                                 layout.getAxisSize(axis)));
      }
      if (summed.contains(kept))
        for (Value result : op->getResults())
          if (NamedTensorType type = tensorTypeOf(result))
            if (llvm::any_of(type.getDimNames(),
                             [&](StringAttr dim) { return dims.contains(canonical(dim)); }))
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

std::optional<Sharding> ShardingPropagator::carriedPartial(Operation *op) const {
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

LogicalResult ShardingPropagator::propagateRuleOp(Operation *op, ShardingRuleOpInterface rule) {
  // A linear op of partial sums over the same axes runs on them as held: its result is the
  // partial sum of its results, resolved once where a consumer needs it complete.
  if (std::optional<Sharding> carried = carriedPartial(op)) {
    llvm::SmallVector<Sharding> needed;
    for (Value operand : op->getOperands())
      needed.push_back(heldOf(operand));
    decide(op, needed, {*carried});
    return success();
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
    // A window's output dim runs where its input dim does (alignWindows): one dim here.
    llvm::DenseMap<StringAttr, StringAttr> aliases;
    if (auto window = llvm::dyn_cast<WindowOpInterface>(op))
      for (const Window &w : window.getWindows())
        if (w.output != w.input)
          aliases[w.output] = w.input;
    resolveConflicts(op, axes, summed, aliases);
  }
  if (auto window = llvm::dyn_cast<WindowOpInterface>(op))
    if (failed(alignWindows(op, window, axes)))
      return failure();

  llvm::SmallVector<Sharding> needed;
  for (Value operand : op->getOperands())
    needed.push_back(shardingFor(tensorTypeOf(operand), axes));

  // A result is partial over the axes of the split summed dims it lacks (an op with several
  // results may keep a summed dim in one of them: batch norm's adjoint sums its [channel]
  // results over the batch, not its input gradient).
  // A window's dims are mapped, not summed, in a result that has one of them (its input dim
  // indexes the output rows through the window).
  llvm::SmallVector<Window> windows;
  if (auto window = llvm::dyn_cast<WindowOpInterface>(op))
    windows = window.getWindows();
  auto mapped = [&](NamedTensorType type, StringAttr dim) {
    return llvm::any_of(windows, [&](const Window &w) {
      return (dim == w.input || dim == w.output) &&
             (type.hasDim(w.input.getValue()) || type.hasDim(w.output.getValue()));
    });
  };
  llvm::SmallVector<Sharding> produced;
  for (Value result : op->getResults())
    if (NamedTensorType type = tensorTypeOf(result)) {
      Sharding &sharding = produced.emplace_back(shardingFor(type, axes));
      for (StringAttr dim : summedDims)
        if (int axis = axes.lookup(dim);
            axis != kReplicated && !type.hasDim(dim.getValue()) && !mapped(type, dim))
          sharding.partialAxes.push_back(axis);
      llvm::sort(sharding.partialAxes);
      sharding.partialAxes.erase(llvm::unique(sharding.partialAxes), sharding.partialAxes.end());
    }
  decide(op, needed, produced, /*keep=*/overridden.has_value());
  return success();
}

LogicalResult ShardingPropagator::alignWindows(Operation *op, WindowOpInterface window,
                                               llvm::DenseMap<StringAttr, int> &axes) const {
  auto sizeOf = [&](StringAttr dim) -> int64_t {
    for (ValueRange values : {ValueRange(op->getOperands()), ValueRange(op->getResults())})
      for (Value value : values)
        if (NamedTensorType type = tensorTypeOf(value); type && type.hasDim(dim.getValue()))
          return type.getDimSize(dim.getValue());
    return 0;
  };
  for (const Window &w : window.getWindows()) {
    int axis = axes.lookup(w.input);
    axes[w.output] = axis;
    if (axis == kReplicated)
      continue;
    int64_t ranks = layout.getAxisSize(axis);
    int64_t in = sizeOf(w.input), out = sizeOf(w.output);
    auto cannot = [&]() {
      InFlightDiagnostic diag = op->emitOpError();
      diag << "cannot split spatial dim '" << w.input.getValue() << "' (" << in
           << ") over mesh axis '" << layout.getAxisName(axis).getValue() << "' (" << ranks
           << "): ";
      return diag;
    };
    if (in % ranks != 0 || out % ranks != 0)
      return cannot() << "its output dim '" << w.output.getValue() << "' (" << out
                      << ") must split evenly too";
    if (in != w.stride * out)
      return cannot() << "each rank's outputs must read its own block of inputs, which needs "
                      << "input size = stride x output size (" << w.stride << " x " << out << " = "
                      << w.stride * out << "); use 'same' padding, or gather '"
                      << w.input.getValue() << "' first with a relayout";
    int64_t block = in / ranks, outBlock = out / ranks;
    if (w.haloLo() > block || w.haloHi() > block)
      return cannot() << "its window reaches " << w.haloLo() << " and " << w.haloHi()
                      << " rows beyond a rank's block of " << block
                      << ", further than its neighbours hold";
    int64_t wide = block + w.haloLo() + w.haloHi();
    if ((wide - w.dilation * (w.size - 1) - 1) / w.stride + 1 != outBlock)
      return cannot() << "a block of " << block << " rows with its halo does not give " << outBlock
                      << " output rows (padding " << w.padLo << "/" << w.padHi
                      << " larger than the window reaches)";
  }
  return success();
}

std::optional<llvm::DenseMap<StringAttr, int>>
ShardingPropagator::overrideAxes(Operation *op, ShardingRuleOpInterface rule) const {
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

void ShardingPropagator::propagateSink(Operation *op) {
  llvm::SmallVector<Sharding> needed;
  for (Value operand : op->getOperands())
    needed.push_back(target(tensorTypeOf(operand)));
  decide(op, needed, {});
}

void ShardingPropagator::propagateRelayout(RelayoutOp op) {
  Sharding override = layout.shardingOf(tensorTypeOf(op.getInput()), op.getLayout());
  decide(op, {override}, {override}, /*keep=*/true);
}

// Every gradient in its target sharding, each result the same (meshc-localize adds how many
// ranks hold each block, which the runtime's global norm needs).
void ShardingPropagator::propagateClip(ClipGlobalNormOp op) {
  llvm::SmallVector<Sharding> shardings;
  for (Value grad : op.getGrads())
    shardings.push_back(target(tensorTypeOf(grad)));
  decide(op, shardings, shardings);
}

// Rename-like ops run on their operands as they are held (minus their whole dims): a result
// dim renamed from an operand dim is produced on that dim's axis, a result dim that keeps an
// operand dim's name (and is not whole) keeps its axis, any other result dim is whole. The
// result is then held in its target like any other (so a rename that moves the split dim to a
// dim the layout puts elsewhere is an all_to_all, gather or slice).
void ShardingPropagator::propagateRenameOp(Operation *op, ShardingRuleOpInterface rule) {
  llvm::SmallVector<StringAttr> wholeDims = rule.getWholeDims();
  llvm::DenseMap<StringAttr, StringAttr> renamedFrom; // result dim → operand dim
  llvm::SmallPtrSet<StringAttr, 4> renamedAway;
  for (auto [from, to] : rule.getDimRenames()) {
    renamedFrom[to] = from;
    renamedAway.insert(from);
  }
  llvm::DenseMap<StringAttr, int> operandAxes;
  llvm::SmallVector<Sharding> needed;
  for (Value operand : op->getOperands()) {
    Sharding &wanted = needed.emplace_back(heldOf(operand));
    wanted.partialAxes.clear();
    for (auto [dim, axis] : llvm::zip(tensorTypeOf(operand).getDimNames(), wanted.dimAxes)) {
      if (llvm::is_contained(wholeDims, dim))
        axis = kReplicated;
      operandAxes[dim] = axis;
    }
  }
  llvm::SmallVector<Sharding> produced;
  for (Value result : op->getResults()) {
    NamedTensorType type = tensorTypeOf(result);
    if (!type)
      continue;
    Sharding &sharding = produced.emplace_back();
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
      sharding.dimAxes.push_back(axis);
    }
  }
  decide(op, needed, produced);
}

struct PropagateShardingsPass : meshc::impl::PropagateShardingsBase<PropagateShardingsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<MeshLayout> layout = MeshLayout::fromModule(module);
    if (!layout) {
      module.emitError("program has no mesh; pass --mesh or set one in the model");
      return signalPassFailure();
    }
    for (auto func : module.getOps<func::FuncOp>())
      if (!isPerRank(func) && failed(ShardingPropagator(*layout).propagate(func)))
        return signalPassFailure();
  }
};

} // namespace
