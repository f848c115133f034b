// Buffers, strides and the strided copy shared by the op-family lowerings.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "dialect/Analysis/CostReport.h"

#include "dialect/Analysis/BufferPlan.h"
#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/ModuleAttrs.h"

using namespace mlir;

namespace meshc::lowering {

Value LoweringState::pointer(OpBuilder &b, Location loc, Value tensor) {
  auto it = bufferOf.find(tensor);
  assert(it != bufferOf.end() && "tensor without a buffer");
  Value address = b.create<LLVM::AddressOfOp>(loc, buffers[it->second].global);
  return b.create<LLVM::LoadOp>(loc, rt.ptrType(), address);
}

Value LoweringState::pointerArray(OpBuilder &b, Location loc, ValueRange tensors) {
  Value array = b.create<LLVM::AllocaOp>(loc, rt.ptrType(), rt.ptrType(),
                                         rt.i64c(b, loc, static_cast<int64_t>(tensors.size())));
  for (auto [i, tensor] : llvm::enumerate(tensors)) {
    Value slot = b.create<LLVM::GEPOp>(loc, rt.ptrType(), rt.ptrType(), array,
                                       ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    b.create<LLVM::StoreOp>(loc, pointer(b, loc, tensor), slot);
  }
  return array;
}

int32_t LoweringState::axisIndex(StringRef axis) const {
  std::optional<unsigned> index = mesh.findAxis(axis);
  assert(index && "unknown mesh axis in a partitioned program");
  return *index;
}

int32_t LoweringState::axesMask(ArrayAttr axes) const {
  int32_t mask = 0;
  for (Attribute axis : axes)
    mask |= 1 << axisIndex(llvm::cast<StringAttr>(axis).getValue());
  return mask;
}

void LoweringState::emitCollectiveSite(OpBuilder &b, Location loc, Operation *op) {
  std::string where = formatLocation(loc);
  rt.call<kernel::CollectiveSite>(
      b, loc,
      {context, rt.i32c(b, loc, collectiveNumber.lookup(op)),
       where == "unknown" ? rt.null(b, loc) : rt.string(b, loc, where)});
}

SmallVector<int32_t> LoweringState::dimAxesOf(Value value) const {
  auto type = llvm::cast<NamedTensorType>(value.getType());
  ShardingAttr sharding = getSharding(value);
  if (!sharding)
    return SmallVector<int32_t>(type.getRank(), kReplicated);
  return SmallVector<int32_t>(fromShardingAttr(sharding, mesh).dimAxes);
}

int32_t LoweringState::dimAxis(Operation *op, StringRef dim) const {
  for (ValueRange values : {ValueRange(op->getOperands()), ValueRange(op->getResults())})
    for (Value value : values)
      if (auto type = llvm::dyn_cast<NamedTensorType>(value.getType()))
        if (std::optional<unsigned> index = type.findDim(dim))
          return dimAxesOf(value)[*index];
  return kReplicated;
}

unsigned LoweringState::newBuffer(int64_t bytes, int64_t arenaOffset) {
  std::string name = "__meshc_buffer_" + std::to_string(buffers.size());
  buffers.push_back(
      {rt.pointerGlobal(name), std::max<int64_t>(bytes, kMinBufferBytes), arenaOffset});
  return buffers.size() - 1;
}

Value LoweringState::scratch(OpBuilder &b, Location loc, NamedTensorType holds) {
  int64_t bytes = std::max<int64_t>(tensorBytes(holds), kMinBufferBytes);
  if (scratchUsed == scratchPool.size())
    scratchPool.push_back(newBuffer(bytes));
  unsigned index = scratchPool[scratchUsed++];
  buffers[index].bytes = std::max(buffers[index].bytes, bytes);
  return bufferPointer(b, loc, index);
}

Value LoweringState::bufferPointer(OpBuilder &b, Location loc, unsigned index) {
  Value address = b.create<LLVM::AddressOfOp>(loc, buffers[index].global);
  return b.create<LLVM::LoadOp>(loc, rt.ptrType(), address);
}

SmallVector<int64_t> globalShape(NamedTensorType local, ArrayRef<int32_t> dimAxes, MeshAttr mesh) {
  SmallVector<int64_t> shape(local.getDimSizes());
  for (auto [i, axis] : llvm::enumerate(dimAxes))
    if (axis >= 0)
      shape[i] *= mesh.getAxisSize(axis);
  return shape;
}

SmallVector<int64_t> rowMajorStrides(NamedTensorType type) {
  SmallVector<int64_t> strides(type.getRank(), 1);
  for (int i = (int)type.getRank() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * type.getDimSizes()[i + 1];
  return strides;
}

SmallVector<int64_t> stridesByName(NamedTensorType view, NamedTensorType source) {
  SmallVector<int64_t> sourceStrides = rowMajorStrides(source), strides;
  for (StringAttr name : view.getDimNames()) {
    std::optional<unsigned> index = source.findDim(name.getValue());
    strides.push_back(index ? sourceStrides[*index] : 0);
  }
  return strides;
}

void emitStridedCopy(OpBuilder &b, Location loc, LoweringState &state, Value in,
                     NamedTensorType inType, Value out, NamedTensorType outType) {
  RuntimeABI &rt = state.rt;
  rt.call<kernel::StridedCopy>(b, loc,
                               {state.context, rt.i32c(b, loc, outType.getRank()),
                                rt.i64Array(b, loc, outType.getDimSizes()), out, in,
                                rt.i64Array(b, loc, stridesByName(outType, inType)),
                                rt.i32c(b, loc, elementBytes(outType))});
}

void emitReduceSum(OpBuilder &b, Location loc, LoweringState &state, Value in,
                   NamedTensorType inType, Value out, NamedTensorType outType) {
  RuntimeABI &rt = state.rt;
  rt.call<kernel::ReduceSum>(b, loc,
                             {state.context, rt.i32c(b, loc, inType.getRank()),
                              rt.i64Array(b, loc, inType.getDimSizes()), in, out,
                              rt.i64Array(b, loc, stridesByName(inType, outType)),
                              rt.i64c(b, loc, outType.getNumElements())});
}

LogicalResult unhandledOp(Operation *op, StringRef family) {
  return op->emitOpError() << "is not handled by the " << family << " lowering";
}

} // namespace meshc::lowering
