// Collectives → runtime calls on the communicator of their mesh axes. A tensor is viewed as
// [outer, dim, inner] around the dim a collective gathers, scatters, slices or exchanges the
// halo rows of.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "dialect/Analysis/BufferPlan.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

/// Sizes before and after `dim`.
std::pair<int64_t, int64_t> outerInner(NamedTensorType type, StringRef dim) {
  unsigned position = *type.findDim(dim);
  int64_t outer = 1, inner = 1;
  for (unsigned i = 0; i < type.getRank(); ++i)
    if (i != position)
      (i < position ? outer : inner) *= type.getDimSizes()[i];
  return {outer, inner};
}

/// all_gather / reduce_scatter / all_slice: `local` is the per-rank size of `dim`.
template <typename Kernel>
void emitDimCollective(OpBuilder &b, Location loc, LoweringState &state, Value input, Value result,
                       StringRef dim, StringRef axis, int64_t local) {
  RuntimeABI &rt = state.rt;
  auto [outer, inner] = outerInner(typeOf(input), dim);
  Value args[] = {state.context,
                  rt.i32c(b, loc, state.axisIndex(axis)),
                  state.pointer(b, loc, input),
                  state.pointer(b, loc, result),
                  rt.i64c(b, loc, outer),
                  rt.i64c(b, loc, local),
                  rt.i64c(b, loc, inner)};
  if constexpr (std::is_same_v<Kernel, kernel::ReduceScatter>) // f32 only: no element size
    rt.call<Kernel>(b, loc, {args[0], args[1], args[2], args[3], args[4], args[5], args[6]});
  else
    rt.call<Kernel>(b, loc,
                    {args[0], args[1], args[2], args[3], args[4], args[5], args[6],
                     rt.i32c(b, loc, elementBytes(typeOf(input)))});
}

/// all_to_all: pack the slices of the split dim into one block per peer, exchange, and unpack
/// the received blocks along the concatenated dim.
void emitAllToAll(OpBuilder &b, Location loc, LoweringState &state, AllToAllOp op) {
  RuntimeABI &rt = state.rt;
  NamedTensorType in = typeOf(op.getInput()), out = typeOf(op.getResult());
  unsigned split = *in.findDim(op.getSplitDim()), concat = *in.findDim(op.getConcatDim());
  int64_t peers = in.getDimSizes()[split] / out.getDimSizes()[split];
  int64_t blockElements = in.getNumElements() / peers;
  // A block has the input's dims with the split dim cut to its slice.
  SmallVector<int64_t> blockShape(in.getDimSizes());
  blockShape[split] /= peers;
  NamedTensorType block = in.withSizes(blockShape);
  SmallVector<int64_t> inStrides = rowMajorStrides(in), blockStrides = rowMajorStrides(block);

  // Pack: send[p][...] = in[... split = p * slice + i ...].
  SmallVector<int64_t> packShape = {peers}, packStrides = {blockShape[split] * inStrides[split]};
  packShape.append(blockShape.begin(), blockShape.end());
  packStrides.append(inStrides.begin(), inStrides.end());
  Value send = state.scratch(b, loc, in);
  Value recv = state.scratch(b, loc, in);
  Value input = state.pointer(b, loc, op.getInput());
  rt.call<kernel::StridedCopy>(
      b, loc,
      {state.context, rt.i32c(b, loc, packShape.size()), rt.i64Array(b, loc, packShape), send,
       input, rt.i64Array(b, loc, packStrides), rt.i32c(b, loc, elementBytes(in))});
  rt.call<kernel::Alltoall>(b, loc,
                            {state.context, rt.i32c(b, loc, state.axisIndex(op.getAxis())), send,
                             recv, rt.i64c(b, loc, blockElements * elementBytes(in))});
  // Unpack: the result, with its concat dim seen as [peer, slice], reads recv[peer][...].
  SmallVector<int64_t> unpackShape, unpackStrides;
  for (unsigned i = 0; i < block.getRank(); ++i) {
    if (i == concat) {
      unpackShape.push_back(peers);
      unpackStrides.push_back(blockElements);
    }
    unpackShape.push_back(blockShape[i]);
    unpackStrides.push_back(blockStrides[i]);
  }
  rt.call<kernel::StridedCopy>(
      b, loc,
      {state.context, rt.i32c(b, loc, unpackShape.size()), rt.i64Array(b, loc, unpackShape),
       state.pointer(b, loc, op.getResult()), recv, rt.i64Array(b, loc, unpackStrides),
       rt.i32c(b, loc, elementBytes(out))});
}

