// The FuseElementwise pass (Passes.td: meshc-fuse-elementwise): on the per-rank program, a
// residual add with the layer norm of its sum becomes meshc.add_layer_norm, the add of a layer
// norm's adjoint to another adjoint becomes meshc.layer_norm_grad_add, a sum of pads that
// tile one dim becomes meshc.concat, and each tree of elementwise ops whose inner values have
// one use becomes one meshc.fused_elementwise, so that the runtime makes one pass over memory
// where the unfused ops made one per op.
#include "dialect/IR/FusedElementwise.h"
#include "dialect/IR/ModuleAttrs.h"
#include "dialect/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include <array>

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace meshc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType typeOf(Value v) { return llvm::dyn_cast<NamedTensorType>(v.getType()); }

/// The one sharding entry of `op`'s result `index` (null when the op has none).
Attribute shardingEntry(Operation *op, unsigned index) {
  auto shardings = op->getAttrOfType<ArrayAttr>(kShardingAttrName);
  return shardings && index < shardings.size() ? shardings[index] : Attribute();
}

// ---- add + layer_norm

void fuseAddLayerNorm(LayerNormOp norm) {
  auto add = norm.getInput().getDefiningOp<AddOp>();
  if (!add || add->getBlock() != norm->getBlock())
    return;
  Type type = add.getResult().getType();
  if (add.getLhs().getType() != type || add.getRhs().getType() != type ||
      norm.getResult().getType() != type)
    return;
  for (Value v : {add.getLhs(), add.getRhs(), add.getResult(), norm.getResult()})
    if (isPartialSum(v))
      return;
  // At the add: the layer norm's only operand is the sum, so it may run that early.
  OpBuilder builder(add);
  auto fused = builder.create<AddLayerNormOp>(builder.getFusedLoc({add.getLoc(), norm.getLoc()}),
                                              TypeRange{type, type}, add.getLhs(), add.getRhs(),
                                              norm.getDimAttr(), norm.getEpsilonAttr());
  Attribute sumSharding = shardingEntry(add, 0), normSharding = shardingEntry(norm, 0);
  if (sumSharding && normSharding)
    fused->setAttr(kShardingAttrName, builder.getArrayAttr({sumSharding, normSharding}));
  markRematMembers({add, norm}, fused);
  norm.getResult().replaceAllUsesWith(fused.getResult());
  add.getResult().replaceAllUsesWith(fused.getSum());
  norm.erase();
  add.erase();
}

// ---- layer_norm_grad + add

/// `add` of a layer norm's adjoint (one use: this add) and another value of its type: the
/// adjoint of a pre-LN block's input, the residual stream's part plus the layer norm's.
void fuseLayerNormGradAdd(AddOp add) {
  Type type = add.getResult().getType();
  if (add.getLhs().getType() != type || add.getRhs().getType() != type ||
      isPartialSum(add.getResult()))
    return;
  // Either operand may be the layer norm's adjoint; the other is the addend (a + b == b + a).
  for (auto [mine, other] :
       {std::pair(add.getRhs(), add.getLhs()), std::pair(add.getLhs(), add.getRhs())}) {
    auto grad = mine.getDefiningOp<LayerNormGradOp>();
    if (!grad || !mine.hasOneUse() || grad->getBlock() != add->getBlock() || isPartialSum(mine) ||
        isPartialSum(other) || isPartialSum(grad.getInput()) || isPartialSum(grad.getGrad()))
      continue;
    // At the add: the addend may be defined after the layer norm's adjoint.
    OpBuilder builder(add);
    auto fused = builder.create<LayerNormGradAddOp>(
        builder.getFusedLoc({grad.getLoc(), add.getLoc()}), type, grad.getInput(), grad.getGrad(),
        other, grad.getDimAttr(), grad.getEpsilonAttr());
    if (Attribute sharding = add->getAttr(kShardingAttrName))
      fused->setAttr(kShardingAttrName, sharding);
    add.getResult().replaceAllUsesWith(fused.getResult());
    add.erase();
    grad.erase();
    return;
  }
}

// ---- sums of pads that tile a dim

