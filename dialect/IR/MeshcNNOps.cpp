// Verifiers and sharding rules of the NN family (MeshcNNOps.td): layer_norm, gelu, softmax,
// causal_mask, dropout, their adjoint ops, and the Adam and momentum updates.
#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/IR/Builders.h"

#include <cmath>

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

LogicalResult requireF32(Operation *op, Value value, llvm::StringRef what) {
  Type type = tensorOf(value).getElementType();
  if (!type.isF32())
    return op->emitOpError() << what << " must have element type f32, not " << type;
  return success();
}

LogicalResult requireDim(Operation *op, Value value, llvm::StringRef dim, llvm::StringRef what) {
  if (!tensorOf(value).hasDim(dim))
    return op->emitOpError() << what << " '" << dim << "' is not a dimension of "
                             << value.getType();
  return success();
}

LogicalResult requireEpsilon(Operation *op, double epsilon) {
  if (!(epsilon > 0))
    return op->emitOpError() << "epsilon must be positive, not " << epsilon;
  if (!std::isfinite(epsilon))
    return op->emitOpError() << "epsilon must be finite, not " << std::to_string(epsilon);
  return success();
}

/// AdamW's decoupled weight decay: >= 0 and finite.
LogicalResult requireWeightDecay(Operation *op, double value) {
  if (!(value >= 0) || !std::isfinite(value))
    return op->emitOpError() << "weight_decay must be non-negative and finite, not "
                             << std::to_string(value);
  return success();
}

/// `what` in [0, 1).
LogicalResult requireFraction(Operation *op, double value, llvm::StringRef what) {
  if (!(value >= 0 && value < 1))
    return op->emitOpError() << what << " must be in [0, 1), not " << value;
  return success();
}

LogicalResult verifyUpdate(Operation *op, Value param, Value grad, double learningRate) {
  if (!param.getDefiningOp<ParamOp>())
    return op->emitOpError() << "must update the value of a meshc.param";
  if (failed(verifyUpdateGradType(op, param, grad)))
    return failure();
  if (!(learningRate > 0))
    return op->emitOpError() << "learning rate must be positive";
  if (!std::isfinite(learningRate))
    return op->emitOpError() << "learning rate must be finite, not "
                             << std::to_string(learningRate);
  return success();
}

} // namespace

/// A sharded update's gradient (meshc-shard-updates) is the parameter's slice along its first
/// dim: the same dims and element type, the first dim a divisor of the parameter's (the
/// per-rank verifier checks the slice against the mesh axis).
LogicalResult meshc::verifyUpdateGradType(Operation *op, Value param, Value grad) {
  auto p = llvm::cast<NamedTensorType>(param.getType());
  auto g = llvm::cast<NamedTensorType>(grad.getType());
  if (!op->getAttrOfType<StringAttr>("shard_axis")) {
    if (p != g)
      return op->emitOpError() << "gradient type " << g << " differs from the parameter type " << p;
    return success();
  }
  if (p.getRank() == 0)
    return op->emitOpError() << "shards the update of a parameter without dimensions";
  if (p.getDimNames() != g.getDimNames() || p.getElementType() != g.getElementType() ||
      p.getDimSizes().drop_front() != g.getDimSizes().drop_front() || g.getDimSizes().front() < 1 ||
      p.getDimSizes().front() % g.getDimSizes().front() != 0)
    return op->emitOpError() << "sharded gradient type " << g
                             << " is not a slice of the parameter type " << p
                             << " along its first dimension";
  return success();
}

