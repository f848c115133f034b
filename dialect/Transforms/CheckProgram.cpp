// The CheckProgram pass: the module is one meshc training program, as a model generator prints
// it, before anything else runs on it. Each problem is a located error.
#include "dialect/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace meshc {
#define GEN_PASS_DEF_CHECKPROGRAM
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// Checks one func.func: no arguments or results (inputs are meshc.input ops, the loss is
/// reported by the runtime), only meshc ops and the return, and a loss to minimize.
LogicalResult checkFunc(func::FuncOp func) {
  if (func.getNumArguments() != 0 || func.getNumResults() != 0)
    return func.emitError() << "program '" << func.getSymName() << "' has "
                            << func.getNumArguments() << " arguments and "
                            << func.getNumResults()
                            << " results; a meshc program has none (its data comes from "
                               "meshc.input, its parameters from meshc.param)";
  bool hasLoss = false;
  for (Operation &op : func.getBody().getOps()) {
    if (llvm::isa<func::ReturnOp>(op))
      continue;
    if (!llvm::isa<MeshcDialect>(op.getDialect()))
      return op.emitError() << "op '" << op.getName() << "' is not a meshc op; program '"
                            << func.getSymName() << "' may hold meshc ops only";
    // A program autodiff already ran on (meshc --emit=global) reports its loss with
    // meshc.output instead.
    hasLoss |= llvm::isa<MinimizeOp, OutputOp>(op);
  }
  // Without a loss every step would update nothing and report a loss of 0.
  if (!hasLoss)
    return func.emitError() << "program '" << func.getSymName()
                            << "' minimizes no loss, so it would train nothing: add "
                               "g.minimize(loss, optimizer) to the model (meshc.minimize in "
                               "the IR); forward-only programs are not supported yet";
  return success();
}

struct CheckProgramPass : meshc::impl::CheckProgramBase<CheckProgramPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
    if (funcs.empty()) {
      module.emitError() << "module holds no program (the func.func a model generator prints)";
      return signalPassFailure();
    }
    if (funcs.size() > 1) {
      funcs[1].emitError() << "module holds a second program '" << funcs[1].getSymName()
                           << "' after '" << funcs[0].getSymName()
                           << "'; meshc compiles one program per module";
      return signalPassFailure();
    }
    for (Operation &op : module.getBody()->getOperations())
      if (!llvm::isa<func::FuncOp>(op)) {
        op.emitError() << "op '" << op.getName() << "' is not part of a meshc program";
        return signalPassFailure();
      }
    if (failed(checkFunc(funcs.front())))
      signalPassFailure();
  }
};

} // namespace