/// The adjoint of slices that cut a tensor into pieces (a fused projection's q, k and v) is the
/// sum of their pads: each pad fills the whole tensor with zeros and copies its piece in, and
/// the adds read every padded tensor again. When the pads' windows tile the dim exactly, the
/// sum is the concat of the pieces (x + 0 = x), which writes each element once. The adds it
/// erases go into `erased`.
void fusePadSum(AddOp root, llvm::DenseSet<Operation *> &erased) {
  Type type = root.getResult().getType();
  if (isPartialSum(root.getResult()))
    return;
  // The add tree: inner adds of the same type and one use, in this block.
  llvm::SmallVector<Operation *> adds;
  llvm::SmallVector<Value> leaves;
  llvm::SmallVector<Operation *> work = {root};
  while (!work.empty()) {
    Operation *add = work.pop_back_val();
    adds.push_back(add);
    for (Value v : add->getOperands()) {
      auto inner = v.getDefiningOp<AddOp>();
      if (inner && inner->getBlock() == root->getBlock() && v.hasOneUse() && v.getType() == type &&
          !isPartialSum(v))
        work.push_back(inner);
      else
        leaves.push_back(v);
    }
  }
  // Every leaf a pad of this type along one dim, used only here, its window where no other is.
  llvm::SmallVector<PadOp> pads;
  for (Value v : leaves) {
    auto pad = v.getDefiningOp<PadOp>();
    if (!pad || !v.hasOneUse() || v.getType() != type || isPartialSum(v) ||
        pad->getBlock() != root->getBlock() || isPartialSum(pad.getInput()) ||
        (!pads.empty() && pad.getDim() != pads.front().getDim()))
      return;
    pads.push_back(pad);
  }
  if (pads.size() < 2)
    return;
  std::optional<unsigned> position = typeOf(root.getResult()).findDim(pads.front().getDim());
  if (!position)
    return;
  llvm::sort(pads, [](PadOp a, PadOp b) { return a.getStart() < b.getStart(); });
  int64_t next = 0;
  for (PadOp pad : pads) {
    if (static_cast<int64_t>(pad.getStart()) != next)
      return; // a gap or an overlap: not a concat
    next += typeOf(pad.getInput()).getDimSizes()[*position];
  }
  if (next != typeOf(root.getResult()).getDimSizes()[*position])
    return;
  llvm::SmallVector<Value> pieces;
  llvm::SmallVector<Operation *> members(adds.begin(), adds.end());
  for (PadOp pad : pads) {
    pieces.push_back(pad.getInput());
    members.push_back(pad);
  }
  OpBuilder builder(root);
  auto concat = builder.create<ConcatOp>(root.getLoc(), type, pieces, pads.front().getDimAttr());
  if (Attribute sharding = root->getAttr(kShardingAttrName))
    concat->setAttr(kShardingAttrName, sharding);
  markRematMembers(members, concat);
  root.getResult().replaceAllUsesWith(concat.getResult());
  for (Operation *add : adds) { // the root first: users before producers
    erased.insert(add);
    add->erase();
  }
  for (PadOp pad : pads)
    pad->erase();
}

// ---- elementwise trees

/// The op's fusable form: its name in FusedElementwise.h and its constant; null if it has none.
const fused::OpInfo *fusable(Operation *op, double *constant) {
  if (!isa<AddOp, SubOp, MulOp, DivOp, MaximumOp, MinimumOp, ReluGradOp, ScaleOp, ReluOp, GeluOp,
           GeluGradOp, ExpOp, TanhOp, SigmoidOp, LogOp, SqrtOp, LeakyReluOp>(op))
    return nullptr;
  *constant = 0.0;
  if (auto scale = dyn_cast<ScaleOp>(op))
    *constant = scale.getFactor().convertToDouble();
  if (auto leaky = dyn_cast<LeakyReluOp>(op))
    *constant = leaky.getAlpha().convertToDouble();
  for (Value v : op->getOperands())
    if (!typeOf(v) || !typeOf(v).getElementType().isF32() || isPartialSum(v))
      return nullptr;
  if (isPartialSum(op->getResult(0)))
    return nullptr;
  const fused::OpInfo *info = fused::lookup(op->getName().stripDialect());
  assert(info && static_cast<int>(op->getNumOperands()) == info->operands &&
         "FusedElementwise.h's table names each op above with its operand count");
  return info;
}

/// One tree being collected from its root: its leaves (the fused op's inputs, each once) and its
/// ops in post-order, each operand a leaf (>= 0: leaf index) or an earlier op (< 0: -1 - op).
struct Tree {
  Type type; // the root's: every inner value has it
  llvm::SmallVector<Value> leaves;
  llvm::DenseMap<Value, int32_t> leafIndex;
  llvm::SmallVector<Operation *> ops;
  llvm::SmallVector<std::array<int32_t, 2>> refs;
  llvm::SmallVector<double> constants;

