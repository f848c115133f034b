// Sharding rules of the ops (ShardingRuleOpInterface): which dims an op sums over and which
// it needs whole. Most ops use the interface defaults; the softmax ops need the class dim
// whole because they normalise over it.
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

llvm::SmallVector<StringAttr> SoftmaxXentOp::getWholeDims() {
  return {StringAttr::get(getContext(), getClassDim())};
}

// The result keeps the class dim, but the softmax normalises over it: it must be whole.
llvm::SmallVector<StringAttr> SoftmaxXentGradOp::getWholeDims() {
  return {StringAttr::get(getContext(), getClassDim())};
}

#include "dialect/IR/MeshcInterfaces.cpp.inc"
