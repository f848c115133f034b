// Elementwise ops → runtime kernels: broadcasting binaries and comparisons by dimension name
// (strides of 0), unary ops, fill, broadcast/transpose copies; the Math family's functions are
// meshrt_unary / meshrt_binary ops too.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "meshrt/meshrt.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

void emitBinary(OpBuilder &b, Location loc, LoweringState &state, int32_t kind, Value lhs,
                Value rhs, Value result) {
  RuntimeABI &rt = state.rt;
  NamedTensorType out = typeOf(result);
  rt.call<kernel::Binary>(
      b, loc,
      {state.context, rt.i32c(b, loc, kind), rt.i32c(b, loc, out.getRank()),
       rt.i64Array(b, loc, out.getDimSizes()), state.pointer(b, loc, result),
       state.pointer(b, loc, lhs), rt.i64Array(b, loc, stridesByName(out, typeOf(lhs))),
       state.pointer(b, loc, rhs), rt.i64Array(b, loc, stridesByName(out, typeOf(rhs)))});
}

void emitUnary(OpBuilder &b, Location loc, LoweringState &state, int32_t kind, Value input,
               Value result, float alpha) {
  RuntimeABI &rt = state.rt;
  rt.call<kernel::Unary>(
      b, loc,
      {state.context, rt.i32c(b, loc, kind), rt.i64c(b, loc, typeOf(result).getNumElements()),
       state.pointer(b, loc, result), state.pointer(b, loc, input), rt.f32c(b, loc, alpha)});
}

} // namespace

LogicalResult lowerElementwiseFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  Location loc = op->getLoc();
  RuntimeABI &rt = state.rt;
  bool handled = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](AddOp add) {
        emitBinary(b, loc, state, MESHRT_ADD, add.getLhs(), add.getRhs(), add.getResult());
      })
      .Case([&](SubOp sub) {
        emitBinary(b, loc, state, MESHRT_SUB, sub.getLhs(), sub.getRhs(), sub.getResult());
      })
      .Case([&](MulOp mul) {
        emitBinary(b, loc, state, MESHRT_MUL, mul.getLhs(), mul.getRhs(), mul.getResult());
      })
      .Case([&](ReluGradOp grad) {
        emitBinary(b, loc, state, MESHRT_RELU_GRAD, grad.getInput(), grad.getGrad(),
                   grad.getResult());
      })
      .Case([&](EqualOp equal) {
        NamedTensorType out = typeOf(equal.getResult());
        bool isInt = typeOf(equal.getLhs()).getElementType().isSignlessInteger(32);
        rt.call<kernel::Equal>(
            b, loc,
            {state.context, rt.i32c(b, loc, isInt ? MESHRT_DTYPE_I32 : MESHRT_DTYPE_F32),
             rt.i32c(b, loc, out.getRank()), rt.i64Array(b, loc, out.getDimSizes()),
             state.pointer(b, loc, equal.getResult()), state.pointer(b, loc, equal.getLhs()),
             rt.i64Array(b, loc, stridesByName(out, typeOf(equal.getLhs()))),
             state.pointer(b, loc, equal.getRhs()),
             rt.i64Array(b, loc, stridesByName(out, typeOf(equal.getRhs())))});
      })
      .Case([&](ReluOp relu) {
        emitUnary(b, loc, state, MESHRT_RELU, relu.getInput(), relu.getResult(), 0.0f);
      })
      .Case([&](DivOp div) {
        emitBinary(b, loc, state, MESHRT_DIV, div.getLhs(), div.getRhs(), div.getResult());
      })
      .Case([&](MaximumOp max) {
        emitBinary(b, loc, state, MESHRT_MAX, max.getLhs(), max.getRhs(), max.getResult());
      })
      .Case([&](MinimumOp min) {
        emitBinary(b, loc, state, MESHRT_MIN, min.getLhs(), min.getRhs(), min.getResult());
      })
      .Case([&](GreaterEqualOp ge) {
        emitBinary(b, loc, state, MESHRT_GE_MASK, ge.getLhs(), ge.getRhs(), ge.getResult());
      })
      .Case([&](SigmoidOp op) {
        emitUnary(b, loc, state, MESHRT_SIGMOID, op.getInput(), op.getResult(), 0.0f);
      })
      .Case([&](TanhOp op) {
        emitUnary(b, loc, state, MESHRT_TANH, op.getInput(), op.getResult(), 0.0f);
      })
      .Case([&](ExpOp op) {
        emitUnary(b, loc, state, MESHRT_EXP, op.getInput(), op.getResult(), 0.0f);
      })
      .Case([&](LogOp op) {
        emitUnary(b, loc, state, MESHRT_LOG, op.getInput(), op.getResult(), 0.0f);
      })
      .Case([&](SqrtOp op) {
        emitUnary(b, loc, state, MESHRT_SQRT, op.getInput(), op.getResult(), 0.0f);
      })
      .Case([&](LeakyReluOp op) {
        emitUnary(b, loc, state, MESHRT_LEAKY_RELU, op.getInput(), op.getResult(),
                  (float)op.getAlpha().convertToDouble());
      })
      .Case([&](ScaleOp scale) {
        emitUnary(b, loc, state, MESHRT_SCALE, scale.getInput(), scale.getResult(),
                  (float)scale.getFactor().convertToDouble());
      })
      .Case([&](FillOp fill) {
        rt.call<kernel::Fill>(b, loc,
                              {state.context,
                               rt.i64c(b, loc, typeOf(fill.getResult()).getNumElements()),
                               state.pointer(b, loc, fill.getResult()),
                               rt.f32c(b, loc, (float)fill.getValue().convertToDouble())});
      })
      .Case([&](BroadcastOp broadcast) {
        emitStridedCopy(b, loc, state, state.pointer(b, loc, broadcast.getInput()),
                        typeOf(broadcast.getInput()), state.pointer(b, loc, broadcast.getResult()),
                        typeOf(broadcast.getResult()));
      })
      .Default([&](Operation *) { handled = false; });
  return handled ? success() : unhandledOp(op, "elementwise");
}

} // namespace meshc::lowering
