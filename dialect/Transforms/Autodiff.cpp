// meshc-autodiff: reverse-mode differentiation of the loss of `meshc.minimize` on the global
// program, and the optimizer updates of the parameters (SGD, Adam or momentum).
//
// The gradient program is appended after the forward program (where `meshc.minimize` was):
// first the seed `meshc.fill {value = 1.0}`, then the adjoint ops of the forward ops in
// reverse order, then one update (`meshc.sgd_update`, `meshc.adam_update` or
// `meshc.momentum_update`, by the minimize's optimizer) per parameter in the order they are
// read (with the minimize's clip_norm: one `meshc.clip_global_norm` of all the gradients
// first, whose results the updates read), then `meshc.output "loss"`. Only ops on a path
// from a parameter to the loss are differentiated; adjoint ops nobody uses (e.g. the
// gradient of an input) are removed.
#include "dialect/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace meshc {
#define GEN_PASS_DEF_AUTODIFF
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// Adds `contribution` to the adjoint of `value`, with a `meshc.add` located at `loc` when
/// `value` already has one.
void accumulate(OpBuilder &builder, Location loc, llvm::DenseMap<Value, Value> &adjoints,
                Value value, Value contribution) {
  auto [it, inserted] = adjoints.try_emplace(value, contribution);
  if (!inserted)
    it->second = builder.create<AddOp>(loc, value.getType(), it->second, contribution);
}

/// The update of `param` by `grad` with the optimizer of `minimize` (its defaults filled in).
void buildUpdate(OpBuilder &builder, Location loc, MinimizeOp minimize, Value param, Value grad) {
  FloatAttr lr = minimize.getLearningRateAttr();
  auto orDefault = [&](FloatAttr attr, double fallback) {
    return attr ? attr : builder.getF64FloatAttr(fallback);
  };
  switch (minimize.getOptimizer()) {
  case Optimizer::Adam:
    builder.create<AdamUpdateOp>(loc, param, grad, lr, orDefault(minimize.getBeta1Attr(), 0.9),
                                 orDefault(minimize.getBeta2Attr(), 0.999),
                                 orDefault(minimize.getEpsilonAttr(), 1e-8),
                                 orDefault(minimize.getWeightDecayAttr(), 0.0),
                                 /*shard_axis=*/StringAttr());
    return;
  case Optimizer::Momentum:
    builder.create<MomentumUpdateOp>(loc, param, grad, lr,
                                     orDefault(minimize.getMomentumAttr(), 0.9),
                                     /*shard_axis=*/StringAttr());
    return;
  case Optimizer::Sgd:
    builder.create<SgdUpdateOp>(loc, param, grad, lr, /*shard_axis=*/StringAttr());
    return;
  }
}

/// The ops before `minimize` in its block: the forward program.
llvm::SmallVector<Operation *> forwardOps(MinimizeOp minimize) {
  llvm::SmallVector<Operation *> forward;
  for (Operation &op : *minimize->getBlock()) {
    if (&op == minimize.getOperation())
      break;
    forward.push_back(&op);
  }
  return forward;
}

/// A trainable parameter: a meshc.param without `state` (state, e.g. batch norm's running
/// statistics, is updated by the program itself and never differentiated).
bool isTrainable(Operation *op) {
  auto param = llvm::dyn_cast<ParamOp>(op);
  return param && !param.getState();
}

/// Values that depend on some trainable parameter: only they need adjoints.
llvm::DenseSet<Value> valuesDependingOnParams(llvm::ArrayRef<Operation *> forward) {
  llvm::DenseSet<Value> dependsOnParam;
  for (Operation *op : forward) {
    bool depends = isTrainable(op) || llvm::any_of(op->getOperands(), [&](Value v) {
                     return dependsOnParam.count(v);
                   });
    if (depends)
      dependsOnParam.insert(op->result_begin(), op->result_end());
  }
  return dependsOnParam;
}

/// The reverse sweep: from the adjoints already in `adjoints` (the loss's seed), builds the
/// adjoints of the operands of every forward op that depends on a parameter, last op first,
/// with each op's gradient rule.
LogicalResult buildReverseSweep(OpBuilder &builder, llvm::ArrayRef<Operation *> forward,
                                const llvm::DenseSet<Value> &dependsOnParam,
                                llvm::DenseMap<Value, Value> &adjoints) {
  for (Operation *op : llvm::reverse(forward)) {
    if (llvm::isa<ParamOp>(op) || op->getNumResults() == 0)
      continue;
    auto adjointIt = adjoints.find(op->getResult(0));
    if (adjointIt == adjoints.end() || !dependsOnParam.count(op->getResult(0)))
      continue;
    auto rule = llvm::dyn_cast<DifferentiableOpInterface>(op);
    if (!rule)
      return op->emitOpError() << "lies on a path from a parameter to the loss but has no "
                                  "gradient rule";
    // A rule differentiates result 0; later results (attention's lse) are auxiliary values
    // that only the op's own adjoint reads.
    for (Value extra : op->getResults().drop_front())
      if (adjoints.count(extra))
        return op->emitOpError() << "result " << llvm::cast<OpResult>(extra).getResultNumber()
                                 << " is not differentiable, but the loss depends on it";
    llvm::SmallVector<Value> operandAdjoints;
    if (failed(rule.buildAdjoints(builder, adjointIt->second, operandAdjoints)))
      return failure();
    if (operandAdjoints.size() != op->getNumOperands())
      return op->emitOpError() << "gradient rule gave " << operandAdjoints.size()
                               << " adjoints for " << op->getNumOperands() << " operands";
    for (auto [operand, adjoint] : llvm::zip(op->getOperands(), operandAdjoints)) {
      if (!adjoint || !dependsOnParam.count(operand))
        continue;
      if (adjoint.getType() != operand.getType())
        return op->emitOpError() << "gradient rule gave an adjoint of type " << adjoint.getType()
                                 << " for an operand of type " << operand.getType();
      accumulate(builder, op->getLoc(), adjoints, operand, adjoint);
    }
  }
  return success();
}

