// Megatron's vocab-parallel softmax cross-entropy: the per-rank form of meshc.softmax_xent and
// meshc.softmax_xent_grad whose class dim is split over a mesh axis A (meshc-localize calls it
// on each such op, its results already of their local types).
//
// Gathering the logits [.., class, ..] would move the whole class dim to every rank of A; these
// need only rows [labels' dims] (all_reduces of 4 bytes per row):
//   loss:  m   = all_reduce_max(reduce_max(logits))            over A
//          s   = all_reduce(reduce_sum(exp(logits - m)))        over A
//          t   = all_reduce(reduce_sum(one_hot(labels) * logits)) over A (the label's logit:
//                its owner's slice holds it, one_hot of the others is 0 there)
//          lse = log(s) + m;  loss = lse - t
//   grad:  (exp(logits - lse) - one_hot(labels)) * dloss        no collective: lse is the
//                                                               forward's (else computed anew)
// The two sums' all_reduces are adjacent, so meshc-optimize-communication can bucket them. The
// rows reduced locally are partial over A (a part of a maximum or sum not yet combined) until
// their all_reduce; everything over the logits' dims keeps the logits' sharding. one_hot of a
// split class dim is 1 only on the rank whose slice holds the label (its lowering offsets the
// classes by the rank's coordinate on A).
//
// A label outside [0, classes) would be held by no rank: t would lack it and the loss be
// wrong, where the 1-rank kernel fails the run. So the one_hots carry xent_labels: every rank
// of A holds all the labels of its rows (the labels are split like the logits' other dims),
// so each checks them all against the whole class dim and the ranks that see a bad label fail
// with the kernel's message (the runtime's sticky status; the failing rank's end of step
// aborts the job, also freeing ranks that wait in a later collective). No collective more.
#include "dialect/Transforms/LocalizeXent.h"

#include "dialect/IR/ModuleAttrs.h"

using namespace mlir;
using namespace meshc;

/// Where an op's class dim is split, and the types and shardings of its values.
struct XentExpander::Split {
  StringAttr axis;                      // the mesh axis of the class dim
  NamedTensorType logitsType;           // per rank, f32
  NamedTensorType rowType;              // the logits' dims without the class dim, f32
  ShardingAttr logits, row, partialRow; // partialRow: row, partial over `axis`
};

bool XentExpander::expand(Operation *op) {
  Value logits;
  StringRef classDim;
  if (auto loss = llvm::dyn_cast<SoftmaxXentOp>(op)) {
    logits = loss.getLogits();
    classDim = loss.getClassDim();
  } else if (auto grad = llvm::dyn_cast<SoftmaxXentGradOp>(op)) {
    logits = grad.getLogits();
    classDim = grad.getClassDim();
  } else {
    return false;
  }
  ShardingAttr sharding = getSharding(logits);
  auto type = llvm::cast<NamedTensorType>(logits.getType());
  unsigned classPos = *type.findDim(classDim);
  if (!sharding || sharding.getDimAxes(classPos).empty())
    return false;

  Split split;
  split.axis = sharding.getDimAxes(classPos).front();
  split.logitsType = type;
  split.logits = sharding;
  llvm::SmallVector<StringAttr> rowDims;
  llvm::SmallVector<llvm::SmallVector<StringAttr>> rowAxes;
  for (unsigned dim = 0; dim < type.getRank(); ++dim) {
    if (dim == classPos)
      continue;
    rowDims.push_back(type.getDimNames()[dim]);
    rowAxes.push_back(sharding.getDimAxes(dim));
  }
  split.rowType = type.withDims(rowDims);
  split.row = ShardingAttr::get(op->getContext(), rowAxes, {});
  split.partialRow = ShardingAttr::get(op->getContext(), rowAxes, {split.axis});

  builder.setInsertionPoint(op);
  if (auto loss = llvm::dyn_cast<SoftmaxXentOp>(op))
    expandLoss(loss, split);
  else
    expandGrad(llvm::cast<SoftmaxXentGradOp>(op), split);
  op->erase();
  return true;
}

