// The buffer plan of a per-rank program (see BufferPlan.h): live ranges, in-place sharing, and
// offsets in the arena by greedy-by-size placement (the strategy of TFLite's memory planner:
// largest buffers first, each into the tightest gap left by the buffers already placed that are
// live at the same time).
#include "dialect/Analysis/BufferPlan.h"

#include "dialect/IR/Limits.h"
#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <numeric>

using namespace mlir;

namespace meshc {

int64_t elementBytes(NamedTensorType type) {
  return type.getElementType().getIntOrFloatBitWidth() / 8;
}

int64_t tensorBytes(NamedTensorType type) { return type.getNumElements() * elementBytes(type); }

bool canRunInPlace(Operation *op, unsigned operand) {
  // Each of these kernels computes element i of its result from element i of this operand only
  // (meshrt_unary, meshrt_binary: one element per thread on CUDA; the CPU loops read each element
  // before writing it; oneDNN eltwise runs in place; meshrt_fused_elementwise reads a block of
  // every input before it writes that block; all_reduce passes MPI_IN_PLACE / NCCL's
  // in-place form when its buffers coincide; all_reduce_max likewise).
  if (!isa<AllReduceOp, AllReduceMaxOp, ScaleOp, ReluOp, SigmoidOp, TanhOp, ExpOp, LogOp, SqrtOp,
           LeakyReluOp, AddOp, SubOp, MulOp, DivOp, MaximumOp, MinimumOp, ReluGradOp,
           GreaterEqualOp, FusedElementwiseOp, LayerNormGradAddOp>(op))
    return false;
  // layer_norm_grad_add reads a line's input and grad twice (its sums, then the result) and its
  // addend once, element i before it writes element i: in place on the addend only.
  if (isa<LayerNormGradAddOp>(op) && operand != 2)
    return false;
  if (isa<AllReduceOp, AllReduceMaxOp>(op) && operand != 0)
    return false;
  return op->getNumResults() == 1 && operand < op->getNumOperands() &&
         op->getOperand(operand).getType() == op->getResult(0).getType();
}

namespace {

// Sums saturate at kMaxInt64: a program whose buffers overflow int64 cannot run anywhere, and
// the cost report says so (computeCostReport).
int64_t addOrSaturate(int64_t a, int64_t b) { return checkedAdd(a, b).value_or(kMaxInt64); }

int64_t alignUp(int64_t bytes) {
  return addOrSaturate(bytes, kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

/// Values the runtime touches outside the ops that define and use them: parameters (their
/// buffers are the parameter storage, updated in place across steps), inputs (filled by the
/// runtime), metrics and outputs (read by the runtime after a pass).
bool mustPersist(Value value) {
  if (value.getDefiningOp<ParamOp>() || value.getDefiningOp<InputOp>())
    return true;
  return llvm::any_of(value.getUsers(),
                      [](Operation *user) { return isa<MetricOp, PredictionOp>(user); });
}

/// Places the non-persistent buffers at offsets; returns the arena's size.
int64_t placeInArena(std::vector<BufferPlan::Buffer> &buffers) {
  std::vector<unsigned> order;
  for (auto [index, buffer] : llvm::enumerate(buffers))
    if (!buffer.persistent)
      order.push_back(index);
  // Largest first, ties in index order (what a stable sort gives; libstdc++'s stable_sort uses
  // the deprecated get_temporary_buffer, which clang-tidy reports).
  std::sort(order.begin(), order.end(), [&](unsigned a, unsigned b) {
    return buffers[a].bytes != buffers[b].bytes ? buffers[a].bytes > buffers[b].bytes : a < b;
  });
  std::vector<unsigned> placed;
  int64_t arena = 0;
  for (unsigned index : order) {
    BufferPlan::Buffer &buffer = buffers[index];
    int64_t size = alignUp(buffer.bytes);
    // The placed buffers live at the same time as this one, by offset.
    std::vector<std::pair<int64_t, int64_t>> taken; // offset, aligned end
    for (unsigned other : placed)
      if (buffers[other].first <= buffer.last && buffer.first <= buffers[other].last)
        taken.emplace_back(buffers[other].offset,
                           addOrSaturate(buffers[other].offset, alignUp(buffers[other].bytes)));
    llvm::sort(taken);
    int64_t best = -1, bestGap = 0, cursor = 0;
    for (auto [offset, end] : taken) {
      if (offset - cursor >= size && (best < 0 || offset - cursor < bestGap)) {
        best = cursor;
        bestGap = offset - cursor;
      }
      cursor = std::max(cursor, end);
    }
    buffer.offset = best >= 0 ? best : cursor;
    arena = std::max(arena, addOrSaturate(buffer.offset, size));
    placed.push_back(index);
  }
  return arena;
}

} // namespace

BufferPlan planBuffers(func::FuncOp func) {
  BufferPlan plan;
  Block &body = func.getBody().front();
  llvm::DenseMap<Operation *, unsigned> position;
  for (auto [index, op] : llvm::enumerate(body))
    position[&op] = index;
  unsigned lastOp = body.empty() ? 0 : body.getOperations().size() - 1;
  auto lastUse = [&](Value value) {
    unsigned last = position.lookup(value.getDefiningOp());
    for (Operation *user : value.getUsers())
      last = std::max(last, position.lookup(body.findAncestorOpInBlock(*user)));
    return last;
  };

  auto newBuffer = [&](int64_t bytes, Operation *op, bool persistent) {
    unsigned at = position.lookup(op);
    plan.buffers.push_back({std::max(bytes, kMinBufferBytes), op, persistent, 0, at, at});
    return static_cast<unsigned>(plan.buffers.size() - 1);
  };
  for (Operation &op : body) {
    unsigned at = position.lookup(&op);
    for (Value result : op.getResults()) {
      auto type = llvm::dyn_cast<NamedTensorType>(result.getType());
      if (!type)
        continue;
      // Clipping scales each gradient in place; a bucket sums member i in place when member
      // i dies here (the runtime packs every member before it unpacks any), and a wait's
      // result i is its operand i (the async collective's sum, whose only use is the wait);
      // the others take an operand's buffer where the operand dies here (its buffer's last
      // reader is this op) and the kernel allows it.
      std::optional<unsigned> shared;
      const unsigned resultNumber = llvm::cast<OpResult>(result).getResultNumber();
      if (isa<ClipGlobalNormOp>(op)) {
        auto it = plan.bufferOf.find(op.getOperand(resultNumber));
        if (it != plan.bufferOf.end())
          shared = it->second;
      } else if (isa<AllReduceBucketOp, WaitOp>(op)) {
        auto it = plan.bufferOf.find(op.getOperand(resultNumber));
        if (it != plan.bufferOf.end() && !plan.buffers[it->second].persistent &&
            plan.buffers[it->second].last == at)
          shared = it->second;
      } else {
        for (auto [index, operand] : llvm::enumerate(op.getOperands())) {
          auto it = plan.bufferOf.find(operand);
          if (it == plan.bufferOf.end() || !canRunInPlace(&op, index))
            continue;
          const BufferPlan::Buffer &buffer = plan.buffers[it->second];
          if (!buffer.persistent && buffer.last == at) {
            shared = it->second;
            break;
          }
        }
      }
      unsigned index = shared ? *shared : newBuffer(tensorBytes(type), &op, false);
      plan.bufferOf[result] = index;
      BufferPlan::Buffer &buffer = plan.buffers[index];
      buffer.last = std::max(buffer.last, lastUse(result));
      buffer.persistent |= mustPersist(result);
    }
  }
  for (Operation &op : body)
    if (isa<AdamUpdateOp, MomentumUpdateOp>(op)) {
      // The gradient's shape: the parameter's, or a sharded update's slice of it.
      int64_t bytes = tensorBytes(llvm::cast<NamedTensorType>(op.getOperand(1).getType()));
      auto &state = plan.optimizerState[&op];
      for (int i = 0, n = isa<AdamUpdateOp>(op) ? 2 : 1; i < n; ++i)
        state.push_back(newBuffer(bytes, &op, true));
    }
  for (BufferPlan::Buffer &buffer : plan.buffers)
    if (buffer.persistent) {
      buffer.first = 0;
      buffer.last = lastOp;
    }

  plan.arenaBytes = placeInArena(plan.buffers);
  // The bound: bytes live at each op, from where each buffer starts and ends.
  // (In 128 bits: the running sum of int64 sizes cannot overflow it.)
  std::vector<__int128> delta(lastOp + 2, 0);
  for (const BufferPlan::Buffer &buffer : plan.buffers)
    if (!buffer.persistent) {
      delta[buffer.first] += buffer.bytes;
      delta[buffer.last + 1] -= buffer.bytes;
    }
  __int128 live = 0, bound = 0;
  for (__int128 change : delta)
    bound = std::max(bound, live += change);
  plan.liveBytesBound = static_cast<int64_t>(std::min<__int128>(bound, kMaxInt64));
  for (const auto &[value, index] : plan.bufferOf)
    if (!plan.buffers[index].persistent &&
        !value.getDefiningOp<WaitOp>()) // a wait's is its operand's
      plan.unsharedBytes = addOrSaturate(
          plan.unsharedBytes,
          std::max(tensorBytes(llvm::cast<NamedTensorType>(value.getType())), kMinBufferBytes));
  return plan;
}

} // namespace meshc
