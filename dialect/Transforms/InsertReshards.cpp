// meshc-insert-reshards: make the decisions of meshc-propagate-shardings explicit.
//
// In program order: before each op, a meshc.reshard for each operand held in another sharding
// than the op needs (`meshc.operand_shardings`); after it, one for each result held in another
// sharding than produced (`meshc.held_shardings`), which all the result's consumers then read.
// Both annotations are dropped: afterwards each value is held as its defining op's
// `meshc.sharding` (a reshard's `to`) says, and that is what each of its consumers needs.
#include "dialect/Transforms/Passes.h"

#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace meshc {
#define GEN_PASS_DEF_INSERTRESHARDS
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// How `value` is held: a reshard's `to`, else its defining op's `meshc.sharding` entry.
ShardingAttr heldOf(Value value) {
  if (auto reshard = value.getDefiningOp<ReshardOp>())
    return reshard.getTo();
  return getSharding(value);
}

LogicalResult insertReshards(func::FuncOp func) {
  OpBuilder builder(func.getContext());
  llvm::SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (op != func)
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (ArrayAttr needed = getOperandShardings(op)) {
      builder.setInsertionPoint(op);
      for (auto [operand, attr] : llvm::zip(op->getOpOperands(), needed)) {
        auto to = llvm::cast<ShardingAttr>(attr);
        ShardingAttr from = heldOf(operand.get());
        if (!from)
          return op->emitOpError() << "operand #" << operand.getOperandNumber()
                                   << " has no sharding (run meshc-propagate-shardings first)";
        if (from != to)
          operand.set(builder.create<ReshardOp>(op->getLoc(), operand.get().getType(),
                                                operand.get(), from, to));
      }
      op->removeAttr(kOperandShardingsAttrName);
    }
    if (ArrayAttr holds = getHeldShardings(op)) {
      builder.setInsertionPointAfter(op);
      for (auto [result, attr] : llvm::zip(op->getResults(), holds)) {
        auto to = llvm::cast<ShardingAttr>(attr);
        ShardingAttr from = getSharding(result);
        if (!from)
          return op->emitOpError() << "result #" << result.getResultNumber()
                                   << " has a held sharding but no 'meshc.sharding'";
        if (from == to)
          continue;
        auto reshard = builder.create<ReshardOp>(op->getLoc(), result.getType(), result, from, to);
        result.replaceAllUsesExcept(reshard, reshard);
      }
      op->removeAttr(kHeldShardingsAttrName);
    }
  }
  return success();
}

struct InsertReshardsPass : meshc::impl::InsertReshardsBase<InsertReshardsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!isPerRank(func) && failed(insertReshards(func)))
        return signalPassFailure();
  }
};

} // namespace