LogicalResult LayerNormOp::verify() {
  if (failed(requireF32(*this, getInput(), "the operand")) ||
      failed(requireDim(*this, getInput(), getDim(), "normalised dimension")))
    return failure();
  return requireEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult LayerNormGradOp::verify() {
  if (failed(requireF32(*this, getInput(), "the operand")) ||
      failed(requireDim(*this, getInput(), getDim(), "normalised dimension")))
    return failure();
  return requireEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult GeluOp::verify() { return requireF32(*this, getInput(), "the operand"); }
LogicalResult GeluGradOp::verify() { return requireF32(*this, getInput(), "the operand"); }

LogicalResult SoftmaxOp::verify() {
  if (failed(requireF32(*this, getInput(), "the operand")))
    return failure();
  return requireDim(*this, getInput(), getDim(), "softmax dimension");
}

LogicalResult CausalMaskOp::verify() {
  if (failed(requireF32(*this, getInput(), "the operand")) ||
      failed(requireDim(*this, getInput(), getQueryDim(), "query dimension")) ||
      failed(requireDim(*this, getInput(), getKeyDim(), "key dimension")))
    return failure();
  if (getQueryDim() == getKeyDim())
    return emitOpError() << "query and key dimensions must differ, both are '" << getQueryDim()
                         << "'";
  // Per-rank programs hold slices: the global sizes were checked before partitioning.
  auto parent = llvm::dyn_cast_or_null<func::FuncOp>((*this)->getParentOp());
  if (parent && isPerRank(parent))
    return success();
  NamedTensorType type = tensorOf(getInput());
  int64_t queries = type.getDimSize(getQueryDim()), keys = type.getDimSize(getKeyDim());
  if (queries != keys)
    return emitOpError() << "query dimension '" << getQueryDim() << "' has size " << queries
                         << " but key dimension '" << getKeyDim() << "' has size " << keys;
  return success();
}

LogicalResult DropoutOp::verify() {
  if (failed(requireF32(*this, getInput(), "the operand")))
    return failure();
  return requireFraction(*this, getRate().convertToDouble(), "rate");
}

LogicalResult AdamUpdateOp::verify() {
  if (failed(verifyUpdate(*this, getParam(), getGrad(), getLearningRate().convertToDouble())) ||
      failed(requireFraction(*this, getBeta1().convertToDouble(), "beta1")) ||
      failed(requireFraction(*this, getBeta2().convertToDouble(), "beta2")))
    return failure();
  if (failed(requireEpsilon(*this, getEpsilon().convertToDouble())))
    return failure();
  return requireWeightDecay(*this, getWeightDecay().convertToDouble());
}

LogicalResult ClipGlobalNormOp::verify() {
  if (getGrads().empty())
    return emitOpError() << "needs at least one gradient";
  if (getResults().size() != getGrads().size())
    return emitOpError() << "has " << getResults().size() << " results for " << getGrads().size()
                         << " gradients";
  for (auto [index, grad, result] : llvm::enumerate(getGrads(), getResults())) {
    if (failed(requireF32(*this, grad, "every gradient")))
      return failure();
    if (grad.getType() != result.getType())
      return emitOpError() << "result " << index << " has type " << result.getType()
                           << " but its gradient has type " << grad.getType();
  }
  double maxNorm = getMaxNorm().convertToDouble();
  if (!(maxNorm > 0) || !std::isfinite(maxNorm))
    return emitOpError() << "max_norm must be positive and finite, not " << std::to_string(maxNorm);
  if (std::optional<llvm::ArrayRef<int64_t>> replicas = getReplicas()) {
    if (replicas->size() != getGrads().size())
      return emitOpError() << "has " << replicas->size() << " replicas for " << getGrads().size()
                           << " gradients";
    if (llvm::any_of(*replicas, [](int64_t r) { return r < 1; }))
      return emitOpError() << "replicas must be at least 1";
  }
  return success();
}

LogicalResult MomentumUpdateOp::verify() {
  if (failed(verifyUpdate(*this, getParam(), getGrad(), getLearningRate().convertToDouble())))
    return failure();
  return requireFraction(*this, getMomentum().convertToDouble(), "momentum");
}

LogicalResult meshc::verifyOptimizerAttributes(MinimizeOp op) {
  Optimizer optimizer = op.getOptimizer();
  struct Owned {
    llvm::StringRef name;
    std::optional<llvm::APFloat> value;
    Optimizer owner;
  };
  Owned attrs[] = {{"beta1", op.getBeta1(), Optimizer::Adam},
                   {"beta2", op.getBeta2(), Optimizer::Adam},
                   {"epsilon", op.getEpsilon(), Optimizer::Adam},
                   {"weight_decay", op.getWeightDecay(), Optimizer::Adam},
                   {"momentum", op.getMomentum(), Optimizer::Momentum}};
  for (const Owned &attr : attrs) {
    if (!attr.value)
      continue;
    if (attr.owner != optimizer)
      return op.emitOpError() << "attribute '" << attr.name << "' belongs to optimizer "
                              << stringifyOptimizer(attr.owner) << ", not "
                              << stringifyOptimizer(optimizer);
    double value = attr.value->convertToDouble();
    if (attr.name == "epsilon"        ? failed(requireEpsilon(op, value))
        : attr.name == "weight_decay" ? failed(requireWeightDecay(op, value))
                                      : failed(requireFraction(op, value, attr.name)))
      return failure();
  }
  if (std::optional<llvm::APFloat> clip = op.getClipNorm()) {
    double value = clip->convertToDouble();
    if (!(value > 0) || !std::isfinite(value))
      return op.emitOpError() << "clip_norm must be positive and finite, not "
                              << std::to_string(value);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Sharding rules
//===----------------------------------------------------------------------===//

llvm::SmallVector<StringAttr> LayerNormOp::getWholeDims() { return {getDimAttr()}; }
llvm::SmallVector<StringAttr> LayerNormGradOp::getWholeDims() { return {getDimAttr()}; }
llvm::SmallVector<StringAttr> SoftmaxOp::getWholeDims() { return {getDimAttr()}; }
