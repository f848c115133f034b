// FuseConv.cpp — the FuseConv pass (Passes.td: meshc-fuse-conv): on the per-rank program, a
// convolution whose only use is a per-channel bias add (and the relu of that sum) becomes
// meshc.conv_bias_act, and a filter gradient with the bias gradient of the same dy becomes
// meshc.conv_grad_filter_bias, so that oneDNN (or cuDNN) adds the bias, applies the relu and
// reduces the bias gradient inside the convolution's own pass over memory.
#include "dialect/IR/ModuleAttrs.h"
#include "dialect/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace meshc {
#define GEN_PASS_DEF_FUSECONV
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType typeOf(Value v) { return llvm::dyn_cast<NamedTensorType>(v.getType()); }

/// Whether `v` is a per-channel vector of `y` along `channel`: f32 with exactly that dim, of
/// y's size there.
bool isChannelVector(Value v, NamedTensorType y, StringRef channel) {
  NamedTensorType t = typeOf(v);
  return t && t.getRank() == 1 && t.getDimNames()[0].getValue() == channel && y.hasDim(channel) &&
         t.getDimSizes()[0] == y.getDimSize(channel) && t.getElementType().isF32();
}

/// The attributes of `conv` (meshc.conv's window) without its sharding and remat mark.
llvm::SmallVector<NamedAttribute> windowAttrs(Operation *conv) {
  llvm::SmallVector<NamedAttribute> attrs;
  for (NamedAttribute attr : conv->getAttrs())
    if (attr.getName() != kShardingAttrName && attr.getName() != kRematAttrName)
      attrs.push_back(attr);
  return attrs;
}

// ---- conv + bias [+ relu]

void fuseConvBias(ConvOp conv) {
  Value y = conv.getResult();
  if (!y.hasOneUse())
    return;
  auto add = llvm::dyn_cast<AddOp>(*y.getUsers().begin());
  if (!add || add->getBlock() != conv->getBlock())
    return;
  Value bias = add.getLhs() == y ? add.getRhs() : add.getLhs();
  Value sum = add.getResult();
  if (bias == y || sum.getType() != y.getType() ||
      !isChannelVector(bias, typeOf(y), conv.getOutChannel()))
    return;
  for (Value v : {y, bias, sum})
    if (isPartialSum(v))
      return;

  // The relu, when the sum's only other readers are relu_grads taking it as their input: they
  // read the relu's value instead (relu(s) > 0 exactly when s > 0), so the sum need not exist.
  ReluOp relu;
  bool otherUses = false;
  for (OpOperand &use : sum.getUses()) {
    Operation *user = use.getOwner();
    if (auto r = llvm::dyn_cast<ReluOp>(user);
        r && !relu && r->getBlock() == add->getBlock() && r.getResult().getType() == sum.getType())
      relu = r;
    else if (auto grad = llvm::dyn_cast<ReluGradOp>(user);
             !grad || use.getOperandNumber() != 0 || grad.getGrad() == sum)
      otherUses = true;
  }
  if (otherUses || (relu && isPartialSum(relu.getResult())))
    relu = nullptr;

  // At the add: its operands (and the conv's, before it) are defined there.
  OpBuilder builder(add);
  llvm::SmallVector<Location> locs = {conv.getLoc(), add.getLoc()};
  llvm::SmallVector<Operation *> members = {conv, add};
  if (relu) {
    locs.push_back(relu.getLoc());
    members.push_back(relu);
  }
  llvm::SmallVector<NamedAttribute> attrs = windowAttrs(conv);
  if (relu)
    attrs.push_back(builder.getNamedAttr("relu", builder.getUnitAttr()));
  auto fused =
      builder.create<ConvBiasActOp>(builder.getFusedLoc(locs), y.getType(),
                                    ValueRange{conv.getInput(), conv.getFilter(), bias}, attrs);
  Operation *last = relu ? relu.getOperation() : add.getOperation();
  if (Attribute sharding = last->getAttr(kShardingAttrName))
    fused->setAttr(kShardingAttrName, sharding);
  markRematMembers(members, fused);
  if (relu) {
    relu.getResult().replaceAllUsesWith(fused.getResult());
    relu.erase();
  }
  // Without the relu the sum's uses read the fused result; with it, only relu_grads remain,
  // whose input the relu's value replaces.
  sum.replaceAllUsesWith(fused.getResult());
  add.erase();
  conv.erase();
}

