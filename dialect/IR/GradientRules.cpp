// Reverse-mode gradient rules of the differentiable ops (DifferentiableOpInterface).
// PLACEHOLDER until the autodiff work lands: every rule reports that it is missing.
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

#define MESHC_NO_RULE(Op)                                                                      \
  LogicalResult Op::buildAdjoints(OpBuilder &, Value, SmallVectorImpl<Value> &) {             \
    return emitOpError() << "has no gradient rule yet";                                        \
  }
MESHC_NO_RULE(EinsumOp)
MESHC_NO_RULE(AddOp)
MESHC_NO_RULE(SubOp)
MESHC_NO_RULE(MulOp)
MESHC_NO_RULE(ReluOp)
MESHC_NO_RULE(ReduceSumOp)
MESHC_NO_RULE(ReduceMeanOp)
MESHC_NO_RULE(SoftmaxXentOp)