/// A bucket: the runtime packs the operands into its scratch, sums them in one allreduce and
/// unpacks into the results (which may be the operands' buffers: it reads all before writing).
void emitAllReduceBucket(OpBuilder &b, Location loc, LoweringState &state,
                         AllReduceBucketOp bucket) {
  RuntimeABI &rt = state.rt;
  int32_t mask = state.axesMask(bucket.getAxes());
  SmallVector<int64_t> counts;
  for (Value input : bucket.getInputs())
    counts.push_back(typeOf(input).getNumElements());
  Value in = state.pointerArray(b, loc, bucket.getInputs());
  Value out = state.pointerArray(b, loc, bucket.getResults());
  Value n = rt.i64c(b, loc, static_cast<int64_t>(counts.size()));
  if (bucket.getAsync())
    rt.call<kernel::AllreduceBucketStart>(
        b, loc,
        {state.context, rt.i32c(b, loc, state.collectiveNumber.lookup(bucket)),
         rt.i32c(b, loc, mask), n, in, out, rt.i64Array(b, loc, counts)});
  else
    rt.call<kernel::AllreduceBucket>(
        b, loc, {state.context, rt.i32c(b, loc, mask), n, in, out, rt.i64Array(b, loc, counts)});
}

/// The end of an async all_reduce or bucket: the runtime waits for the collective it started
/// under the same number; the results are the operands' buffers (the buffer plan shares them;
/// else they are copied once the sums are in).
void emitWait(OpBuilder &b, Location loc, LoweringState &state, WaitOp wait) {
  Operation *start = wait.getInputs().front().getDefiningOp();
  state.rt.call<kernel::CollectiveWait>(
      b, loc, {state.context, state.rt.i32c(b, loc, state.collectiveNumber.lookup(start))});
  for (auto [input, result] : llvm::zip(wait.getInputs(), wait.getResults()))
    if (state.bufferOf.lookup(input) != state.bufferOf.lookup(result))
      emitStridedCopy(b, loc, state, state.pointer(b, loc, input), typeOf(input),
                      state.pointer(b, loc, result), typeOf(result));
}

/// all_reduce (Kernel = Allreduce; AllreduceStart for an async one, with its request number)
/// and all_reduce_max (AllreduceMax): in place in the result's buffer, which usually is the
/// operand's (see the buffer plan); else the operand is copied in.
template <typename Kernel, typename Op>
void emitAllReduceInPlace(OpBuilder &b, Location loc, LoweringState &state, Op reduce,
                          std::optional<int32_t> request = std::nullopt) {
  RuntimeABI &rt = state.rt;
  int32_t mask = state.axesMask(reduce.getAxes());
  NamedTensorType type = typeOf(reduce.getResult());
  if (state.bufferOf.lookup(reduce.getInput()) != state.bufferOf.lookup(reduce.getResult()))
    emitStridedCopy(b, loc, state, state.pointer(b, loc, reduce.getInput()), type,
                    state.pointer(b, loc, reduce.getResult()), type);
  Value requestValue = request ? rt.i32c(b, loc, *request) : Value();
  Value maskValue = rt.i32c(b, loc, mask), buffer = state.pointer(b, loc, reduce.getResult()),
        count = rt.i64c(b, loc, type.getNumElements());
  if constexpr (std::is_same_v<Kernel, kernel::AllreduceStart>)
    rt.call<Kernel>(b, loc, {state.context, requestValue, maskValue, buffer, count});
  else
    rt.call<Kernel>(b, loc, {state.context, maskValue, buffer, count});
}

} // namespace

