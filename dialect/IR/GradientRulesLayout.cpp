// Gradient rules of the Layout family (see GradientRules.cpp).
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

// The identity globally: the operand's adjoint is the result's adjoint, held in the same
// override (as a sharding constraint's transpose is the same constraint). Consumers of the
// operand's adjoint get it resharded to what they need.
LogicalResult RelayoutOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                        SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign({builder.create<RelayoutOp>(getLoc(), resultAdjoint.getType(),
                                                     resultAdjoint, getLayoutAttr())});
  return success();
}
