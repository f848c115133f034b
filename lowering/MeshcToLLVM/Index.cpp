// Index family → runtime kernels: lookups and one-hots (with the offset of a split dim, from
// the per-rank shardings), argmax/cumsum over a dim viewed as [outer, n, inner], max
// reductions with strided outputs like reduce_sum, window copies for concat/slice/pad, and
// plain copies for rename/reshape/stop_gradient.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "dialect/Analysis/BufferPlan.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

/// [outer, n, inner] sizes of `type` around the dim at `position`.
std::array<int64_t, 3> viewAround(NamedTensorType type, unsigned position) {
  std::array<int64_t, 3> view = {1, type.getDimSizes()[position], 1};
  for (unsigned i = 0; i < type.getRank(); ++i)
    if (i != position)
      view[i < position ? 0 : 2] *= type.getDimSizes()[i];
  return view;
}

std::array<int64_t, 3> viewAround(NamedTensorType type, StringRef dim) {
  return viewAround(type, *type.findDim(dim));
}

/// Copies a whole tensor: rename, reshape and stop_gradient keep the row-major elements.
void emitCopy(OpBuilder &b, Location loc, LoweringState &state, Value in, Value out) {
  RuntimeABI &rt = state.rt;
  int64_t count = typeOf(out).getNumElements();
  rt.call<kernel::StridedCopy>(b, loc,
                               {state.context, rt.i32c(b, loc, 1), rt.i64Array(b, loc, {count}),
                                state.pointer(b, loc, out), state.pointer(b, loc, in),
                                rt.i64Array(b, loc, {1}),
                                rt.i32c(b, loc, elementBytes(typeOf(out)))});
}

/// out[:, outStart + j, :] = in[:, inStart + j, :], j < len, around the dim at `position`.
void emitWindow(OpBuilder &b, Location loc, LoweringState &state, Value in, int64_t inStart,
                Value out, int64_t outStart, unsigned position, int64_t len) {
  RuntimeABI &rt = state.rt;
  auto [outer, inN, inner] = viewAround(typeOf(in), position);
  int64_t outN = typeOf(out).getDimSizes()[position];
  rt.call<kernel::CopyWindow>(b, loc,
                              {state.context, rt.i64c(b, loc, outer), rt.i64c(b, loc, inner),
                               state.pointer(b, loc, in), rt.i64c(b, loc, inN),
                               rt.i64c(b, loc, inStart), state.pointer(b, loc, out),
                               rt.i64c(b, loc, outN), rt.i64c(b, loc, outStart),
                               rt.i64c(b, loc, len), rt.i32c(b, loc, elementBytes(typeOf(out)))});
}

/// The table-side sizes of a lookup: (local vocabulary, elements per row).
std::pair<int64_t, int64_t> tableView(NamedTensorType table) {
  int64_t vocab = table.getDimSizes()[0];
  return {vocab, vocab ? table.getNumElements() / vocab : 0};
}

/// meshc.embedding: rows of the (vocab-split) table by id.
void emitIndexOp(EmbeddingOp lookup, OpBuilder &b, LoweringState &state) {
  Location loc = lookup.getLoc();
  RuntimeABI &rt = state.rt;
  auto [vocab, row] = tableView(typeOf(lookup.getTable()));
  rt.call<kernel::Embedding>(
      b, loc,
      {state.context, rt.i64c(b, loc, typeOf(lookup.getIds()).getNumElements()),
       rt.i64c(b, loc, vocab), rt.i64c(b, loc, row),
       rt.i32c(b, loc, state.dimAxis(lookup, lookup.getVocabDim())),
       state.pointer(b, loc, lookup.getTable()), state.pointer(b, loc, lookup.getIds()),
       state.pointer(b, loc, lookup.getResult())});
}