// ---- conv_grad_filter + the bias gradient of the same dy

/// A reduce_sum of `dy` onto its out_channel dim (the adjoint of a per-channel bias add), not
/// partial-summed away from `dy`'s block.
ReduceSumOp biasGradientOf(ConvGradFilterOp gradFilter) {
  Value dy = gradFilter.getGrad();
  for (Operation *user : dy.getUsers())
    if (auto reduce = llvm::dyn_cast<ReduceSumOp>(user);
        reduce && reduce->getBlock() == gradFilter->getBlock() &&
        isChannelVector(reduce.getResult(), typeOf(dy), gradFilter.getOutChannel()))
      return reduce;
  return nullptr;
}

/// Whether `op` may be moved to just before `at` (later in its block): every use of its results
/// comes after `at`.
bool usesAllAfter(Operation *op, Operation *at) {
  for (Operation *user : op->getUsers())
    if (user->getBlock() != at->getBlock() || !at->isBeforeInBlock(user))
      return false;
  return true;
}

/// Whether every operand of `op` is defined before `at` (in its block or above it).
bool operandsBefore(Operation *op, Operation *at) {
  for (Value v : op->getOperands()) {
    Operation *def = v.getDefiningOp();
    if (def && def->getBlock() == at->getBlock() && !def->isBeforeInBlock(at))
      return false;
  }
  return true;
}

void fuseGradFilterBias(ConvGradFilterOp gradFilter) {
  ReduceSumOp reduce = biasGradientOf(gradFilter);
  if (!reduce || isPartialSum(gradFilter.getGrad()) || isPartialSum(gradFilter.getInput()))
    return;
  // The fused op goes where the first of the two was, when the other's operands exist there;
  // else where the second was, when nothing reads the first's result before that.
  Operation *first = gradFilter, *second = reduce;
  if (second->isBeforeInBlock(first))
    std::swap(first, second);
  Operation *at = operandsBefore(second, first) ? first
                  : usesAllAfter(first, second) ? second
                                                : nullptr;
  if (!at)
    return;
  OpBuilder builder(at);
  auto fused = builder.create<ConvGradFilterBiasOp>(
      builder.getFusedLoc({gradFilter.getLoc(), reduce.getLoc()}),
      TypeRange{gradFilter.getResult().getType(), reduce.getResult().getType()},
      ValueRange{gradFilter.getInput(), gradFilter.getGrad()}, windowAttrs(gradFilter));
  Attribute filterSharding, biasSharding;
  if (auto list = gradFilter->getAttrOfType<ArrayAttr>(kShardingAttrName); list && list.size() == 1)
    filterSharding = list[0];
  if (auto list = reduce->getAttrOfType<ArrayAttr>(kShardingAttrName); list && list.size() == 1)
    biasSharding = list[0];
  if (filterSharding && biasSharding)
    fused->setAttr(kShardingAttrName, builder.getArrayAttr({filterSharding, biasSharding}));
  markRematMembers({gradFilter, reduce}, fused);
  gradFilter.getResult().replaceAllUsesWith(fused.getResult());
  reduce.getResult().replaceAllUsesWith(fused.getBiasGrad());
  gradFilter.erase();
  reduce.erase();
}

struct FuseConvPass : meshc::impl::FuseConvBase<FuseConvPass> {
  void runOnOperation() override {
    llvm::SmallVector<ConvOp> convs;
    getOperation().walk([&](ConvOp op) { convs.push_back(op); });
    for (ConvOp conv : convs)
      fuseConvBias(conv);
    llvm::SmallVector<ConvGradFilterOp> gradFilters;
    getOperation().walk([&](ConvGradFilterOp op) { gradFilters.push_back(op); });
    for (ConvGradFilterOp gradFilter : gradFilters)
      fuseGradFilterBias(gradFilter);
  }
};

} // namespace
