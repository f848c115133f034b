// Reverse-mode gradient rules of the Index family (DifferentiableOpInterface); see
// GradientRules.cpp for the conventions. Integer-valued ops (argmax, one_hot) and
// stop_gradient give no adjoint; the shape ops' adjoints are the inverse shape ops.
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

namespace {
NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }
} // namespace

LogicalResult EmbeddingOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                         SmallVectorImpl<Value> &operandAdjoints) {
  Value dtable = builder.create<EmbeddingGradOp>(getLoc(), getTable().getType(), getIds(),
                                                 resultAdjoint, getVocabDimAttr());
  operandAdjoints.assign({dtable, Value()});
  return success();
}

LogicalResult OneHotOp::buildAdjoints(OpBuilder &, Value, SmallVectorImpl<Value> &adjoints) {
  adjoints.assign({Value()});
  return success();
}

LogicalResult ArgmaxOp::buildAdjoints(OpBuilder &, Value, SmallVectorImpl<Value> &adjoints) {
  adjoints.assign({Value()});
  return success();
}

LogicalResult StopGradientOp::buildAdjoints(OpBuilder &, Value, SmallVectorImpl<Value> &adjoints) {
  adjoints.assign({Value()});
  return success();
}

LogicalResult ReduceMaxOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                         SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(
      {builder.create<ReduceMaxGradOp>(getLoc(), getInput().getType(), getInput(), resultAdjoint)});
  return success();
}

// d(inclusive forward)/dx_i = sum over t >= i of dy_t: the inclusive cumsum the other way;
// likewise exclusive (t > i).
LogicalResult CumsumOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                      SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(
      {builder.create<CumsumOp>(getLoc(), getInput().getType(), resultAdjoint, getDimAttr(),
                                getExclusiveAttr(), builder.getBoolAttr(!getReverse()))});
  return success();
}

LogicalResult ConcatOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                      SmallVectorImpl<Value> &operandAdjoints) {
  unsigned position = *tensorOf(getResult()).findDim(getDim());
  int64_t start = 0;
  operandAdjoints.clear();
  for (Value input : getInputs()) {
    operandAdjoints.push_back(builder.create<SliceOp>(
        getLoc(), input.getType(), resultAdjoint, getDimAttr(), builder.getI64IntegerAttr(start)));
    start += tensorOf(input).getDimSizes()[position];
  }
  return success();
}

LogicalResult SliceOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                     SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<PadOp>(getLoc(), getInput().getType(), resultAdjoint,
                                                getDimAttr(), getStartAttr())});
  return success();
}

LogicalResult PadOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<SliceOp>(getLoc(), getInput().getType(), resultAdjoint,
                                                  getDimAttr(), getStartAttr())});
  return success();
}

LogicalResult RenameOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                      SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<RenameOp>(getLoc(), getInput().getType(), resultAdjoint)});
  return success();
}

LogicalResult ReshapeOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(
      {builder.create<ReshapeOp>(getLoc(), getInput().getType(), resultAdjoint)});
  return success();
}