/// meshc.embedding_grad: the table gradient: grad rows summed by id.
void emitIndexOp(EmbeddingGradOp grad, OpBuilder &b, LoweringState &state) {
  Location loc = grad.getLoc();
  RuntimeABI &rt = state.rt;
  auto [vocab, row] = tableView(typeOf(grad.getResult()));
  rt.call<kernel::EmbeddingGrad>(
      b, loc,
      {state.context, rt.i64c(b, loc, typeOf(grad.getIds()).getNumElements()),
       rt.i64c(b, loc, vocab), rt.i64c(b, loc, row),
       rt.i32c(b, loc, state.dimAxis(grad, grad.getVocabDim())),
       state.pointer(b, loc, grad.getIds()), state.pointer(b, loc, grad.getGrad()),
       state.pointer(b, loc, grad.getResult())});
}

/// meshc.one_hot: one row of `classes` per element (class dim possibly split).
void emitIndexOp(OneHotOp oneHot, OpBuilder &b, LoweringState &state) {
  Location loc = oneHot.getLoc();
  RuntimeABI &rt = state.rt;
  StringRef classDim = oneHot.getClassDim().getValue();
  auto [outer, classes, inner] = viewAround(typeOf(oneHot.getResult()), classDim);
  bool isInt = typeOf(oneHot.getInput()).getElementType().isSignlessInteger(32);
  int32_t kind = oneHot.getXentLabels() ? MESHRT_ONE_HOT_XENT_LABELS
                 : isInt                ? MESHRT_ONE_HOT_I32
                                        : MESHRT_ONE_HOT_F32;
  rt.call<kernel::OneHot>(b, loc,
                          {state.context, rt.i64c(b, loc, outer), rt.i64c(b, loc, classes),
                           rt.i64c(b, loc, inner), rt.i32c(b, loc, state.dimAxis(oneHot, classDim)),
                           state.pointer(b, loc, oneHot.getInput()), rt.i32c(b, loc, kind),
                           state.pointer(b, loc, oneHot.getResult())});
}

/// meshc.argmax: position of the first maximum along a dim.
void emitIndexOp(ArgmaxOp argmax, OpBuilder &b, LoweringState &state) {
  Location loc = argmax.getLoc();
  RuntimeABI &rt = state.rt;
  auto [outer, n, inner] = viewAround(typeOf(argmax.getInput()), argmax.getDim());
  rt.call<kernel::Argmax>(b, loc,
                          {state.context, rt.i64c(b, loc, outer), rt.i64c(b, loc, n),
                           rt.i64c(b, loc, inner), state.pointer(b, loc, argmax.getInput()),
                           state.pointer(b, loc, argmax.getResult())});
}

/// meshc.reduce_max: max over the dims the result lacks.
void emitIndexOp(ReduceMaxOp max, OpBuilder &b, LoweringState &state) {
  Location loc = max.getLoc();
  RuntimeABI &rt = state.rt;
  NamedTensorType in = typeOf(max.getInput()), out = typeOf(max.getResult());
  rt.call<kernel::ReduceMax>(
      b, loc,
      {state.context, rt.i32c(b, loc, in.getRank()), rt.i64Array(b, loc, in.getDimSizes()),
       state.pointer(b, loc, max.getInput()), state.pointer(b, loc, max.getResult()),
       rt.i64Array(b, loc, stridesByName(in, out)), rt.i64c(b, loc, out.getNumElements())});
}

/// meshc.reduce_max_grad: the gradient at each group's first maximum.
void emitIndexOp(ReduceMaxGradOp grad, OpBuilder &b, LoweringState &state) {
  Location loc = grad.getLoc();
  RuntimeABI &rt = state.rt;
  NamedTensorType in = typeOf(grad.getInput()), g = typeOf(grad.getGrad());
  rt.call<kernel::ReduceMaxGrad>(
      b, loc,
      {state.context, rt.i32c(b, loc, in.getRank()), rt.i64Array(b, loc, in.getDimSizes()),
       state.pointer(b, loc, grad.getInput()), state.pointer(b, loc, grad.getGrad()),
       rt.i64Array(b, loc, stridesByName(in, g)), rt.i64c(b, loc, g.getNumElements()),
       state.pointer(b, loc, grad.getResult())});
}

