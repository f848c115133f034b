// Reverse-mode gradient rules of the differentiable ops (DifferentiableOpInterface).
//
// Each rule builds, at the builder's insertion point, the adjoints of its operands from the
// adjoint of its result, using meshc ops only, every one located at the forward op so that
// later diagnostics and collectives point at the user's DSL line. The autodiff pass places
// the insertion point after the whole forward program (adjoints of later ops feed earlier
// rules), not right after the op. Rules see global sizes: autodiff runs before partitioning.
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

} // namespace

Value meshc::broadcastTo(OpBuilder &builder, Location loc, Value value, NamedTensorType target) {
  if (value.getType() == target)
    return value;
  return builder.create<BroadcastOp>(loc, target, value);
}

Value meshc::unbroadcast(OpBuilder &builder, Location loc, Value grad, NamedTensorType target) {
  NamedTensorType gradType = tensorOf(grad);
  if (gradType.getRank() != target.getRank())
    return builder.create<ReduceSumOp>(loc, target, grad);
  return broadcastTo(builder, loc, grad, target);
}

namespace {

/// Adjoint of operand `self` of einsum(self, other) -> result: einsum(dResult, other) onto the
/// dims of `self` it can produce; a dim of `self` summed out by `self` alone (in neither
/// dResult nor `other`) is then restored by broadcasting, as the sum's derivative is 1.
Value einsumOperandAdjoint(OpBuilder &builder, Location loc, Value resultAdjoint, Value self,
                           Value other) {
  NamedTensorType selfType = tensorOf(self);
  NamedTensorType adjType = tensorOf(resultAdjoint);
  NamedTensorType otherType = tensorOf(other);
  llvm::SmallVector<StringAttr> reachable;
  for (StringAttr name : selfType.getDimNames())
    if (adjType.hasDim(name) || otherType.hasDim(name))
      reachable.push_back(name);
  NamedTensorType partial = selfType.withDims(reachable);
  Value grad = builder.create<EinsumOp>(loc, partial, ValueRange{resultAdjoint, other});
  return broadcastTo(builder, loc, grad, selfType);
}

} // namespace

LogicalResult EinsumOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                      SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  operandAdjoints.clear();
  if (getInputs().size() == 1) {
    // Single operand: the result is a sum over the dims absent from it (and a permutation).
    operandAdjoints.push_back(broadcastTo(builder, loc, resultAdjoint, tensorOf(getInputs()[0])));
    return success();
  }
  Value lhs = getInputs()[0], rhs = getInputs()[1];
  operandAdjoints.push_back(einsumOperandAdjoint(builder, loc, resultAdjoint, lhs, rhs));
  operandAdjoints.push_back(einsumOperandAdjoint(builder, loc, resultAdjoint, rhs, lhs));
  return success();
}

LogicalResult AddOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  operandAdjoints.assign({unbroadcast(builder, loc, resultAdjoint, tensorOf(getLhs())),
                          unbroadcast(builder, loc, resultAdjoint, tensorOf(getRhs()))});
  return success();
}

LogicalResult SubOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  Value lhs = unbroadcast(builder, loc, resultAdjoint, tensorOf(getLhs()));
  Value rhs = unbroadcast(builder, loc, resultAdjoint, tensorOf(getRhs()));
  // Negate after the reduction: the smaller tensor.
  Value negRhs = builder.create<ScaleOp>(loc, rhs.getType(), rhs, builder.getF64FloatAttr(-1.0));
  operandAdjoints.assign({lhs, negRhs});
  return success();
}

LogicalResult MulOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  Type resultType = getResult().getType();
  Value dl = builder.create<MulOp>(loc, resultType, resultAdjoint, getRhs());
  Value dr = builder.create<MulOp>(loc, resultType, resultAdjoint, getLhs());
  operandAdjoints.assign({unbroadcast(builder, loc, dl, tensorOf(getLhs())),
                          unbroadcast(builder, loc, dr, tensorOf(getRhs()))});
  return success();
}

LogicalResult ReluOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                    SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(
      {builder.create<ReluGradOp>(getLoc(), getInput().getType(), getInput(), resultAdjoint)});
  return success();
}

LogicalResult ScaleOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                     SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.push_back(
      builder.create<ScaleOp>(getLoc(), resultAdjoint.getType(), resultAdjoint, getFactorAttr()));
  return success();
}

LogicalResult ReduceSumOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                         SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({broadcastTo(builder, getLoc(), resultAdjoint, tensorOf(getInput()))});
  return success();
}

LogicalResult ReduceMeanOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                          SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  // Global sizes: the number of elements averaged into each result element.
  int64_t count = tensorOf(getInput()).getNumElements() / tensorOf(getResult()).getNumElements();
  Value scaled = resultAdjoint;
  if (count != 1)
    // Scale before broadcasting: the smaller tensor.
    scaled = builder.create<ScaleOp>(loc, resultAdjoint.getType(), resultAdjoint,
                                     builder.getF64FloatAttr(1.0 / double(count)));
  operandAdjoints.assign({broadcastTo(builder, loc, scaled, tensorOf(getInput()))});
  return success();
}

LogicalResult SoftmaxXentOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                           SmallVectorImpl<Value> &operandAdjoints) {
  Value dlogits = builder.create<SoftmaxXentGradOp>(getLoc(), getLogits().getType(), getLogits(),
                                                    getLabels(), resultAdjoint, getClassDimAttr());
  // Integer labels have no gradient.
  operandAdjoints.assign({dlogits, Value()});
  return success();
}
