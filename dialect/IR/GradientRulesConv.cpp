// Reverse-mode gradient rules of the Conv family (DifferentiableOpInterface); see
// GradientRules.cpp for the conventions. Convolution is bilinear: its input adjoint is the
// transposed convolution of dy, its filter adjoint conv_grad_filter; the transposed
// convolution, the adjoint of conv's input map, has conv as its input adjoint. Every adjoint
// op carries the forward op's window attributes unchanged.
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

LogicalResult ConvOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                    SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  auto attrs = (*this)->getAttrs();
  Value dx = builder.create<ConvTransposeOp>(loc, getInput().getType(),
                                             ValueRange{resultAdjoint, getFilter()}, attrs);
  Value dw = builder.create<ConvGradFilterOp>(loc, getFilter().getType(),
                                              ValueRange{getInput(), resultAdjoint}, attrs);
  operandAdjoints.assign({dx, dw});
  return success();
}

// y = T(x; w) with T the adjoint of the forward conv's input map: <T(x; w), v> = <x, conv(v; w)>,
// so dx = conv(dy; w) with the same attributes. In w, <T(x; w), dy> = <x, conv(dy; w)> and
// conv's filter derivative at input dy and output adjoint x is conv_grad_filter(dy, x): the
// roles of the forward input and output adjoint are dy (forward-input shaped) and x.
LogicalResult ConvTransposeOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                             SmallVectorImpl<Value> &operandAdjoints) {
  Location loc = getLoc();
  auto attrs = (*this)->getAttrs();
  Value dx = builder.create<ConvOp>(loc, getInput().getType(),
                                    ValueRange{resultAdjoint, getFilter()}, attrs);
  Value dw = builder.create<ConvGradFilterOp>(loc, getFilter().getType(),
                                              ValueRange{resultAdjoint, getInput()}, attrs);
  operandAdjoints.assign({dx, dw});
  return success();
}

LogicalResult MaxPoolOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<MaxPoolGradOp>(
      getLoc(), getInput().getType(), ValueRange{getInput(), resultAdjoint}, (*this)->getAttrs())});
  return success();
}

LogicalResult AvgPoolOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                       SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<AvgPoolGradOp>(
      getLoc(), getInput().getType(), ValueRange{resultAdjoint}, (*this)->getAttrs())});
  return success();
}

LogicalResult BatchNormOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                         SmallVectorImpl<Value> &operandAdjoints) {
  Type x = getInput().getType(), stat = getMean().getType();
  auto grad = builder.create<BatchNormGradOp>(
      getLoc(), TypeRange{x, stat, stat, stat, stat},
      ValueRange{getInput(), getMean(), getVar(), getScale(), resultAdjoint}, (*this)->getAttrs());
  operandAdjoints.assign(
      {grad.getDinput(), grad.getDmean(), grad.getDvar(), grad.getDscale(), grad.getDshift()});
  return success();
}