/// One (first read, gradient) per trainable parameter name, in the order the names are first read;
/// reads of one name sum their gradients. A parameter the loss does not depend on gets a
/// warning and no entry.
FailureOr<llvm::SmallVector<std::pair<ParamOp, Value>>>
gradientsByParam(OpBuilder &builder, llvm::ArrayRef<Operation *> forward,
                 const llvm::DenseMap<Value, Value> &adjoints) {
  llvm::MapVector<StringAttr, std::pair<ParamOp, Value>> params;
  for (Operation *op : forward) {
    auto param = llvm::dyn_cast<ParamOp>(op);
    if (!param || param.getState())
      continue;
    auto [it, inserted] = params.insert({param.getNameAttr(), {param, Value()}});
    if (!inserted && it->second.first.getType() != param.getType())
      return param.emitOpError() << "reads parameter '" << param.getName() << "' as "
                                 << param.getType() << " but it was read as "
                                 << it->second.first.getType();
    Value grad = adjoints.lookup(param.getResult());
    if (!grad)
      continue;
    Value &sum = it->second.second;
    sum = sum ? builder.create<AddOp>(param.getLoc(), param.getType(), sum, grad) : grad;
  }
  llvm::SmallVector<std::pair<ParamOp, Value>> updates;
  for (auto &[name, entry] : params) {
    auto [param, grad] = entry;
    if (!grad) {
      param.emitWarning() << "parameter '" << name.getValue()
                          << "' does not affect the loss and is not updated";
      continue;
    }
    updates.push_back({param, grad});
  }
  return updates;
}

/// With the minimize's clip_norm, replaces every gradient of `updates` by its clipped value:
/// clipping needs every gradient complete, so one op over all of them, before any update.
void clipGradients(OpBuilder &builder, MinimizeOp minimize,
                   llvm::MutableArrayRef<std::pair<ParamOp, Value>> updates) {
  FloatAttr clip = minimize.getClipNormAttr();
  if (!clip || updates.empty())
    return;
  llvm::SmallVector<Value> grads;
  for (auto &[param, grad] : updates)
    grads.push_back(grad);
  auto clipped = builder.create<ClipGlobalNormOp>(minimize.getLoc(), ValueRange(grads).getTypes(),
                                                  grads, clip, DenseI64ArrayAttr());
  for (auto [update, result] : llvm::zip(updates, clipped.getResults()))
    update.second = result;
}

/// Drops the ops built from `first` up to `minimize` whose results nobody needs, last first
/// so that chains go too.
void eraseDeadAdjoints(Operation *first, MinimizeOp minimize) {
  llvm::SmallVector<Operation *> created;
  for (Operation *op = first; op != minimize.getOperation(); op = op->getNextNode())
    created.push_back(op);
  for (Operation *op : llvm::reverse(created))
    if (isOpTriviallyDead(op))
      op->erase();
}

/// Replaces `minimize` by the gradient program, the updates and the loss output (see the
/// file comment).
LogicalResult differentiate(MinimizeOp minimize) {
  llvm::SmallVector<Operation *> forward = forwardOps(minimize);
  llvm::DenseSet<Value> dependsOnParam = valuesDependingOnParams(forward);

  OpBuilder builder(minimize);
  Location lossLoc = minimize.getLoc();
  Value loss = minimize.getLoss();
  llvm::DenseMap<Value, Value> adjoints;
  auto seed = builder.create<FillOp>(lossLoc, loss.getType(), builder.getF64FloatAttr(1.0));
  adjoints[loss] = seed;
  if (failed(buildReverseSweep(builder, forward, dependsOnParam, adjoints)))
    return failure();

  FailureOr<llvm::SmallVector<std::pair<ParamOp, Value>>> updates =
      gradientsByParam(builder, forward, adjoints);
  if (failed(updates))
    return failure();
  clipGradients(builder, minimize, *updates);
  for (auto &[param, grad] : *updates)
    buildUpdate(builder, lossLoc, minimize, param.getResult(), grad);
  builder.create<OutputOp>(lossLoc, builder.getStringAttr("loss"), loss);

  eraseDeadAdjoints(seed, minimize);
  minimize.erase();
  return success();
}

struct AutodiffPass : meshc::impl::AutodiffBase<AutodiffPass> {
  void runOnOperation() override {
    llvm::SmallVector<MinimizeOp> minimizes;
    getOperation().walk([&](MinimizeOp op) { minimizes.push_back(op); });
    if (minimizes.size() > 1) {
      minimizes[1].emitOpError() << "is a second loss: a program has one meshc.minimize";
      return signalPassFailure();
    }
    for (MinimizeOp minimize : minimizes)
      if (failed(differentiate(minimize)))
        return signalPassFailure();
  }
};

} // namespace
