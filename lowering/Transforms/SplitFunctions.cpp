// meshc-split-functions: cuts long single-block LLVM functions into internal parts of bounded
// size, so that LLVM's code generation (superlinear in the size of one basic block) stays
// linear in the size of the program. See Passes.td for the contract.
#include "lowering/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/DenseMap.h"

namespace meshc {
#define GEN_PASS_DEF_SPLITFUNCTIONS
#include "lowering/Passes.h.inc"
} // namespace meshc

using namespace mlir;

namespace {

/// Operations that any part may recompute instead of receiving: constants, addresses of
/// globals, zero/undef values.
bool isRematerializable(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumRegions() == 0 && op->getNumResults() == 1 &&
         isMemoryEffectFree(op);
}

/// The half-open ranges [first, last] of `body`'s operations that become parts: each has at
/// least `maxOps` operations (but the tail that stays behind), and none defines a value
/// (other than a rematerializable one) that is used after it. Linear in the size of `body`.
llvm::SmallVector<std::pair<Operation *, Operation *>> findCuts(Block &body, int64_t maxOps) {
  llvm::DenseMap<Operation *, int64_t> position;
  int64_t index = 0;
  for (Operation &op : body)
    position[&op] = index++;
  llvm::SmallVector<std::pair<Operation *, Operation *>> parts;
  Operation *first = nullptr;
  int64_t count = 0, reach = 0;
  for (Operation &op : body.without_terminator()) {
    int64_t here = position[&op];
    if (!first) {
      first = &op;
      count = 0;
      reach = here;
    }
    ++count;
    if (!isRematerializable(&op))
      for (Operation *user : op.getUsers())
        if (Operation *inBody = body.findAncestorOpInBlock(*user))
          reach = std::max(reach, position[inBody]);
    if (count >= maxOps && reach <= here) {
      parts.push_back({first, &op});
      first = nullptr;
    }
  }
  return parts;
}

/// Gives every operand of the operations in `block` that is defined outside `func` its
/// function's own value: the argument for the parent's arguments, a clone at the top of the
/// block for a rematerializable op.
void localizeOperands(Block &block, LLVM::LLVMFuncOp func, Block &parentBody) {
  IRMapping clones;
  OpBuilder builder = OpBuilder::atBlockBegin(&block);
  block.walk([&](Operation *op) {
    for (OpOperand &operand : op->getOpOperands()) {
      Value value = operand.get();
      if (auto arg = llvm::dyn_cast<BlockArgument>(value)) {
        if (arg.getOwner() == &parentBody && &block != &parentBody)
          operand.set(block.getArgument(arg.getArgNumber()));
        continue;
      }
      Operation *def = value.getDefiningOp();
      if (def->getParentOfType<LLVM::LLVMFuncOp>() == func)
        continue;
      Value local = clones.lookupOrNull(value);
      if (!local) {
        local = builder.clone(*def)->getResult(0);
        clones.map(value, local);
      }
      operand.set(local);
    }
  });
}

void splitFunction(LLVM::LLVMFuncOp func, int64_t maxOps, SymbolTable &symbols) {
  if (!func.getBody().hasOneBlock())
    return;
  Block &body = func.getBody().front();
  if (static_cast<int64_t>(body.getOperations().size()) <= maxOps)
    return;
  llvm::SmallVector<std::pair<Operation *, Operation *>> ranges = findCuts(body, maxOps);
  if (ranges.empty())
    return;
  MLIRContext *context = func.getContext();
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                          func.getFunctionType().getParams());
  OpBuilder builder(context);
  Operation *insertAfter = func;
  llvm::SmallVector<LLVM::LLVMFuncOp> parts;
  for (auto [k, range] : llvm::enumerate(ranges)) {
    builder.setInsertionPointAfter(insertAfter);
    auto part = builder.create<LLVM::LLVMFuncOp>(
        func.getLoc(), (func.getSymName() + ".part" + llvm::Twine(k)).str(), type,
        LLVM::Linkage::Internal);
    symbols.insert(part, Block::iterator(insertAfter->getNextNode()));
    insertAfter = part;
    Block *block = part.addEntryBlock(builder);
    auto [first, last] = range;
    block->getOperations().splice(block->end(), body.getOperations(), Block::iterator(first),
                                  std::next(Block::iterator(last)));
    builder.setInsertionPointToEnd(block);
    builder.create<LLVM::ReturnOp>(func.getLoc(), ValueRange());
    parts.push_back(part);
  }
  for (LLVM::LLVMFuncOp part : parts)
    localizeOperands(part.getBody().front(), part, body);
  localizeOperands(body, func, body);
  // The parent calls its parts in order, before what stays in it.
  builder.setInsertionPointToStart(&body);
  for (LLVM::LLVMFuncOp part : parts)
    builder.create<LLVM::CallOp>(func.getLoc(), part, body.getArguments());
}

struct SplitFunctionsPass : meshc::impl::SplitFunctionsBase<SplitFunctionsPass> {
  using SplitFunctionsBase::SplitFunctionsBase;
  void runOnOperation() override {
    if (maxOps < 1) {
      getOperation().emitError("meshc-split-functions: max-ops must be at least 1, not ")
          << static_cast<int64_t>(maxOps);
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    llvm::SmallVector<LLVM::LLVMFuncOp> funcs(getOperation().getOps<LLVM::LLVMFuncOp>());
    for (LLVM::LLVMFuncOp func : funcs)
      splitFunction(func, maxOps, symbols);
  }
};

} // namespace
