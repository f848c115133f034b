// Reductions → runtime kernels: sums over named dims (strided accumulation) and the softmax
// cross-entropy over a class dim viewed as [outer, classes, inner].
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

/// [outer, classes, inner] sizes of logits around their class dim.
std::array<int64_t, 3> classView(NamedTensorType logits, StringRef classDim) {
  unsigned position = *logits.findDim(classDim);
  std::array<int64_t, 3> view = {1, logits.getDimSizes()[position], 1};
  for (unsigned i = 0; i < logits.getRank(); ++i)
    if (i != position)
      view[i < position ? 0 : 2] *= logits.getDimSizes()[i];
  return view;
}

} // namespace

LogicalResult lowerReductionFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  Location loc = op->getLoc();
  RuntimeABI &rt = state.rt;
  bool handled = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](ReduceSumOp sum) {
        emitReduceSum(b, loc, state, state.pointer(b, loc, sum.getInput()), typeOf(sum.getInput()),
                      state.pointer(b, loc, sum.getResult()), typeOf(sum.getResult()));
      })
      .Case([&](SoftmaxXentOp xent) {
        auto [outer, classes, inner] = classView(typeOf(xent.getLogits()), xent.getClassDim());
        rt.call<kernel::SoftmaxXent>(
            b, loc,
            {state.context, rt.i64c(b, loc, outer), rt.i64c(b, loc, classes),
             rt.i64c(b, loc, inner), state.pointer(b, loc, xent.getLogits()),
             state.pointer(b, loc, xent.getLabels()), state.pointer(b, loc, xent.getResult())});
      })
      .Case([&](SoftmaxXentGradOp grad) {
        auto [outer, classes, inner] = classView(typeOf(grad.getLogits()), grad.getClassDim());
        rt.call<kernel::SoftmaxXentGrad>(
            b, loc,
            {state.context, rt.i64c(b, loc, outer), rt.i64c(b, loc, classes),
             rt.i64c(b, loc, inner), state.pointer(b, loc, grad.getLogits()),
             state.pointer(b, loc, grad.getLabels()), state.pointer(b, loc, grad.getDloss()),
             state.pointer(b, loc, grad.getResult())});
      })
      .Default([&](Operation *) { handled = false; });
  return handled ? success() : unhandledOp(op, "reduction");
}

} // namespace meshc::lowering