  int32_t leaf(Value v) {
    auto [it, inserted] = leafIndex.try_emplace(v, static_cast<int32_t>(leaves.size()));
    if (inserted)
      leaves.push_back(v);
    return it->second;
  }

  /// Adds `op` and the inner ops it absorbs; returns its reference.
  int32_t collect(Operation *op, double constant, llvm::DenseSet<Operation *> &taken) {
    std::array<int32_t, 2> operandRefs = {0, 0};
    for (auto [k, v] : llvm::enumerate(op->getOperands())) {
      Operation *producer = v.getDefiningOp();
      double inner = 0.0;
      if (producer && producer->getBlock() == op->getBlock() && v.hasOneUse() &&
          v.getType() == type && !taken.count(producer) && fusable(producer, &inner)) {
        taken.insert(producer);
        operandRefs[k] = collect(producer, inner, taken);
      } else {
        operandRefs[k] = leaf(v);
      }
    }
    ops.push_back(op);
    refs.push_back(operandRefs);
    constants.push_back(constant);
    return -static_cast<int32_t>(ops.size());
  }
};

void fuseTree(Operation *root, double constant, llvm::DenseSet<Operation *> &taken) {
  Tree tree;
  tree.type = root->getResult(0).getType();
  taken.insert(root);
  tree.collect(root, constant, taken);
  if (tree.ops.size() < 2 || tree.ops.size() > static_cast<size_t>(fused::kMaxOps) ||
      tree.leaves.size() > static_cast<size_t>(fused::kMaxInputs))
    return; // nothing to fuse, or too large for one fused op: left as it is
  const int32_t numLeaves = static_cast<int32_t>(tree.leaves.size());
  llvm::SmallVector<Attribute> names;
  llvm::SmallVector<int32_t> args;
  OpBuilder builder(root);
  for (auto [op, refs] : llvm::zip(tree.ops, tree.refs)) {
    names.push_back(builder.getStringAttr(op->getName().stripDialect()));
    for (unsigned k = 0; k < 2; ++k)
      args.push_back(k >= op->getNumOperands() ? -1
                     : refs[k] >= 0            ? refs[k]
                                               : numLeaves + (-refs[k] - 1));
  }
  auto fusedOp = builder.create<FusedElementwiseOp>(
      root->getLoc(), tree.type, tree.leaves, builder.getArrayAttr(names),
      builder.getDenseI32ArrayAttr(args), builder.getDenseF64ArrayAttr(tree.constants));
  if (Attribute sharding = root->getAttr(kShardingAttrName))
    fusedOp->setAttr(kShardingAttrName, sharding);
  markRematMembers(tree.ops, fusedOp);
  root->getResult(0).replaceAllUsesWith(fusedOp.getResult());
  // Users before producers: post-order reversed.
  for (Operation *op : llvm::reverse(tree.ops))
    op->erase();
}

struct FuseElementwisePass : meshc::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    llvm::SmallVector<LayerNormOp> norms;
    getOperation().walk([&](LayerNormOp op) { norms.push_back(op); });
    for (LayerNormOp norm : norms)
      fuseAddLayerNorm(norm);
    llvm::SmallVector<AddOp> accumulations;
    getOperation().walk([&](AddOp add) { accumulations.push_back(add); });
    for (AddOp add : accumulations)
      fuseLayerNormGradAdd(add);

    // Pad sums before the trees, which would otherwise take their adds; backwards, so that a
    // sum's last add comes before its inner ones.
    llvm::SmallVector<AddOp> adds;
    getOperation().walk([&](AddOp add) { adds.push_back(add); });
    llvm::DenseSet<Operation *> erased;
    for (AddOp add : llvm::reverse(adds))
      if (!erased.count(add))
        fusePadSum(add, erased);

    // Roots are found walking each block backwards: a tree's root comes before its inner ops.
    llvm::SmallVector<Block *> blocks;
    getOperation().walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks) {
      llvm::SmallVector<Operation *> ops;
      for (Operation &op : llvm::reverse(*block))
        ops.push_back(&op);
      llvm::DenseSet<Operation *> taken;
      for (Operation *op : ops) {
        double constant = 0.0;
        if (!taken.count(op) && fusable(op, &constant))
          fuseTree(op, constant, taken);
      }
    }
  }
};

} // namespace
