// The per-rank program's verifier: a function marked `meshc.per_rank = #meshc.mesh<...>` is the
// program one rank runs (meshc-localize makes it, the lowering and the cost report read it).
// Checked here, each as a located error: the mesh is the module's; every tensor result has a
// sharding naming axes of the mesh, at most one per dim (what the runtime supports); each dim
// name has one global size in the function (local size times its axes' sizes), so local
// shapes and shardings agree; the ops that partitioning, autodiff and decompose remove are
// gone; each collective turns its operand's sharding into its result's; every other op sees
// each dim on the same axes in all its operands and results, takes no partial operand (but for
// add, sub and scale on operands all partial over the same axes: their result is partial over
// those), and leaves a partial sum only over axes of dims it sums. Halo rows (a block's
// neighbours' boundary rows, for window ops on split spatial dims): PerRankHalo.cpp.
#include "dialect/IR/Limits.h"
#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"
#include "dialect/IR/PerRankHalo.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace meshc;

namespace {

using Axes = llvm::SmallVector<StringAttr>;

std::string axesText(llvm::ArrayRef<StringAttr> axes) {
  std::string text = "[";
  for (auto [i, axis] : llvm::enumerate(axes))
    text += (i ? ", " : "") + axis.getValue().str();
  return text + "]";
}

/// A sharding being derived (a collective's expected result): per dim its axes, then the
/// partial axes.
struct Held {
  llvm::SmallVector<Axes> dims;
  Axes partial;

  static Held of(ShardingAttr sharding) {
    Held held;
    for (unsigned dim = 0; dim < sharding.getRank(); ++dim)
      held.dims.push_back(sharding.getDimAxes(dim));
    held.partial.assign(sharding.getPartialAxes().begin(), sharding.getPartialAxes().end());
    return held;
  }
  /// Partial axes compare as sets: their order means nothing.
  bool operator==(const Held &other) const {
    return dims == other.dims && partial.size() == other.partial.size() &&
           llvm::all_of(partial,
                        [&](StringAttr a) { return llvm::is_contained(other.partial, a); });
  }
  std::string text() const {
    std::string result = "#meshc.sharding<[";
    for (auto [i, axes] : llvm::enumerate(dims))
      result += (i ? ", " : "") + axesText(axes);
    result += "]";
    if (!partial.empty())
      result += ", partial = " + axesText(partial);
    return result + ">";
  }
};

class PerRankChecker {
public:
  explicit PerRankChecker(MeshAttr mesh) : mesh(mesh) {}
  LogicalResult check(Operation &op);

private:
  LogicalResult checkResults(Operation &op);
  LogicalResult checkGlobalSizes(Operation &op);
  LogicalResult checkCollective(Operation &op);
  LogicalResult checkBucket(AllReduceBucketOp bucket);
  LogicalResult checkComputeOp(Operation &op);
  LogicalResult checkRename(RenameOp op);
  LogicalResult checkShardedUpdate(Operation &op, StringAttr axis);
  LogicalResult checkSharedUpdate(SgdUpdateEinsumOp op);
  /// The operand's sharding derived into `expected`, compared with the result's.
  LogicalResult expectResult(Operation &op, const Held &expected);

