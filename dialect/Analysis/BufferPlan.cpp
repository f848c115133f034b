// The buffer plan of a per-rank program (see BufferPlan.h).
#include "dialect/Analysis/BufferPlan.h"

#include "dialect/IR/MeshcOps.h"

using namespace mlir;

namespace meshc {

int64_t elementBytes(NamedTensorType type) {
  return type.getElementType().getIntOrFloatBitWidth() / 8;
}

int64_t tensorBytes(NamedTensorType type) { return type.getNumElements() * elementBytes(type); }

bool canReuseOperandBuffer(Operation *op) {
  return isa<AllReduceOp, ScaleOp>(op) && op->getOperand(0).hasOneUse();
}

BufferPlan planBuffers(func::FuncOp func) {
  BufferPlan plan;
  auto newBuffer = [&](int64_t bytes, Operation *op) {
    plan.buffers.push_back({bytes, op});
    return static_cast<unsigned>(plan.buffers.size() - 1);
  };
  Block &body = func.getBody().front();
  for (Operation &op : body)
    for (Value result : op.getResults()) {
      auto type = llvm::dyn_cast<NamedTensorType>(result.getType());
      if (!type)
        continue;
      // Clipping scales each gradient in place, a bucket sums each member in place when
      // nothing else reads it (the runtime packs all before it unpacks); the others may take
      // their operand's buffer.
      Value member = op.getNumOperands() == op.getNumResults()
                         ? op.getOperand(llvm::cast<OpResult>(result).getResultNumber())
                         : Value();
      Value shared = isa<ClipGlobalNormOp>(op)                          ? member
                     : isa<AllReduceBucketOp>(op) && member.hasOneUse() ? member
                     : canReuseOperandBuffer(&op)                       ? op.getOperand(0)
                                                                        : Value();
      if (auto it = shared ? plan.bufferOf.find(shared) : plan.bufferOf.end();
          it != plan.bufferOf.end())
        plan.bufferOf[result] = it->second;
      else
        plan.bufferOf[result] = newBuffer(tensorBytes(type), &op);
    }
  for (Operation &op : body)
    if (isa<AdamUpdateOp, MomentumUpdateOp>(op)) {
      int64_t bytes = tensorBytes(llvm::cast<NamedTensorType>(op.getOperand(0).getType()));
      auto &state = plan.optimizerState[&op];
      for (int i = 0, n = isa<AdamUpdateOp>(op) ? 2 : 1; i < n; ++i)
        state.push_back(newBuffer(bytes, &op));
    }
  return plan;
}

} // namespace meshc
