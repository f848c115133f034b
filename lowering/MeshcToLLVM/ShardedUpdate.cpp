// The per-rank form of a sharded optimizer update (meshc-shard-updates, `shard_axis` on
// sgd_update/momentum_update/adam_update): its gradient is this rank's slice of the parameter's
// first dim over the axis, contiguous in the row-major parameter at coordinate x slice size, so
// the update kernel runs on that slice (with optimizer state of the slice's size) and
// meshrt_allgather then fills the rest of the parameter in place from the other ranks' slices.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "dialect/Analysis/ProgramPasses.h"

using namespace mlir;

namespace meshc::lowering {

Value updatedParamPointer(OpBuilder &b, Location loc, LoweringState &state, Operation *update) {
  Value param = update->getOperand(0);
  Value base = state.pointer(b, loc, param);
  StringAttr axis = shardAxisOf(update);
  if (!axis)
    return base;
  RuntimeABI &rt = state.rt;
  auto slice = llvm::cast<NamedTensorType>(update->getOperand(1).getType());
  Value coord = rt.call<kernel::MeshCoord>(
      b, loc, {state.context, rt.i32c(b, loc, state.axisIndex(axis.getValue()))});
  Value offset = b.create<LLVM::MulOp>(loc, coord, rt.i64c(b, loc, slice.getNumElements()));
  return b.create<LLVM::GEPOp>(loc, rt.ptrType(), b.getF32Type(), base, ValueRange{offset});
}

void emitShardedGather(OpBuilder &b, Location loc, LoweringState &state, Operation *update,
                       Value slice) {
  StringAttr axis = shardAxisOf(update);
  if (!axis)
    return;
  RuntimeABI &rt = state.rt;
  // Numbered like every collective, so the watchdog and --stats/--explain agree.
  state.emitCollectiveSite(b, loc, update);
  auto type = llvm::cast<NamedTensorType>(update->getOperand(1).getType());
  int64_t rows = type.getDimSizes().front();
  int64_t inner = rows == 0 ? 0 : type.getNumElements() / rows;
  rt.call<kernel::Allgather>(b, loc,
                             {state.context, rt.i32c(b, loc, state.axisIndex(axis.getValue())),
                              slice, state.pointer(b, loc, update->getOperand(0)),
                              rt.i64c(b, loc, 1), rt.i64c(b, loc, rows), rt.i64c(b, loc, inner),
                              rt.i32c(b, loc, 4)});
}

} // namespace meshc::lowering
