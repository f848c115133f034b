// Reverse-mode gradient rules of the Math family (see GradientRules.cpp for the conventions:
// adjoints are built at the builder's insertion point, located at the forward op, on global
// types).
//
// Each derivative is composed from existing elementwise ops, reusing the forward result where
// the derivative is a function of it (sigmoid' = y (1 - y), tanh' = 1 - y^2, exp' = y,
// sqrt' = 1 / (2 y)), so no op needs a gradient kernel of its own. maximum and minimum select
// with meshc.greater_equal: where the operands tie, the whole gradient goes to the FIRST
// operand (PyTorch splits it half and half; one side keeps the sum of both adjoints equal to
// the result's adjoint either way).
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

Value mul(OpBuilder &builder, Location loc, Value a, Value b) {
  return builder.create<MulOp>(loc, a.getType(), a, b);
}

Value scale(OpBuilder &builder, Location loc, Value a, double factor) {
  return builder.create<ScaleOp>(loc, a.getType(), a, builder.getF64FloatAttr(factor));
}

/// The adjoints of max/min(lhs, rhs), given the mask that is 1 where lhs is the one chosen.
void selectAdjoints(OpBuilder &builder, Location loc, Value resultAdjoint, Value lhsMask, Value lhs,
                    Value rhs, SmallVectorImpl<Value> &operandAdjoints) {
  Value toLhs = mul(builder, loc, resultAdjoint, lhsMask);
  Value toRhs = builder.create<SubOp>(loc, resultAdjoint.getType(), resultAdjoint, toLhs);
  Value lhsAdjoint = unbroadcast(builder, loc, toLhs, tensorOf(lhs));
  operandAdjoints.assign({lhsAdjoint, unbroadcast(builder, loc, toRhs, tensorOf(rhs))});
}

} // namespace

// dx = dy y (1 - y) = dy y - (dy y) y.
LogicalResult SigmoidOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  Value dyY = mul(builder, loc, resultAdjoint, getResult());
  Value dyYY = mul(builder, loc, dyY, getResult());
  operandAdjoints.assign({builder.create<SubOp>(loc, dyY.getType(), dyY, dyYY)});
  return success();
}

// dx = dy (1 - y^2) = dy - (dy y) y.
LogicalResult TanhOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                    SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  Value dyYY = mul(builder, loc, mul(builder, loc, resultAdjoint, getResult()), getResult());
  operandAdjoints.assign(
      {builder.create<SubOp>(loc, resultAdjoint.getType(), resultAdjoint, dyYY)});
  return success();
}

LogicalResult ExpOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({mul(builder, getLoc(), resultAdjoint, getResult())});
  return success();
}

LogicalResult LogOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(
      {builder.create<DivOp>(getLoc(), resultAdjoint.getType(), resultAdjoint, getInput())});
  return success();
}

// dx = dy / (2 y): infinite at x = 0, as the derivative is.
LogicalResult SqrtOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                    SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  Value quotient = builder.create<DivOp>(loc, resultAdjoint.getType(), resultAdjoint, getResult());
  operandAdjoints.assign({scale(builder, loc, quotient, 0.5)});
  return success();
}

// dx = dy where x > 0, else alpha dy = alpha dy + (1 - alpha) relu_grad(x, dy).
LogicalResult LeakyReluOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                         SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  double alpha = getAlpha().convertToDouble();
  Value positive = builder.create<ReluGradOp>(loc, getInput().getType(), getInput(), resultAdjoint);
  if (alpha == 0.0) {
    operandAdjoints.assign({positive});
    return success();
  }
  // Named in order: argument evaluation order would otherwise decide the IR's order.
  Value below = scale(builder, loc, resultAdjoint, alpha);
  Value above = scale(builder, loc, positive, 1.0 - alpha);
  operandAdjoints.assign({builder.create<AddOp>(loc, resultAdjoint.getType(), below, above)});
  return success();
}

// y = a / b: da = dy / b, db = -dy a / b^2 = -(dy / b) y, each summed over the dims its
// operand was broadcast along.
LogicalResult DivOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  Value quotient = builder.create<DivOp>(loc, resultAdjoint.getType(), resultAdjoint, getRhs());
  Value lhs = unbroadcast(builder, loc, quotient, tensorOf(getLhs()));
  Value rhs =
      unbroadcast(builder, loc, mul(builder, loc, quotient, getResult()), tensorOf(getRhs()));
  // Negate after the reduction: the smaller tensor.
  operandAdjoints.assign({lhs, scale(builder, loc, rhs, -1.0)});
  return success();
}

LogicalResult MaximumOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  Value lhsChosen =
      builder.create<GreaterEqualOp>(getLoc(), getResult().getType(), getLhs(), getRhs());
  selectAdjoints(builder, getLoc(), resultAdjoint, lhsChosen, getLhs(), getRhs(), operandAdjoints);
  return success();
}

LogicalResult MinimumOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  Value lhsChosen =
      builder.create<GreaterEqualOp>(getLoc(), getResult().getType(), getRhs(), getLhs());
  selectAdjoints(builder, getLoc(), resultAdjoint, lhsChosen, getLhs(), getRhs(), operandAdjoints);
  return success();
}
