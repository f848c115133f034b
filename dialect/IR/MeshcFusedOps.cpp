// Verifiers of the fused ops (MeshcFusedOps.td): meshc.fused_elementwise's program is well
// formed (FusedElementwise.h's ops, operands defined before use, inputs broadcast by name into
// the result), meshc.add_layer_norm and meshc.layer_norm_grad_add normalise a dim their type
// has.
#include "dialect/IR/FusedElementwise.h"
#include "dialect/IR/MeshcOps.h"

#include <cmath>

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

} // namespace

LogicalResult FusedElementwiseOp::verify() {
  const int64_t numInputs = getInputs().size(), numOps = getOps().size();
  if (numInputs < 1 || numInputs > fused::kMaxInputs)
    return emitOpError() << "takes 1 to " << fused::kMaxInputs << " inputs, not " << numInputs;
  if (numOps < 1 || numOps > fused::kMaxOps)
    return emitOpError() << "has 1 to " << fused::kMaxOps << " ops, not " << numOps;
  if (static_cast<int64_t>(getArgs().size()) != 2 * numOps)
    return emitOpError() << "has " << getArgs().size() << " args for " << numOps
                         << " ops (two per op, -1 where an op takes one)";
  if (static_cast<int64_t>(getConstants().size()) != numOps)
    return emitOpError() << "has " << getConstants().size() << " constants for " << numOps
                         << " ops (one per op)";
  NamedTensorType out = tensorOf(getResult());
  if (!out.getElementType().isF32())
    return emitOpError() << "result must have element type f32, not " << out.getElementType();
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    NamedTensorType type = tensorOf(input);
    if (!type.getElementType().isF32())
      return emitOpError() << "input #" << i << " must have element type f32, not "
                           << type.getElementType();
    for (auto [name, size] : llvm::zip(type.getDimNames(), type.getDimSizes()))
      if (!out.hasDim(name.getValue()) || out.getDimSize(name.getValue()) != size)
        return emitOpError() << "input #" << i << " has dimension '" << name.getValue()
                             << "' of size " << size << ", which the result does not have";
  }
  for (int64_t j = 0; j < numOps; ++j) {
    StringRef name = llvm::cast<StringAttr>(getOps()[j]).getValue();
    const fused::OpInfo *info = fused::lookup(name);
    if (!info)
      return emitOpError() << "op #" << j << " '" << name << "' is not a fusable elementwise op";
    for (int k = 0; k < 2; ++k) {
      int32_t value = getArgs()[2 * j + k];
      if (k >= info->operands) {
        if (value != -1)
          return emitOpError() << "op #" << j << " '" << name << "' takes " << info->operands
                               << " operand(s) but names value " << value;
        continue;
      }
      if (value < 0 || value >= numInputs + j)
        return emitOpError() << "op #" << j << " '" << name << "' reads value " << value
                             << ", which is not defined before it (" << numInputs
                             << " inputs, then one value per op)";
    }
    if (!info->constant && getConstants()[j] != 0.0)
      return emitOpError() << "op #" << j << " '" << name << "' takes no constant but has "
                           << getConstants()[j];
    if (info->constant && !std::isfinite(getConstants()[j]))
      return emitOpError() << "op #" << j << " '" << name << "' has a constant that is not finite";
  }
  return success();
}

namespace {

/// The layer-norm fused ops: f32, a normalised dim the type has, a positive finite epsilon.
LogicalResult verifyLayerNormFused(Operation *op, NamedTensorType type, llvm::StringRef dim,
                                   double epsilon) {
  if (!type.getElementType().isF32())
    return op->emitOpError() << "operands must have element type f32, not "
                             << type.getElementType();
  if (!type.hasDim(dim))
    return op->emitOpError() << "normalised dimension '" << dim << "' is not a dimension of "
                             << type;
  if (!(epsilon > 0.0) || !std::isfinite(epsilon))
    return op->emitOpError() << "epsilon must be a positive finite number, not " << epsilon;
  return success();
}

} // namespace

LogicalResult AddLayerNormOp::verify() {
  return verifyLayerNormFused(*this, tensorOf(getResult()), getDim(),
                              getEpsilon().convertToDouble());
}

LogicalResult LayerNormGradAddOp::verify() {
  return verifyLayerNormFused(*this, tensorOf(getResult()), getDim(),
                              getEpsilon().convertToDouble());
}