/// meshc.cumsum: running sums along a dim.
void emitIndexOp(CumsumOp cumsum, OpBuilder &b, LoweringState &state) {
  Location loc = cumsum.getLoc();
  RuntimeABI &rt = state.rt;
  auto [outer, n, inner] = viewAround(typeOf(cumsum.getInput()), cumsum.getDim());
  rt.call<kernel::Cumsum>(
      b, loc,
      {state.context, rt.i64c(b, loc, outer), rt.i64c(b, loc, n), rt.i64c(b, loc, inner),
       rt.i32c(b, loc, cumsum.getExclusive()), rt.i32c(b, loc, cumsum.getReverse()),
       state.pointer(b, loc, cumsum.getInput()), state.pointer(b, loc, cumsum.getResult())});
}

/// meshc.concat: each input's window of the result along the dim.
void emitIndexOp(ConcatOp concat, OpBuilder &b, LoweringState &state) {
  Location loc = concat.getLoc();
  unsigned position = *typeOf(concat.getResult()).findDim(concat.getDim());
  int64_t start = 0;
  for (Value input : concat.getInputs()) {
    int64_t n = typeOf(input).getDimSizes()[position];
    emitWindow(b, loc, state, input, 0, concat.getResult(), start, position, n);
    start += n;
  }
}

/// meshc.slice: a window of the input along the dim.
void emitIndexOp(SliceOp slice, OpBuilder &b, LoweringState &state) {
  Location loc = slice.getLoc();
  unsigned position = *typeOf(slice.getInput()).findDim(slice.getDim());
  emitWindow(b, loc, state, slice.getInput(), slice.getStart(), slice.getResult(), 0, position,
             typeOf(slice.getResult()).getDimSizes()[position]);
}

/// meshc.pad: zeros, then the input's window.
void emitIndexOp(PadOp pad, OpBuilder &b, LoweringState &state) {
  Location loc = pad.getLoc();
  RuntimeABI &rt = state.rt;
  NamedTensorType out = typeOf(pad.getResult());
  unsigned position = *out.findDim(pad.getDim());
  rt.call<kernel::Fill>(b, loc,
                        {state.context, rt.i64c(b, loc, out.getNumElements()),
                         state.pointer(b, loc, pad.getResult()), rt.f32c(b, loc, 0.0f)});
  emitWindow(b, loc, state, pad.getInput(), 0, pad.getResult(), pad.getStart(), position,
             typeOf(pad.getInput()).getDimSizes()[position]);
}

/// meshc.rename: the same elements under other names.
void emitIndexOp(RenameOp rename, OpBuilder &b, LoweringState &state) {
  Location loc = rename.getLoc();
  emitCopy(b, loc, state, rename.getInput(), rename.getResult());
}

/// meshc.reshape: the same row-major elements in another shape.
void emitIndexOp(ReshapeOp reshape, OpBuilder &b, LoweringState &state) {
  Location loc = reshape.getLoc();
  emitCopy(b, loc, state, reshape.getInput(), reshape.getResult());
}

/// meshc.stop_gradient: a copy (the gradient stops in autodiff, not here).
void emitIndexOp(StopGradientOp stop, OpBuilder &b, LoweringState &state) {
  Location loc = stop.getLoc();
  emitCopy(b, loc, state, stop.getInput(), stop.getResult());
}

} // namespace

LogicalResult lowerIndexFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  // Every op of IndexFamilyOps needs an emitIndexOp overload above (else this does not compile).
  if (IndexFamilyOps::dispatch(op, [&](auto typed) { emitIndexOp(typed, b, state); }))
    return success();
  return unhandledOp(op, "index");
}

} // namespace meshc::lowering