namespace {

/// `op`'s one result, with its sharding set.
template <typename Op> Value held(Op op, ShardingAttr sharding) {
  setResultShardings(op, {sharding});
  return op.getResult();
}

} // namespace

Value XentExpander::xentOneHot(Location loc, Value labels, const Split &split) {
  auto oneHot = builder.create<OneHotOp>(loc, split.logitsType, labels, /*xent_labels=*/true);
  return held(oneHot, split.logits);
}

std::pair<Value, Value> XentExpander::maxAndLocalSum(Location loc, Value logits,
                                                     const Split &split) {
  NamedTensorType logitsType = split.logitsType, rowType = split.rowType;
  ArrayAttr axes = builder.getStrArrayAttr({split.axis.getValue()});
  Value localMax = held(builder.create<ReduceMaxOp>(loc, rowType, logits), split.partialRow);
  Value max = held(builder.create<AllReduceMaxOp>(loc, rowType, localMax, axes), split.row);
  Value shifted = held(builder.create<SubOp>(loc, logitsType, logits, max), split.logits);
  Value exps = held(builder.create<ExpOp>(loc, logitsType, shifted), split.logits);
  return {max, held(builder.create<ReduceSumOp>(loc, rowType, exps), split.partialRow)};
}

Value XentExpander::logSumExp(Location loc, Value sum, Value max, const Split &split) {
  NamedTensorType rowType = split.rowType;
  Value logSum = held(builder.create<LogOp>(loc, rowType, sum), split.row);
  return held(builder.create<AddOp>(loc, rowType, logSum, max), split.row);
}

void XentExpander::expandLoss(SoftmaxXentOp op, const Split &split) {
  Location loc = op.getLoc();
  Value logits = op.getLogits();
  NamedTensorType logitsType = split.logitsType, rowType = split.rowType;
  ArrayAttr axes = builder.getStrArrayAttr({split.axis.getValue()});
  auto [max, localSum] = maxAndLocalSum(loc, logits, split);
  Value oneHot = xentOneHot(loc, op.getLabels(), split);
  Value picked = held(builder.create<MulOp>(loc, logitsType, oneHot, logits), split.logits);
  Value localTarget = held(builder.create<ReduceSumOp>(loc, rowType, picked), split.partialRow);
  Value sum = held(builder.create<AllReduceOp>(loc, rowType, localSum, axes), split.row);
  Value target = held(builder.create<AllReduceOp>(loc, rowType, localTarget, axes), split.row);
  Value lse = logSumExp(loc, sum, max, split);
  Value loss = held(builder.create<SubOp>(loc, op.getResult().getType(), lse, target), split.row);
  lseOf[logits] = lse;
  op.getResult().replaceAllUsesWith(loss);
}

void XentExpander::expandGrad(SoftmaxXentGradOp op, const Split &split) {
  Location loc = op.getLoc();
  Value logits = op.getLogits();
  NamedTensorType logitsType = split.logitsType, rowType = split.rowType;
  Value lse = lseOf.lookup(logits);
  if (!lse) { // no forward on these logits: its two row collectives here
    ArrayAttr axes = builder.getStrArrayAttr({split.axis.getValue()});
    auto [max, localSum] = maxAndLocalSum(loc, logits, split);
    Value sum = held(builder.create<AllReduceOp>(loc, rowType, localSum, axes), split.row);
    lse = logSumExp(loc, sum, max, split);
    lseOf[logits] = lse;
  }
  Value shifted = held(builder.create<SubOp>(loc, logitsType, logits, lse), split.logits);
  Value probs = held(builder.create<ExpOp>(loc, logitsType, shifted), split.logits);
  Value oneHot = xentOneHot(loc, op.getLabels(), split);
  Value diff = held(builder.create<SubOp>(loc, logitsType, probs, oneHot), split.logits);
  Value grad =
      held(builder.create<MulOp>(loc, op.getResult().getType(), diff, op.getDloss()), split.logits);
  op.getResult().replaceAllUsesWith(grad);
}
