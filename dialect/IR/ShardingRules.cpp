// Sharding rules of the ops (ShardingRuleOpInterface): which dims an op sums over and which
// it needs whole. Most ops use the interface defaults; softmax cross-entropy takes a class dim
// of 7 or more split (meshc-localize gives it the vocab-parallel form, LocalizeXent.cpp).
#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace meshc;

llvm::SmallVector<StringAttr> meshc::detail::getSummedDims(Operation *op) {
  if (op->getNumResults() != 1)
    return {};
  auto result = llvm::dyn_cast<NamedTensorType>(op->getResult(0).getType());
  if (!result)
    return {};
  llvm::SetVector<StringAttr> summed;
  for (Value operand : op->getOperands())
    if (auto type = llvm::dyn_cast<NamedTensorType>(operand.getType()))
      for (StringAttr name : type.getDimNames())
        if (!result.hasDim(name))
          summed.insert(name);
  return summed.takeVector();
}

// Softmax cross-entropy over a split class dim: the per-rank form (meshc-localize,
// LocalizeXent.cpp) combines the rows' maximum, sum of exponentials and label logit over the
// class dim's axis itself, so the loss comes out complete (no summed dims) and the logits stay
// split (no whole dims). Per rank of a group of p, those three row all_reduces send
// 3 x 2(p-1)/p row bytes (ring), gathering the logits (p-1) x classes/p row bytes: the split
// pays from 7 classes on, whatever p; up to 6 the class dim is gathered whole as before.
static constexpr int64_t kMaxGatheredClasses = 6;

static llvm::SmallVector<StringAttr> wholeClassDim(Value logits, StringRef classDim) {
  auto type = llvm::cast<NamedTensorType>(logits.getType());
  if (type.getDimSize(classDim) > kMaxGatheredClasses)
    return {};
  return {StringAttr::get(logits.getContext(), classDim)};
}

llvm::SmallVector<StringAttr> SoftmaxXentOp::getSummedDims() { return {}; }
llvm::SmallVector<StringAttr> SoftmaxXentOp::getWholeDims() {
  return wholeClassDim(getLogits(), getClassDim());
}

// Split like the logits (same rule): softmax - onehot is local given the rows' log-sum-exp.
llvm::SmallVector<StringAttr> SoftmaxXentGradOp::getWholeDims() {
  return wholeClassDim(getLogits(), getClassDim());
}

#include "dialect/IR/MeshcInterfaces.cpp.inc"
