// Reverse-mode gradient rules of the NN family (see GradientRules.cpp for the conventions:
// adjoints are built at the builder's insertion point, located at the forward op, on global
// types).
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

LogicalResult LayerNormOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                         SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<LayerNormGradOp>(
      getLoc(), getInput().getType(), getInput(), resultAdjoint, getDimAttr(), getEpsilonAttr())});
  return success();
}

LogicalResult GeluOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                    SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(
      {builder.create<GeluGradOp>(getLoc(), getInput().getType(), getInput(), resultAdjoint)});
  return success();
}

// dx = y * (dy - sum_dim(dy * y)), from existing ops: with `dim` split, the sum is a partial
// sum that the partitioner completes with an all_reduce.
LogicalResult SoftmaxOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  Value y = getResult();
  auto type = llvm::cast<NamedTensorType>(y.getType());
  llvm::SmallVector<StringAttr> others;
  for (StringAttr name : type.getDimNames())
    if (name.getValue() != getDim())
      others.push_back(name);
  Value product = builder.create<MulOp>(loc, type, resultAdjoint, y);
  Value sum = builder.create<ReduceSumOp>(loc, type.withDims(others), product);
  Value centred = builder.create<SubOp>(loc, type, resultAdjoint, sum);
  operandAdjoints.assign({builder.create<MulOp>(loc, type, centred, y)});
  return success();
}

// Masked positions do not depend on the input: their adjoint is zero.
LogicalResult CausalMaskOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                          SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<CausalMaskOp>(
      getLoc(), resultAdjoint.getType(), resultAdjoint, getQueryDimAttr(), getKeyDimAttr(),
      builder.getF64FloatAttr(0.0))});
  return success();
}

// Dropout is linear with a fixed mask (same seed, key and step): its adjoint is itself.
LogicalResult DropoutOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<DropoutOp>(getLoc(), resultAdjoint.getType(),
                                                    resultAdjoint, getRateAttr(), getKeyAttr())});
  return success();
}
