// meshc-remat: rematerialisation. After meshc-autodiff, the backward program reads forward
// activations that would otherwise live from the forward pass to the backward one; a cheap one
// is recomputed right before its first backward use instead, from operands that are live there
// anyway, so that the forward value dies at its last forward use (see Passes.td).
//
// The pass never lengthens a live range: a recomputed op's operands must already be live at
// the recomputation point (or be recomputed there too, in a short chain), the forward value's
// range shrinks to its forward uses and the recomputed value's range lies inside the one the
// forward value had. So the liveness bound of the per-rank program (BufferPlan.h) cannot rise;
// what it costs is the recomputation.
#include "dialect/Transforms/Passes.h"

#include "dialect/IR/ModuleAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

namespace meshc {
#define GEN_PASS_DEF_REMAT
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// Longest chain of cheap ops recomputed for one value: long enough for layer norm's
/// normalise-scale-shift and a bias + activation, short enough that a residual stream (a chain
/// of adds through every layer) is never recomputed from its start.
constexpr int kMaxChain = 4;

/// Ops whose recomputation costs one pass over their result (or less): elementwise math,
/// normalisation and activation, masking, dropout (its mask is a function of its key, the step
/// and the element's global index, so a recomputation draws the same mask), and data movement.
bool isCheap(Operation *op) {
  return op->getNumResults() == 1 && op->getNumRegions() == 0 &&
         isa<AddOp, SubOp, MulOp, DivOp, MaximumOp, MinimumOp, ScaleOp, ReluOp, LeakyReluOp,
             SigmoidOp, TanhOp, ExpOp, LogOp, SqrtOp, GeluOp, LayerNormOp, SoftmaxOp, CausalMaskOp,
             DropoutOp, BroadcastOp, RenameOp, ReshapeOp, SliceOp, FillOp>(op);
}

/// The gradient seed meshc-autodiff puts between the forward and the backward program: the
/// first `meshc.fill {value = 1.0}` of the loss's type, at the loss output's location (both come
/// from the minimize), after the loss's op. Null when the block has no differentiated loss.
Operation *findSeed(Block &body) {
  OutputOp loss;
  for (Operation &op : body)
    if (auto output = dyn_cast<OutputOp>(op); output && output.getName() == "loss")
      loss = output;
  if (!loss)
    return nullptr;
  Value lossValue = loss->getOperand(0);
  Operation *lossOp = lossValue.getDefiningOp();
  if (!lossOp || lossOp->getBlock() != &body)
    return nullptr;
  for (Operation *op = lossOp->getNextNode(); op && op != loss; op = op->getNextNode())
    if (auto fill = dyn_cast<FillOp>(op))
      if (fill.getType() == lossValue.getType() && fill.getValue().convertToDouble() == 1.0 &&
          fill->getLoc() == loss->getLoc())
        return op;
  return nullptr;
}

class Rematerializer {
public:
  Rematerializer(Block &body, Operation *seed, bool all) : body(body), seed(seed), all(all) {}

  /// Recomputes each chosen forward value before its first backward use, last forward op
  /// first: a value recomputed later in the forward order may read an earlier one, whose own
  /// first backward use then becomes that recomputation, which it is recomputed before in turn.
  /// Returns the number of ops recomputed.
  int run() {
    llvm::SmallVector<Operation *> forward;
    for (Operation &op : body) {
      if (&op == seed)
        break;
      forward.push_back(&op);
    }
    int recomputed = 0;
    for (Operation *op : llvm::reverse(forward)) {
      if (!isCheap(op) || (!all && !isRematMarked(op)))
        continue;
      Value value = op->getResult(0);
      Operation *first = firstBackwardUser(value);
      if (!first)
        continue;
      llvm::DenseMap<Value, Value> clones;
      if (!recomputable(value, first, kMaxChain, /*isRoot=*/true))
        continue;
      OpBuilder builder(first);
      Value clone = recompute(builder, value, first, clones, recomputed);
      value.replaceUsesWithIf(clone, [&](OpOperand &use) {
        return isBackward(use.getOwner()) && use.getOwner() != clone.getDefiningOp();
      });
    }
    return recomputed;
  }

private:
  bool isBackward(Operation *op) const {
    op = body.findAncestorOpInBlock(*op);
    return op && seed->isBeforeInBlock(op);
  }

  /// The earliest backward op that reads `value`, or null.
  Operation *firstBackwardUser(Value value) const {
    Operation *first = nullptr;
    for (Operation *user : value.getUsers()) {
      Operation *op = body.findAncestorOpInBlock(*user);
      if (op && seed->isBeforeInBlock(op) && (!first || op->isBeforeInBlock(first)))
        first = op;
    }
    return first;
  }

  /// True when `value` is live right before `at` as the program stands: a parameter or an
  /// input (their buffers persist), or read at `at` or later.
  bool liveAt(Value value, Operation *at) const {
    if (value.getDefiningOp<ParamOp>() || value.getDefiningOp<InputOp>())
      return true;
    return llvm::any_of(value.getUsers(), [&](Operation *user) {
      Operation *op = body.findAncestorOpInBlock(*user);
      return op && (op == at || at->isBeforeInBlock(op));
    });
  }

  /// True when `value` can be had right before `at` without lengthening any live range: live
  /// there already, or (the root, or within `depth` more cheap forward ops) recomputable from
  /// operands that are.
  bool recomputable(Value value, Operation *at, int depth, bool isRoot) const {
    if (!isRoot && liveAt(value, at))
      return true;
    Operation *op = value.getDefiningOp();
    if (depth == 0 || !op || op->getBlock() != &body || !isCheap(op) || isBackward(op))
      return false;
    return llvm::all_of(op->getOperands(), [&](Value operand) {
      return recomputable(operand, at, depth - 1, /*isRoot=*/false);
    });
  }

  /// Builds the recomputation of `value` (and of the operands that need it) at the builder's
  /// point, marked meshc.remat; `clones` maps each value recomputed for this root.
  Value recompute(OpBuilder &builder, Value value, Operation *at,
                  llvm::DenseMap<Value, Value> &clones, int &recomputed, bool isRoot = true) {
    if (!isRoot && liveAt(value, at))
      return value;
    if (Value done = clones.lookup(value))
      return done;
    Operation *op = value.getDefiningOp();
    IRMapping mapping;
    for (Value operand : op->getOperands())
      mapping.map(operand, recompute(builder, operand, at, clones, recomputed, false));
    Operation *clone = builder.clone(*op, mapping);
    clone->setAttr(kRematAttrName, builder.getUnitAttr());
    ++recomputed;
    clones[value] = clone->getResult(0);
    return clone->getResult(0);
  }

  Block &body;
  Operation *seed;
  bool all;
};

struct RematPass : meshc::impl::RematBase<RematPass> {
  using RematBase::RematBase;

  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp func) {
      if (func.getBody().empty())
        return;
      Block &body = func.getBody().front();
      Operation *seed = findSeed(body);
      if (seed)
        Rematerializer(body, seed, all).run();
      // The DSL's marks on forward ops have done their work: dropped, so that CSE cannot merge
      // a marked forward op with its (marked) recomputation.
      for (Operation &op : body) {
        if (seed && seed->isBeforeInBlock(&op))
          break;
        op.removeAttr(kRematAttrName);
      }
    });
  }
};

} // namespace