  MeshAttr mesh;
  /// Per dim name: its global size and the op whose result first held it.
  llvm::StringMap<std::pair<int64_t, Operation *>> globalSizes;
};

LogicalResult PerRankChecker::check(Operation &op) {
  if (llvm::isa<RelayoutOp, ReshardOp>(op))
    return op.emitOpError() << "is not allowed in a per-rank program (meshc-localize resolves "
                               "it into collectives)";
  if (llvm::isa<MinimizeOp>(op))
    return op.emitOpError() << "is not allowed in a per-rank program (run meshc-autodiff "
                               "before partitioning)";
  if (llvm::isa<ReduceMeanOp>(op))
    return op.emitOpError() << "is not allowed in a per-rank program (run meshc-decompose "
                               "before partitioning)";
  if (failed(checkResults(op)))
    return failure();
  if (llvm::isa<HaloExchangeOp, HaloExchangeGradOp>(op)) {
    if (failed(verifyHaloOp(op)))
      return failure();
    return checkGlobalSizes(op);
  }
  if (failed(verifyHaloUse(op)))
    return failure();
  if (auto wait = llvm::dyn_cast<WaitOp>(op)) { // the async collective's results, unchanged
    for (auto [index, input, result] : llvm::enumerate(wait.getInputs(), wait.getResults()))
      if (getSharding(input) && getSharding(input) != getSharding(result))
        return wait.emitOpError() << "result #" << index << " must keep its operand's sharding";
    return success();
  }
  if (auto bucket = llvm::dyn_cast<AllReduceBucketOp>(op)) {
    if (failed(checkBucket(bucket)))
      return failure();
    return checkGlobalSizes(op);
  }
  if (auto axis = op.getAttrOfType<StringAttr>("shard_axis");
      axis && llvm::isa<ParamUpdateOpInterface>(op))
    return checkShardedUpdate(op, axis);
  if (auto shared = llvm::dyn_cast<SgdUpdateEinsumOp>(op))
    if (failed(checkSharedUpdate(shared)))
      return failure();
  bool collective =
      llvm::isa<AllReduceOp, AllReduceMaxOp, ReduceScatterOp, AllGatherOp, AllSliceOp, AllToAllOp>(
          op);
  if (failed(collective ? checkCollective(op) : checkComputeOp(op)))
    return failure();
  // Sizes last: an op that moves a split the wrong way reports that, not its consequence.
  return checkGlobalSizes(op);
}

LogicalResult PerRankChecker::checkResults(Operation &op) {
  for (OpResult result : op.getResults()) {
    auto type = llvm::dyn_cast<NamedTensorType>(result.getType());
    if (!type)
      continue;
    unsigned number = result.getResultNumber();
    ShardingAttr sharding = getSharding(result);
    if (!sharding)
      return op.emitOpError() << "result #" << number << " has no sharding ('" << kShardingAttrName
                              << "') in a per-rank program";
    for (unsigned dim = 0; dim < type.getRank(); ++dim) {
      StringRef name = type.getDimNames()[dim].getValue();
      Axes axes = sharding.getDimAxes(dim);
      if (axes.size() > 1)
        return op.emitOpError() << "result #" << number << " splits dimension '" << name
                                << "' over " << axes.size()
                                << " mesh axes; at most one is supported";
      for (StringAttr axis : axes)
        if (!mesh.findAxis(axis.getValue()))
          return op.emitOpError() << "result #" << number << " splits dimension '" << name
                                  << "' over mesh axis '" << axis.getValue() << "', which mesh \""
                                  << mesh.getSpec() << "\" lacks";
    }
    for (StringAttr axis : sharding.getPartialAxes())
      if (!mesh.findAxis(axis.getValue()))
        return op.emitOpError() << "result #" << number << " is a partial sum over mesh axis '"
                                << axis.getValue() << "', which mesh \"" << mesh.getSpec()
                                << "\" lacks";
  }
  return success();
}

LogicalResult PerRankChecker::checkGlobalSizes(Operation &op) {
  for (OpResult result : op.getResults()) {
    auto type = llvm::dyn_cast<NamedTensorType>(result.getType());
    if (!type)
      continue;
    unsigned number = result.getResultNumber();
    ShardingAttr sharding = getSharding(result);
    for (unsigned dim = 0; dim < type.getRank(); ++dim) {
      StringRef name = type.getDimNames()[dim].getValue();
      Axes axes = sharding.getDimAxes(dim);
      // The local block: the local size without the neighbours' halo rows.
      auto [lo, hi] = sharding.getDimHalo(dim);
      int64_t global = type.getDimSizes()[dim] - lo - hi;
      if (global < 1)
        return op.emitOpError() << "result #" << number << " has " << type.getDimSizes()[dim]
                                << " rows of '" << name << "' but a halo of " << lo << " and "
                                << hi;
      for (StringAttr axis : axes) {
        std::optional<int64_t> product =
            checkedMul(global, mesh.getAxisSize(*mesh.findAxis(axis.getValue())));
        if (!product)
          return op.emitOpError() << "result #" << number << " holds dimension '" << name
                                  << "' with a global size that overflows int64";
        global = *product;
      }
      auto [it, inserted] = globalSizes.try_emplace(name, global, &op);
      if (!inserted && it->second.first != global) {
        InFlightDiagnostic diag =
            op.emitOpError() << "result #" << number << " holds dimension '" << name
                             << "' of global size " << global << " (" << type.getDimSizes()[dim]
                             << " per rank, split over " << axesText(axes)
                             << "), but it has global size " << it->second.first << " elsewhere";
        diag.attachNote(it->second.second->getLoc())
            << "global size " << it->second.first << " here";
        return diag;
      }
    }
  }
  return success();
}

LogicalResult PerRankChecker::expectResult(Operation &op, const Held &expected) {
  Held actual = Held::of(getSharding(op.getResult(0)));
  if (actual == expected)
    return success();
  return op.emitOpError() << "result sharding " << actual.text()
                          << " does not follow from the operand's: expected " << expected.text();
}

// Each member of a bucket as an all_reduce of its own.
LogicalResult PerRankChecker::checkBucket(AllReduceBucketOp bucket) {
  for (auto [index, input, result] : llvm::enumerate(bucket.getInputs(), bucket.getResults())) {
    ShardingAttr operand = getSharding(input);
    if (!operand) // a block argument: nothing to compare with
      continue;
    Held held = Held::of(operand);
    for (StringAttr axis : bucket.getAxes().getAsRange<StringAttr>()) {
      if (!llvm::is_contained(held.partial, axis))
        return bucket.emitOpError() << "sums operand #" << index << " over mesh axis '"
                                    << axis.getValue() << "', over which it is not a partial sum";
      llvm::erase(held.partial, axis);
    }
    Held actual = Held::of(getSharding(result));
    if (!(actual == held))
      return bucket.emitOpError() << "result #" << index << " sharding " << actual.text()
                                  << " does not follow from its operand's: expected "
                                  << held.text();
  }
  return success();
}

LogicalResult PerRankChecker::checkCollective(Operation &op) {
  ShardingAttr operand = getSharding(op.getOperand(0));
  if (!operand) // a block argument: nothing to compare with
    return success();
  Held held = Held::of(operand);
  auto type = llvm::cast<NamedTensorType>(op.getOperand(0).getType());
  auto position = [&](StringRef dim) { return *type.findDim(dim); };
  auto isPartial = [&](StringAttr axis) { return llvm::is_contained(held.partial, axis); };
  auto isUsed = [&](StringAttr axis) {
    return isPartial(axis) || llvm::any_of(held.dims, [&](const Axes &axes) {
             return llvm::is_contained(axes, axis);
           });
  };
  auto notPartial = [&](StringAttr axis) {
    return op.emitOpError() << "sums over mesh axis '" << axis.getValue()
                            << "', over which its operand is not a partial sum";
  };
  auto wrongSplit = [&](StringRef dim, const Axes &axes, StringRef wanted) {
    return op.emitOpError() << "needs its operand's dimension '" << dim << "' " << wanted
                            << ", not split over " << axesText(axes);
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
      .Case([&](AllReduceOp reduce) -> LogicalResult {
        for (StringAttr axis : reduce.getAxes().getAsRange<StringAttr>()) {
          if (!isPartial(axis))
            return notPartial(axis);
          llvm::erase(held.partial, axis);
        }
        return expectResult(op, held);
      })
      .Case([&](AllReduceMaxOp reduce) -> LogicalResult { // partial: a part of a maximum
        for (StringAttr axis : reduce.getAxes().getAsRange<StringAttr>()) {
          if (!isPartial(axis))
            return op.emitOpError() << "takes the maximum over mesh axis '" << axis.getValue()
                                    << "', over which its operand is not partial";
          llvm::erase(held.partial, axis);
        }
        return expectResult(op, held);
      })
      .Case([&](ReduceScatterOp scatter) -> LogicalResult {
        StringAttr axis = scatter.getAxisAttr();
        Axes &axes = held.dims[position(scatter.getDim())];
        if (!isPartial(axis))
          return notPartial(axis);
        if (!axes.empty())
          return wrongSplit(scatter.getDim(), axes, "whole");
        llvm::erase(held.partial, axis);
        axes.push_back(axis);
        return expectResult(op, held);
      })
      .Case([&](AllGatherOp gather) -> LogicalResult {
        Axes &axes = held.dims[position(gather.getDim())];
        if (axes != Axes{gather.getAxisAttr()})
          return wrongSplit(gather.getDim(), axes, ("split over [" + gather.getAxis() + "]").str());
        axes.clear();
        return expectResult(op, held);
      })
      .Case([&](AllSliceOp slice) -> LogicalResult {
        StringAttr axis = slice.getAxisAttr();
        Axes &axes = held.dims[position(slice.getDim())];
        if (!axes.empty())
          return wrongSplit(slice.getDim(), axes, "whole");
        if (isUsed(axis))
          return op.emitOpError() << "splits over mesh axis '" << axis.getValue()
                                  << "', which its operand already uses";
        axes.push_back(axis);
        return expectResult(op, held);
      })
      .Case([&](AllToAllOp exchange) -> LogicalResult {
        StringAttr axis = exchange.getAxisAttr();
        Axes &from = held.dims[position(exchange.getConcatDim())];
        Axes &to = held.dims[position(exchange.getSplitDim())];
        if (from != Axes{axis})
          return wrongSplit(exchange.getConcatDim(), from,
                            ("split over [" + axis.getValue() + "]").str());
        if (!to.empty())
          return wrongSplit(exchange.getSplitDim(), to, "whole");
        from.clear();
        to.push_back(axis);
        return expectResult(op, held);
      })
      .Default([](Operation *) { return success(); });
}

// A sharded update (meshc-shard-updates): its gradient is the parameter's block with the first
// dim, whole in the parameter, further split over `shard_axis` (which no dim of the parameter
// uses), and complete (its size follows: each dim has one global size in a per-rank program).
LogicalResult PerRankChecker::checkShardedUpdate(Operation &op, StringAttr axis) {
  Value param = op.getOperand(0), grad = op.getOperand(1);
  ShardingAttr paramSharding = getSharding(param), gradSharding = getSharding(grad);
  if (!paramSharding || !gradSharding)
    return success();
  std::optional<unsigned> index = mesh.findAxis(axis.getValue());
  if (!index)
    return op.emitOpError() << "shards over mesh axis '" << axis.getValue()
                            << "', which the mesh does not have";
  Held expected = Held::of(paramSharding);
  if (!expected.partial.empty())
    return op.emitOpError() << "updates a parameter that is a partial sum";
  for (const Axes &axes : expected.dims)
    if (llvm::is_contained(axes, axis))
      return op.emitOpError() << "shards over mesh axis '" << axis.getValue()
                              << "', which splits a dimension of the parameter";
  if (!expected.dims.front().empty())
    return op.emitOpError() << "shards the parameter's first dimension, which is already split";
  expected.dims.front().push_back(axis);
  Held actual = Held::of(gradSharding);
  if (!(actual == expected))
    return op.emitOpError() << "gradient sharding " << actual.text() << " is not "
                            << expected.text() << " (the parameter's, its first dim over '"
                            << axis.getValue() << "')";
  return success();
}

// An update inside the weight gradient's einsum: the einsum is a partial sum over exactly the
// op's axes (its contracted dims are split over them, and only them), and the parameter is
// replicated over them. The dims' agreement between the operands is checkComputeOp's.
LogicalResult PerRankChecker::checkSharedUpdate(SgdUpdateEinsumOp op) {
  ShardingAttr paramSharding = getSharding(op.getParam());
  if (!paramSharding)
    return success();
  Axes summed;
  for (Attribute axis : op.getAxes()) {
    auto name = llvm::cast<StringAttr>(axis);
    if (!mesh.findAxis(name.getValue()))
      return op.emitOpError() << "sums over mesh axis '" << name.getValue()
                              << "', which the mesh does not have";
    summed.push_back(name);
  }
  Held param = Held::of(paramSharding);
  for (const Axes &axes : param.dims)
    for (StringAttr axis : axes)
      if (llvm::is_contained(summed, axis))
        return op.emitOpError() << "sums over mesh axis '" << axis.getValue()
                                << "', which splits a dimension of the parameter";
  if (!param.partial.empty())
    return op.emitOpError() << "updates a parameter that is a partial sum";
  Axes contracted;
  auto paramType = llvm::cast<NamedTensorType>(op.getParam().getType());
  for (Value operand : {op.getLhs(), op.getRhs()}) {
    auto type = llvm::cast<NamedTensorType>(operand.getType());
    ShardingAttr sharding = getSharding(operand);
    if (!sharding)
      continue;
    for (auto [dim, name] : llvm::enumerate(type.getDimNames()))
      if (!paramType.hasDim(name.getValue()))
        for (StringAttr axis : sharding.getDimAxes(dim))
          if (!llvm::is_contained(contracted, axis))
            contracted.push_back(axis);
  }
  Held expected, actual;
  expected.partial = summed;
  actual.partial = contracted;
  if (!(expected == actual))
    return op.emitOpError() << "sums over " << axesText(summed)
                            << " but its einsum's contracted dims are split over "
                            << axesText(contracted);
  return success();
}

// A rename holds each result dim the way the operand dim at its position was held.
LogicalResult PerRankChecker::checkRename(RenameOp op) {
  ShardingAttr operand = getSharding(op.getInput());
  if (!operand)
    return success();
  Held held = Held::of(operand), actual = Held::of(getSharding(op.getResult()));
  if (actual == held)
    return success();
  return op.emitOpError() << "result sharding " << actual.text() << " differs from its operand's "
                          << held.text() << " (a rename keeps each dim's split)";
}

LogicalResult PerRankChecker::checkComputeOp(Operation &op) {
  // Where each dim name lies while the op runs, and where that was first seen.
  llvm::DenseMap<StringAttr, std::pair<Axes, std::string>> placed;
  llvm::DenseMap<StringAttr, Axes> operandDims; // dims of operands and their axes
  // A linear op (add, sub, scale) may take partial sums, when all its operands are partial
  // over the same axes (a complete operand would be counted once per rank of those axes).
  bool linear = llvm::isa<AddOp, SubOp, ScaleOp>(op);
  std::optional<Held> carried; // the partial axes of a linear op's first tensor operand
  for (OpOperand &use : op.getOpOperands()) {
    auto type = llvm::dyn_cast<NamedTensorType>(use.get().getType());
    ShardingAttr sharding = type ? getSharding(use.get()) : ShardingAttr();
    if (!sharding)
      continue;
    Held partial;
    partial.partial.assign(sharding.getPartialAxes().begin(), sharding.getPartialAxes().end());
    if (sharding.isPartial() && !linear)
      return op.emitOpError() << "operand #" << use.getOperandNumber() << " is a partial sum over "
                              << axesText(sharding.getPartialAxes())
                              << "; only collectives, add, sub and scale take partial sums";
    if (linear && carried && !(*carried == partial))
      return op.emitOpError() << "operand #" << use.getOperandNumber() << " is partial over "
                              << axesText(partial.partial) << " but operand #0 over "
                              << axesText(carried->partial)
                              << "; a linear op takes partial sums only over the same axes";
    if (linear)
      carried = partial;
    for (auto [dim, name] : llvm::enumerate(type.getDimNames()))
      operandDims[name] = sharding.getDimAxes(dim);
  }
  if (carried && !carried->partial.empty()) {
    for (OpResult result : op.getResults()) {
      Held partial;
      if (ShardingAttr sharding = getSharding(result))
        partial.partial.assign(sharding.getPartialAxes().begin(), sharding.getPartialAxes().end());
      if (!(partial == *carried))
        return op.emitOpError() << "result #" << result.getResultNumber() << " is partial over "
                                << axesText(partial.partial) << " but its operands over "
                                << axesText(carried->partial)
                                << "; a linear op's result is partial over its operands' axes";
    }
  }
  if (auto rename = llvm::dyn_cast<RenameOp>(op))
    return checkRename(rename);

  auto place = [&](Value value, const std::string &where) -> LogicalResult {
    auto type = llvm::dyn_cast<NamedTensorType>(value.getType());
    ShardingAttr sharding = type ? getSharding(value) : ShardingAttr();
    if (!sharding)
      return success();
    for (auto [dim, name] : llvm::enumerate(type.getDimNames())) {
      Axes axes = sharding.getDimAxes(dim);
      auto [it, inserted] = placed.try_emplace(name, axes, where);
      if (!inserted && it->second.first != axes)
        return op.emitOpError() << "sees dimension '" << name.getValue() << "' split over "
                                << axesText(it->second.first) << " in " << it->second.second
                                << " but over " << axesText(axes) << " in " << where;
    }
    return success();
  };
  for (OpOperand &use : op.getOpOperands())
    if (failed(place(use.get(), "operand #" + std::to_string(use.getOperandNumber()))))
      return failure();
  for (OpResult result : op.getResults())
    if (failed(place(result, "result #" + std::to_string(result.getResultNumber()))))
      return failure();

  // A partial sum comes only from summing a split dim: the axes of dims of operands that the
  // result lacks (or the operands' axes, for a linear op carrying their partial sums).
  for (OpResult result : op.getResults()) {
    ShardingAttr sharding = getSharding(result);
    if (!sharding)
      continue;
    auto type = llvm::cast<NamedTensorType>(result.getType());
    Axes summedAxes;
    if (carried)
      summedAxes = carried->partial;
    for (auto &[name, axes] : operandDims)
      if (!type.hasDim(name.getValue()))
        summedAxes.append(axes.begin(), axes.end());
    for (StringAttr axis : sharding.getPartialAxes())
      if (!llvm::is_contained(summedAxes, axis))
        return op.emitOpError() << "result #" << result.getResultNumber()
                                << " is a partial sum over mesh axis '" << axis.getValue()
                                << "', but the op sums no dimension split over it";
  }
  return success();
}

} // namespace

LogicalResult meshc::verifyPerRankFunction(func::FuncOp func, MeshAttr mesh) {
  auto module = func->getParentOfType<ModuleOp>();
  MeshAttr moduleMesh = module ? getMesh(module) : MeshAttr();
  if (!moduleMesh)
    return func.emitOpError() << "is per-rank for mesh \"" << mesh.getSpec()
                              << "\" but the module has no mesh";
  if (moduleMesh != mesh)
    return func.emitOpError() << "is per-rank for mesh \"" << mesh.getSpec()
                              << "\" but the module's mesh is \"" << moduleMesh.getSpec() << "\"";
  // MLIR checks a function's attributes before its body: check each op first, so that the
  // checks below read only well-formed ops (an invalid op reports its own error).
  PerRankChecker checker(mesh);
  for (Operation &op : func.getBody().getOps())
    if (failed(mlir::verify(&op)) || failed(checker.check(op)))
      return failure();
  return success();
}