LogicalResult lowerCollectiveFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  if (!CollectiveFamilyOps::contains(op)) // before the site call below
    return unhandledOp(op, "collective");
  Location loc = op->getLoc();
  RuntimeABI &rt = state.rt;
  if (auto wait = dyn_cast<WaitOp>(op)) { // not a collective of its own: no site
    emitWait(b, loc, state, wait);
    return success();
  }
  state.emitCollectiveSite(b, loc, op);
  bool handled = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](AllReduceOp reduce) {
        if (reduce.getAsync())
          emitAllReduceInPlace<kernel::AllreduceStart>(b, loc, state, reduce,
                                                       state.collectiveNumber.lookup(op));
        else
          emitAllReduceInPlace<kernel::Allreduce>(b, loc, state, reduce);
      })
      .Case([&](AllReduceMaxOp reduce) {
        emitAllReduceInPlace<kernel::AllreduceMax>(b, loc, state, reduce);
      })
      .Case([&](AllReduceBucketOp bucket) { emitAllReduceBucket(b, loc, state, bucket); })
      .Case([&](AllGatherOp gather) {
        emitDimCollective<kernel::Allgather>(b, loc, state, gather.getInput(), gather.getResult(),
                                             gather.getDim(), gather.getAxis(),
                                             typeOf(gather.getInput()).getDimSize(gather.getDim()));
      })
      .Case([&](ReduceScatterOp scatter) {
        emitDimCollective<kernel::ReduceScatter>(
            b, loc, state, scatter.getInput(), scatter.getResult(), scatter.getDim(),
            scatter.getAxis(), typeOf(scatter.getResult()).getDimSize(scatter.getDim()));
      })
      .Case([&](AllSliceOp slice) {
        emitDimCollective<kernel::AllSlice>(b, loc, state, slice.getInput(), slice.getResult(),
                                            slice.getDim(), slice.getAxis(),
                                            typeOf(slice.getResult()).getDimSize(slice.getDim()));
      })
      .Case([&](AllToAllOp allToAll) { emitAllToAll(b, loc, state, allToAll); })
      .Case([&](HaloExchangeOp exchange) {
        auto [outer, inner] = outerInner(typeOf(exchange.getInput()), exchange.getDim());
        rt.call<kernel::HaloExchange>(
            b, loc,
            {state.context, rt.i32c(b, loc, state.axisIndex(exchange.getAxis())),
             state.pointer(b, loc, exchange.getInput()),
             state.pointer(b, loc, exchange.getResult()), rt.i64c(b, loc, outer),
             rt.i64c(b, loc, typeOf(exchange.getInput()).getDimSize(exchange.getDim())),
             rt.i64c(b, loc, inner), rt.i64c(b, loc, exchange.getLo()),
             rt.i64c(b, loc, exchange.getHi()),
             rt.f32c(b, loc, static_cast<float>(exchange.getFill().convertToDouble()))});
      })
      .Case([&](HaloExchangeGradOp grad) {
        auto [outer, inner] = outerInner(typeOf(grad.getResult()), grad.getDim());
        rt.call<kernel::HaloExchangeGrad>(
            b, loc,
            {state.context, rt.i32c(b, loc, state.axisIndex(grad.getAxis())),
             state.pointer(b, loc, grad.getInput()), state.pointer(b, loc, grad.getResult()),
             rt.i64c(b, loc, outer),
             rt.i64c(b, loc, typeOf(grad.getResult()).getDimSize(grad.getDim())),
             rt.i64c(b, loc, inner), rt.i64c(b, loc, grad.getLo()), rt.i64c(b, loc, grad.getHi())});
      })
      .Default([&](Operation *) { handled = false; });
  return handled ? success() : unhandledOp(op, "collective");
}

} // namespace meshc::lowering
