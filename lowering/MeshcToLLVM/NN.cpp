// NN-family ops → runtime kernels: layer norm and softmax over one dim (viewed as
// [outer, n, inner]), GELU, the causal mask and dropout (which get the global shape and the
// mesh axis of each dim, from the per-rank shardings; a copy in the forward-only
// passes), and the Adam and momentum updates, whose state lives in buffers of the parameter's
// local shape that the init function allocates zero-filled and registers by name.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "meshrt/meshrt.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

/// Sizes before, of and after `dim` in a local type.
struct Lines {
  int64_t outer = 1, n = 1, inner = 1;
};
Lines linesAlong(NamedTensorType type, StringRef dim) {
  Lines lines;
  unsigned index = *type.findDim(dim);
  for (auto [i, size] : llvm::enumerate(type.getDimSizes()))
    (i < index ? lines.outer : i == index ? lines.n : lines.inner) *= size;
  return lines;
}

/// The global shape and the per-dim mesh axes of `op`'s (local) result while it runs.
struct Placement {
  SmallVector<int64_t> globalShape;
  SmallVector<int32_t> dimAxes;
};
Placement placementOf(Value result, const LoweringState &state) {
  Placement p;
  p.dimAxes = state.dimAxesOf(result);
  p.globalShape = globalShape(typeOf(result), p.dimAxes, state.mesh);
  return p;
}

} // namespace

// Long on purpose: a TypeSwitch with one short case per op of the family (NNFamilyOps).
LogicalResult lowerNNFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  Location loc = op->getLoc();
  RuntimeABI &rt = state.rt;
  auto ptr = [&](Value v) { return state.pointer(b, loc, v); };
  auto i64 = [&](int64_t v) { return rt.i64c(b, loc, v); };
  auto f32 = [&](double v) { return rt.f32c(b, loc, (float)v); };
  auto count = [&](Value v) { return i64(typeOf(v).getNumElements()); };
  bool handled = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](LayerNormOp o) {
        Lines l = linesAlong(typeOf(o.getInput()), o.getDim());
        rt.call<kernel::LayerNorm>(b, loc,
                                   {state.context, i64(l.outer), i64(l.n), i64(l.inner),
                                    f32(o.getEpsilon().convertToDouble()), ptr(o.getInput()),
                                    ptr(o.getResult())});
      })
      .Case([&](LayerNormGradOp o) {
        Lines l = linesAlong(typeOf(o.getInput()), o.getDim());
        rt.call<kernel::LayerNormGrad>(b, loc,
                                       {state.context, i64(l.outer), i64(l.n), i64(l.inner),
                                        f32(o.getEpsilon().convertToDouble()), ptr(o.getInput()),
                                        ptr(o.getGrad()), ptr(o.getResult())});
      })
      .Case([&](GeluOp o) {
        rt.call<kernel::Gelu>(
            b, loc, {state.context, count(o.getInput()), ptr(o.getInput()), ptr(o.getResult())});
      })
      .Case([&](GeluGradOp o) {
        rt.call<kernel::GeluGrad>(b, loc,
                                  {state.context, count(o.getInput()), ptr(o.getInput()),
                                   ptr(o.getGrad()), ptr(o.getResult())});
      })
      .Case([&](SoftmaxOp o) {
        Lines l = linesAlong(typeOf(o.getInput()), o.getDim());
        rt.call<kernel::Softmax>(b, loc,
                                 {state.context, i64(l.outer), i64(l.n), i64(l.inner),
                                  ptr(o.getInput()), ptr(o.getResult())});
      })
      .Case([&](CausalMaskOp o) {
        NamedTensorType type = typeOf(o.getInput());
        Placement p = placementOf(o.getResult(), state);
        rt.call<kernel::CausalMask>(
            b, loc,
            {state.context, rt.i32c(b, loc, type.getRank()), rt.i64Array(b, loc, p.globalShape),
             rt.i32Array(b, loc, p.dimAxes), rt.i32c(b, loc, *type.findDim(o.getQueryDim())),
             rt.i32c(b, loc, *type.findDim(o.getKeyDim())), f32(o.getMaskValue()),
             ptr(o.getInput()), ptr(o.getResult())});
      })
      .Case([&](DropoutOp o) {
        NamedTensorType type = typeOf(o.getInput());
        if (state.forwardOnly) { // evaluation and prediction: dropout is off
          emitStridedCopy(b, loc, state, ptr(o.getInput()), type, ptr(o.getResult()), type);
          return;
        }
        Placement p = placementOf(o.getResult(), state);
        rt.call<kernel::Dropout>(
            b, loc,
            {state.context, rt.i32c(b, loc, type.getRank()), rt.i64Array(b, loc, p.globalShape),
             rt.i32Array(b, loc, p.dimAxes), i64((int64_t)o.getKey()), state.step,
             f32(o.getRate().convertToDouble()), ptr(o.getInput()), ptr(o.getResult())});
      })
      .Case([&](AdamUpdateOp o) {
        // The gradient's elements: the parameter's, or a sharded update's slice.
        int64_t n = typeOf(o.getGrad()).getNumElements();
        Value param = updatedParamPointer(b, loc, state, op);
        // A copy: lookup() returns the vector by value.
        const SmallVector<unsigned, 2> buffers = state.optimizerState.lookup(op);
        Value m = state.bufferPointer(b, loc, buffers[0]);
        Value v = state.bufferPointer(b, loc, buffers[1]);
        rt.call<kernel::AdamUpdate>(
            b, loc,
            {state.context, i64(n), param, ptr(o.getGrad()), m, v,
             f32(o.getLearningRate().convertToDouble()), f32(o.getBeta1().convertToDouble()),
             f32(o.getBeta2().convertToDouble()), f32(o.getEpsilon().convertToDouble()),
             f32(o.getWeightDecay().convertToDouble()), state.step});
        emitShardedGather(b, loc, state, op, param);
      })
      .Case([&](MomentumUpdateOp o) {
        int64_t n = typeOf(o.getGrad()).getNumElements();
        Value param = updatedParamPointer(b, loc, state, op);
        Value velocity = state.bufferPointer(b, loc, state.optimizerState.lookup(op)[0]);
        rt.call<kernel::MomentumUpdate>(b, loc,
                                        {state.context, i64(n), param, ptr(o.getGrad()), velocity,
                                         f32(o.getLearningRate().convertToDouble()),
                                         f32(o.getMomentum().convertToDouble())});
        emitShardedGather(b, loc, state, op, param);
      })
      .Default([&](Operation *) { handled = false; });
  return handled ? success() : unhandledOp(op, "NN");
}

} // namespace meshc::lowering
