// The FuseElementwise pass (Passes.td: meshc-fuse-elementwise): on the per-rank program, a
// residual add with the layer norm of its sum becomes meshc.add_layer_norm, and each tree of
// elementwise ops whose inner values have one use becomes one meshc.fused_elementwise, so that
// the runtime makes one pass over memory where the unfused ops made one per op.
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

/// A fused op that absorbs recomputations of meshc-remat is marked with how many (--explain
/// counts what remat recomputed; CSE leaves it).
void keepRematMark(llvm::ArrayRef<Operation *> members, Operation *fused) {
  int64_t recomputed = 0;
  for (Operation *op : members)
    recomputed += rematCount(op);
  if (recomputed > 0)
    fused->setAttr(kRematAttrName,
                   IntegerAttr::get(IntegerType::get(fused->getContext(), 64), recomputed));
}

NamedTensorType typeOf(Value v) { return llvm::dyn_cast<NamedTensorType>(v.getType()); }

/// A value with a pending partial sum stays out of fused ops (only collectives and the linear
/// ops take partial sums: PerRankVerifier.cpp).
bool isPartial(Value v) {
  ShardingAttr sharding = getSharding(v);
  return sharding && sharding.isPartial();
}

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
    if (isPartial(v))
      return;
  // At the add: the layer norm's only operand is the sum, so it may run that early.
  OpBuilder builder(add);
  auto fused = builder.create<AddLayerNormOp>(builder.getFusedLoc({add.getLoc(), norm.getLoc()}),
                                              TypeRange{type, type}, add.getLhs(), add.getRhs(),
                                              norm.getDimAttr(), norm.getEpsilonAttr());
  Attribute sumSharding = shardingEntry(add, 0), normSharding = shardingEntry(norm, 0);
  if (sumSharding && normSharding)
    fused->setAttr(kShardingAttrName, builder.getArrayAttr({sumSharding, normSharding}));
  keepRematMark({add, norm}, fused);
  norm.getResult().replaceAllUsesWith(fused.getResult());
  add.getResult().replaceAllUsesWith(fused.getSum());
  norm.erase();
  add.erase();
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
    if (!typeOf(v) || !typeOf(v).getElementType().isF32() || isPartial(v))
      return nullptr;
  if (isPartial(op->getResult(0)))
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
  keepRematMark(tree.ops, fusedOp);
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
