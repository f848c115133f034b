// The init function's registrations (meshrt_register_tensor): every global tensor the runtime
// reaches between passes — inputs it fills, parameters and optimizer state it checkpoints,
// metrics evaluation reads, outputs prediction writes — with its global shape, the mesh axis of
// each dim and this rank's buffer.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "dialect/Analysis/ProgramPasses.h"

#include "meshrt/meshrt.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

int32_t dtypeOf(NamedTensorType type) {
  return type.getElementType().isSignlessInteger(32) ? MESHRT_DTYPE_I32 : MESHRT_DTYPE_F32;
}

void emitRegister(OpBuilder &b, Location loc, LoweringState &state, int32_t role, StringRef name,
                  NamedTensorType local, ArrayRef<int32_t> axes, Value buffer,
                  int32_t syntheticKind = 0, int32_t classes = 0) {
  RuntimeABI &rt = state.rt;
  rt.call<kernel::RegisterTensor>(
      b, loc,
      {state.context, rt.i32c(b, loc, role), rt.string(b, loc, name),
       rt.i32c(b, loc, dtypeOf(local)), rt.i32c(b, loc, local.getRank()),
       rt.i64Array(b, loc, globalShape(local, axes, state.mesh)), rt.i32Array(b, loc, axes), buffer,
       rt.i32c(b, loc, syntheticKind), rt.i32c(b, loc, classes)});
}

} // namespace

void emitRegistrations(OpBuilder &b, LoweringState &state, Block &body) {
  auto each = [&](auto fn) {
    for (Operation &op : body)
      fn(&op);
  };
  each([&](Operation *op) {
    auto input = llvm::dyn_cast<InputOp>(op);
    if (!input)
      return;
    NamedTensorType type = typeOf(input.getResult());
    emitRegister(
        b, op->getLoc(), state, MESHRT_ROLE_INPUT, input.getName(), type,
        state.dimAxesOf(input.getResult()), state.pointer(b, op->getLoc(), input.getResult()),
        input.getKind() == InputKind::Labels ? MESHRT_SYNTHETIC_LABELS : MESHRT_SYNTHETIC_FEATURES,
        (int32_t)input.getClasses());
  });
  // A parameter read twice is one tensor: its first read's buffer is the one updated.
  llvm::StringSet<> params;
  each([&](Operation *op) {
    auto param = llvm::dyn_cast<ParamOp>(op);
    if (!param || !params.insert(param.getName()).second)
      return;
    NamedTensorType type = typeOf(param.getResult());
    emitRegister(b, op->getLoc(), state, MESHRT_ROLE_PARAM, param.getName(), type,
                 state.dimAxesOf(param.getResult()),
                 state.pointer(b, op->getLoc(), param.getResult()));
  });
  each([&](Operation *op) {
    auto it = state.optimizerState.find(op);
    if (it == state.optimizerState.end())
      return;
    auto param = op->getOperand(0).getDefiningOp<ParamOp>();
    // The state has the gradient's shape: the parameter's block, or a sharded update's slice of
    // its first dim over the shard axis (a block of the global tensor all the same).
    NamedTensorType type = typeOf(op->getOperand(1));
    SmallVector<int32_t> axes = state.dimAxesOf(param.getResult());
    if (StringAttr axis = shardAxisOf(op))
      axes.front() = state.axisIndex(axis.getValue());
    static const StringRef kAdam[] = {"/adam_m", "/adam_v"}, kMomentum[] = {"/momentum"};
    ArrayRef<StringRef> suffixes = isa<AdamUpdateOp>(op) ? ArrayRef(kAdam) : ArrayRef(kMomentum);
    for (auto [suffix, buffer] : llvm::zip(suffixes, it->second))
      emitRegister(b, op->getLoc(), state, MESHRT_ROLE_OPT_STATE, (param.getName() + suffix).str(),
                   type, axes, state.bufferPointer(b, op->getLoc(), buffer));
  });
  each([&](Operation *op) {
    if (!isa<MetricOp, PredictionOp>(op))
      return;
    Value value = op->getOperand(0);
    NamedTensorType type = typeOf(value);
    StringRef name = op->getAttrOfType<StringAttr>("name").getValue();
    emitRegister(b, op->getLoc(), state,
                 isa<MetricOp>(op) ? MESHRT_ROLE_METRIC : MESHRT_ROLE_OUTPUT, name, type,
                 state.dimAxesOf(value), state.pointer(b, op->getLoc(), value));
  });
}

} // namespace meshc::lowering
