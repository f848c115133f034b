// The Eval family (MeshcEvalOps.td): verifiers, sharding and gradient rules of meshc.equal,
// meshc.train_or_eval, meshc.metric and meshc.prediction. Each verifier checks the op on its
// own; that a metric's first dim is the program's sample dim and that names are unique are
// program-wide rules (meshc-check-program).
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

/// Every dim of `part` is a dim of `whole`, of the same size.
LogicalResult requireDimsIn(Operation *op, NamedTensorType part, llvm::StringRef partWhat,
                            NamedTensorType whole) {
  for (auto [name, size] : llvm::zip(part.getDimNames(), part.getDimSizes())) {
    std::optional<unsigned> index = whole.findDim(name.getValue());
    if (!index)
      return op->emitOpError() << "dimension '" << name.getValue() << "' of the " << partWhat
                               << " is not a dimension of the result";
    if (whole.getDimSizes()[*index] != size)
      return op->emitOpError() << "dimension '" << name.getValue() << "' has size " << size
                               << " in the " << partWhat << " but " << whole.getDimSizes()[*index]
                               << " in the result";
  }
  return success();
}

/// A metric or prediction: a name, and a value with a leading sample dim.
LogicalResult verifyPerSample(Operation *op, llvm::StringRef what, llvm::StringRef name,
                              NamedTensorType type) {
  if (name.empty())
    return op->emitOpError() << "needs a name";
  if (name.contains('/'))
    return op->emitOpError() << what << " name '" << name
                             << "' contains '/', which checkpoint names reserve";
  if (type.getRank() < 1)
    return op->emitOpError() << what << " '" << name
                             << "' is a scalar; its first dimension must index samples";
  return success();
}

LogicalResult requireF32Result(Operation *op, Value result) {
  if (!tensorOf(result).getElementType().isF32())
    return op->emitOpError() << "result must have element type f32, not "
                             << tensorOf(result).getElementType();
  return success();
}

} // namespace

LogicalResult EqualOp::verify() {
  NamedTensorType lhs = tensorOf(getLhs()), rhs = tensorOf(getRhs()), out = tensorOf(getResult());
  if (lhs.getElementType() != rhs.getElementType())
    return emitOpError() << "operands have element types " << lhs.getElementType() << " and "
                         << rhs.getElementType() << "; they must be one type";
  if (!out.getElementType().isF32())
    return emitOpError() << "result must have element type f32, not " << out.getElementType();
  if (failed(requireDimsIn(*this, lhs, "left operand", out)) ||
      failed(requireDimsIn(*this, rhs, "right operand", out)))
    return failure();
  for (StringAttr name : out.getDimNames())
    if (!lhs.hasDim(name) && !rhs.hasDim(name))
      return emitOpError() << "result dimension '" << name.getValue() << "' is in neither operand";
  return success();
}

// A 0/1 comparison is piecewise constant: no gradient reaches its operands.
LogicalResult EqualOp::buildAdjoints(OpBuilder &, Value, SmallVectorImpl<Value> &adjoints) {
  adjoints.assign({Value(), Value()});
  return success();
}

LogicalResult TrainOrEvalOp::verify() { return requireF32Result(*this, getResult()); }

// Only training is differentiated: the evaluation operand gets no gradient.
LogicalResult TrainOrEvalOp::buildAdjoints(OpBuilder &, Value adjoint,
                                           SmallVectorImpl<Value> &adjoints) {
  adjoints.assign({adjoint, Value()});
  return success();
}

LogicalResult MetricOp::verify() {
  NamedTensorType type = tensorOf(getValue());
  if (failed(verifyPerSample(*this, "metric", getName(), type)))
    return failure();
  if (!type.getElementType().isF32())
    return emitOpError() << "metric '" << getName() << "' must have element type f32, not "
                         << type.getElementType();
  return success();
}

LogicalResult PredictionOp::verify() {
  return verifyPerSample(*this, "output", getName(), tensorOf(getValue()));
}
