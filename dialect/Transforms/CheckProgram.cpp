// The CheckProgram pass: the module is one meshc training program, as a model generator prints
// it, before anything else runs on it: one name per tensor the runtime registers, metrics and
// outputs with the sample dim first. Each problem is a located error.
#include "dialect/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace meshc {
#define GEN_PASS_DEF_CHECKPROGRAM
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// The runtime registers inputs, parameters, metrics and outputs by name (meshrt.h), and the
/// data, checkpoints and reports name them: one name, one tensor. A parameter may be read
/// twice (autodiff sums the gradients of its reads). Metrics and outputs hold one value per
/// sample: their first dim is the sample dim, the first dim of the inputs.
LogicalResult checkNames(func::FuncOp func) {
  llvm::StringMap<std::pair<Operation *, llvm::StringRef>> names; // name -> first op, its kind
  std::optional<std::pair<StringAttr, InputOp>> sample;
  for (Operation &op : func.getBody().getOps()) {
    llvm::StringRef kind;
    StringAttr name;
    if (auto input = llvm::dyn_cast<InputOp>(op)) {
      kind = "input", name = input.getNameAttr();
      auto type = llvm::cast<NamedTensorType>(input.getType());
      if (!sample && type.getRank() > 0)
        sample = {type.getDimNames().front(), input};
    } else if (auto param = llvm::dyn_cast<ParamOp>(op)) {
      kind = "parameter", name = param.getNameAttr();
    } else if (auto metric = llvm::dyn_cast<MetricOp>(op)) {
      kind = "metric", name = metric.getNameAttr();
    } else if (auto output = llvm::dyn_cast<PredictionOp>(op)) {
      kind = "output", name = output.getNameAttr();
    } else {
      continue;
    }
    // A metric "loss" is the per-sample loss (evaluation reports it as the loss); an output
    // of that name would be mistaken for it.
    if (isa<PredictionOp>(op) && name.getValue() == "loss")
      return op.emitError() << kind << " name 'loss' is reserved for the loss";
    auto [it, fresh] = names.try_emplace(name.getValue(), &op, kind);
    bool rereadParam = kind == "parameter" && it->second.second == "parameter";
    if (!fresh && !rereadParam)
      return op.emitError() << kind << " name '" << name.getValue() << "' is already the name of "
                            << (it->second.second == "input" ? "an " : "a ") << it->second.second;
  }
  for (Operation &op : func.getBody().getOps()) {
    if (!isa<MetricOp, PredictionOp>(op))
      continue;
    llvm::StringRef kind = isa<MetricOp>(op) ? "metric" : "output";
    llvm::StringRef name = op.getAttrOfType<StringAttr>("name").getValue();
    auto type = llvm::cast<NamedTensorType>(op.getOperand(0).getType());
    if (!sample)
      return op.emitError() << kind << " '" << name << "' needs the sample dimension first, but "
                            << "program '" << func.getSymName() << "' has no input to give one";
    if (type.getRank() > 0 && type.getDimNames().front() != sample->first)
      return op.emitError() << kind << " '" << name << "' has first dimension '"
                            << type.getDimNames().front().getValue()
                            << "', expected the sample dimension '" << sample->first.getValue()
                            << "' (the first dimension of input '" << sample->second.getName()
                            << "')";
  }
  return success();
}

/// Checks one func.func: no arguments or results (inputs are meshc.input ops, the loss is
/// reported by the runtime), only meshc ops and the return, and a loss to minimize.
LogicalResult checkFunc(func::FuncOp func) {
  if (func.getNumArguments() != 0 || func.getNumResults() != 0)
    return func.emitError() << "program '" << func.getSymName() << "' has "
                            << func.getNumArguments() << " arguments and " << func.getNumResults()
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
  if (failed(checkNames(func)))
    return failure();
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
