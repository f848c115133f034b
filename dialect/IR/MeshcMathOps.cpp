// Verifiers of the Math family (MeshcMathOps.td): sigmoid, tanh, exp, log, sqrt, leaky_relu,
// div, maximum, minimum and greater_equal. Their sharding rule is the interface's default, that
// of every elementwise op: no dim is summed (each result dim is an operand dim) and none must
// be whole, so any layout runs them locally; an operand broadcast by name is read where the
// result is held, as for meshc.add. None is linear, so the partitioner completes a pending
// partial sum before them.
#include "dialect/IR/MeshcOps.h"

#include <cmath>
#include <string>

using namespace mlir;
using namespace meshc;

namespace {

LogicalResult requireF32Operand(Operation *op, Value value) {
  Type type = llvm::cast<NamedTensorType>(value.getType()).getElementType();
  if (!type.isF32())
    return op->emitOpError() << "the operand must have element type f32, not " << type;
  return success();
}

} // namespace

LogicalResult SigmoidOp::verify() { return requireF32Operand(*this, getInput()); }
LogicalResult TanhOp::verify() { return requireF32Operand(*this, getInput()); }
LogicalResult ExpOp::verify() { return requireF32Operand(*this, getInput()); }
LogicalResult LogOp::verify() { return requireF32Operand(*this, getInput()); }
LogicalResult SqrtOp::verify() { return requireF32Operand(*this, getInput()); }

LogicalResult LeakyReluOp::verify() {
  if (failed(requireF32Operand(*this, getInput())))
    return failure();
  // The runtime takes alpha as an f32.
  double alpha = getAlpha().convertToDouble();
  if (std::isfinite(alpha) && !std::isfinite(static_cast<float>(alpha)))
    return emitOpError() << "alpha must be a finite f32, not " << alpha;
  if (!std::isfinite(alpha))
    return emitOpError() << "alpha must be a finite f32, not " << std::to_string(alpha);
  return success();
}

LogicalResult DivOp::verify() {
  return verifyBroadcastingBinary(*this, getLhs(), getRhs(), getResult());
}
LogicalResult MaximumOp::verify() {
  return verifyBroadcastingBinary(*this, getLhs(), getRhs(), getResult());
}
LogicalResult MinimumOp::verify() {
  return verifyBroadcastingBinary(*this, getLhs(), getRhs(), getResult());
}
LogicalResult GreaterEqualOp::verify() {
  return verifyBroadcastingBinary(*this, getLhs(), getRhs(), getResult());
}
