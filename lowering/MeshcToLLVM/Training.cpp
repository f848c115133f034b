// Sources and training ops → runtime calls: inputs filled by the runtime where the program
// reads them, parameters (their buffers are the parameter storage; initialised by the init
// function; state such as batch norm's running statistics likewise), SGD updates in place,
// meshc.train_or_eval (the operand of the pass being emitted), and the reported loss.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "meshrt/meshrt.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

} // namespace

LogicalResult lowerTrainingFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  Location loc = op->getLoc();
  RuntimeABI &rt = state.rt;
  LogicalResult result = success();
  bool handled = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](InputOp input) {
        // The runtime fills it: from a bound file, else synthetic data of the step.
        rt.call<kernel::Input>(
            b, loc, {state.context, rt.i32c(b, loc, state.inputId.lookup(op)), state.step});
      })
      .Case([&](ParamOp) {}) // its buffer is the parameter's storage
      .Case([&](SgdUpdateOp update) {
        // The gradient's elements: the parameter's, or a sharded update's slice.
        Value param = updatedParamPointer(b, loc, state, update);
        rt.call<kernel::SgdUpdate>(
            b, loc,
            {state.context, rt.i64c(b, loc, typeOf(update.getGrad()).getNumElements()), param,
             state.pointer(b, loc, update.getGrad()),
             rt.f32c(b, loc, (float)update.getLearningRate().convertToDouble())});
        emitShardedGather(b, loc, state, update, param);
      })
      .Case([&](ClipGlobalNormOp clip) {
        // In place (planBuffers gives each result its gradient's buffer): the block pointers
        // in an array on the stack, counts and replicas as constants. A collective: its site
        // is numbered like the others so the watchdog and --stats/--explain agree.
        state.emitCollectiveSite(b, loc, op);
        int64_t n = clip.getGrads().size();
        Value array = b.create<LLVM::AllocaOp>(loc, rt.ptrType(), rt.ptrType(), rt.i64c(b, loc, n));
        SmallVector<int64_t> counts;
        for (auto [i, grad] : llvm::enumerate(clip.getGrads())) {
          Value slot = b.create<LLVM::GEPOp>(loc, rt.ptrType(), rt.ptrType(), array,
                                             ArrayRef<LLVM::GEPArg>{(int32_t)i});
          b.create<LLVM::StoreOp>(loc, state.pointer(b, loc, grad), slot);
          counts.push_back(typeOf(grad).getNumElements());
        }
        SmallVector<int64_t> replicas(n, 1);
        if (std::optional<ArrayRef<int64_t>> given = clip.getReplicas())
          replicas.assign(given->begin(), given->end());
        rt.call<kernel::ClipGlobalNorm>(
            b, loc,
            {state.context, rt.i64c(b, loc, n), array, rt.i64Array(b, loc, counts),
             rt.i64Array(b, loc, replicas),
             rt.f32c(b, loc, (float)clip.getMaxNorm().convertToDouble())});
      })
      .Case([&](TrainOrEvalOp select) {
        // The operand this pass reads (ProgramPasses computes only that one) into the result.
        Value from = state.forwardOnly ? select.getEval() : select.getTrain();
        emitStridedCopy(b, loc, state, state.pointer(b, loc, from), typeOf(from),
                        state.pointer(b, loc, select.getResult()), typeOf(select.getResult()));
      })
      .Case([&](OutputOp output) {
        if (state.loss) {
          result = output.emitOpError() << "a program reports one output, the loss";
          return;
        }
        // Through the runtime: on a device the buffer is not host memory.
        state.loss = rt.call<kernel::LoadF32>(
            b, loc, {state.context, state.pointer(b, loc, output.getValue())});
      })
      .Default([&](Operation *) { handled = false; });
  return handled ? result : unhandledOp(op, "training");
}

/// Initialises every parameter's slice; called from the init function.
void emitParamInit(OpBuilder &b, LoweringState &state, ParamOp param) {
  Location loc = param.getLoc();
  RuntimeABI &rt = state.rt;
  NamedTensorType type = typeOf(param.getResult());
  SmallVector<int32_t> axes = state.dimAxesOf(param.getResult());
  int32_t kind = MESHRT_INIT_ZEROS;
  switch (param.getInit()) {
  case ParamInit::Uniform:
    kind = MESHRT_INIT_UNIFORM;
    break;
  case ParamInit::Normal:
    kind = MESHRT_INIT_NORMAL;
    break;
  case ParamInit::Zeros:
    kind = MESHRT_INIT_ZEROS;
    break;
  case ParamInit::Constant:
    kind = MESHRT_INIT_CONSTANT;
    break;
  }
  rt.call<kernel::InitParam>(
      b, loc,
      {state.context, state.pointer(b, loc, param.getResult()), rt.i32c(b, loc, type.getRank()),
       rt.i64Array(b, loc, globalShape(type, axes, state.mesh)), rt.i32Array(b, loc, axes),
       rt.i64c(b, loc, (int64_t)llvm::xxh3_64bits(param.getName())), rt.i32c(b, loc, kind),
       rt.f32c(b, loc, (float)param.getScale().convertToDouble())});
}

} // namespace meshc::lowering
