// The per-rank verifier's rules for halo rows (PerRankHalo.h).
#include "dialect/IR/PerRankHalo.h"

#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"

using namespace mlir;
using namespace meshc;

namespace {

/// The halo exchange's common checks; `wideIsResult`: the exchange (else its adjoint).
template <typename Op> LogicalResult verifyExchange(Op op, bool wideIsResult) {
  ShardingAttr in = getSharding(op.getInput()), out = getSharding(op.getResult());
  if (!in || !out) // a block argument: nothing to compare with
    return success();
  auto type = llvm::cast<NamedTensorType>(op.getInput().getType());
  unsigned dim = *type.findDim(op.getDim());
  llvm::SmallVector<StringAttr> axes = in.getDimAxes(dim);
  if (axes.size() != 1 || axes[0].getValue() != op.getAxis())
    return op.emitOpError() << "exchanges '" << op.getDim() << "' along mesh axis '" << op.getAxis()
                            << "', but its operand's '" << op.getDim()
                            << "' is not split over that axis alone";
  if (in.isPartial())
    return op.emitOpError() << "takes a partial sum; halo rows are exchanged complete";
  ShardingAttr block = wideIsResult ? in : out, wide = wideIsResult ? out : in;
  if (block.getDimHalo(dim) != std::pair<int64_t, int64_t>(0, 0))
    return op.emitOpError() << "'" << op.getDim() << "' already carries a halo on its "
                            << (wideIsResult ? "operand" : "result");
  if (wide != block.withDimHalo(dim, op.getLo(), op.getHi()))
    return op.emitOpError() << "result sharding " << out << " does not follow from the operand's "
                            << in << " with a halo of " << op.getLo() << " and " << op.getHi()
                            << " rows of '" << op.getDim() << "'";
  return success();
}

/// The dims of `value` that carry a halo.
llvm::SmallVector<StringAttr> haloDims(Value value) {
  llvm::SmallVector<StringAttr> dims;
  ShardingAttr sharding = getSharding(value);
  auto type = llvm::dyn_cast<NamedTensorType>(value.getType());
  if (!sharding || !type || !sharding.hasHalo())
    return dims;
  for (unsigned dim = 0; dim < type.getRank(); ++dim)
    if (sharding.getDimHalo(dim) != std::pair<int64_t, int64_t>(0, 0))
      dims.push_back(type.getDimNames()[dim]);
  return dims;
}

} // namespace

LogicalResult meshc::verifyHaloOp(Operation &op) {
  if (auto exchange = llvm::dyn_cast<HaloExchangeOp>(op))
    return verifyExchange(exchange, /*wideIsResult=*/true);
  return verifyExchange(llvm::cast<HaloExchangeGradOp>(op), /*wideIsResult=*/false);
}

LogicalResult meshc::verifyHaloUse(Operation &op) {
  auto window = llvm::dyn_cast<WindowOpInterface>(op);
  llvm::SmallVector<Window> windows;
  if (window)
    windows = window.getWindows();
  // A halo dim must be a window's input dim, whose padding the halo replaces.
  auto checkDims = [&](Value value, StringRef what) -> LogicalResult {
    for (StringAttr dim : haloDims(value)) {
      auto *it = llvm::find_if(windows, [&](const Window &w) { return w.input == dim; });
      if (it == windows.end())
        return op.emitOpError() << what << " carries halo rows of '" << dim.getValue()
                                << "', which is not one of its windows' input dims";
      if (it->padLo != 0 || it->padHi != 0)
        return op.emitOpError() << "pads '" << dim.getValue() << "' by " << it->padLo << " and "
                                << it->padHi << " rows, but its halo rows replace the padding "
                                << "of a split dim (expected 0 and 0)";
    }
    return success();
  };
  for (OpOperand &use : op.getOpOperands()) {
    if (haloDims(use.get()).empty())
      continue;
    std::string what = "operand #" + std::to_string(use.getOperandNumber());
    if (!window || !llvm::is_contained(window.getInputSpaceOperands(), use.getOperandNumber()))
      return op.emitOpError() << what << " carries halo rows, which only the input of a window "
                              << "op or meshc.halo_exchange_grad takes";
    if (failed(checkDims(use.get(), what)))
      return failure();
  }
  for (OpResult result : op.getResults()) {
    if (haloDims(result).empty())
      continue;
    std::string what = "result #" + std::to_string(result.getResultNumber());
    if (!window || !window.hasInputSpaceResult())
      return op.emitOpError() << what << " carries halo rows, which only meshc.halo_exchange "
                              << "and the result of a transposed window op have";
    if (failed(checkDims(result, what)))
      return failure();
  }
  return success();
}
