// The meshc-lower-to-llvm pass: builds the three passes of the program (meshc_step: train,
// meshc_eval, meshc_predict), meshc_init and main around the op-family lowerings, then drops the
// meshc function.
#include "lowering/MeshcToLLVM/LoweringState.h"
#include "lowering/Passes.h"

#include "dialect/Analysis/ProgramPasses.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/xxhash.h"

#ifndef MESHC_VERSION
#error "MESHC_VERSION must be the meshc project version (set by lowering/CMakeLists.txt)"
#endif

using namespace mlir;

namespace meshc {
#define GEN_PASS_DEF_LOWERTOLLVM
#include "lowering/Passes.h.inc"
} // namespace meshc

namespace meshc::lowering {
namespace {

/// Ops that may write their result into their operand's buffer, when the operand has no
/// other use: the all_reduce that completes a partial sum, the scale of a mean.
bool canReuseOperandBuffer(Operation *op) {
  return isa<AllReduceOp, ScaleOp>(op) && op->getOperand(0).hasOneUse();
}

void planBuffers(func::FuncOp func, LoweringState &state) {
  func.walk([&](Operation *op) {
    for (Value result : op->getResults()) {
      auto type = llvm::dyn_cast<NamedTensorType>(result.getType());
      if (!type)
        continue;
      if (isa<ClipGlobalNormOp>(op)) // scales each gradient in place
        state.bufferOf[result] = state.bufferOf.lookup(
            op->getOperand(llvm::cast<OpResult>(result).getResultNumber()));
      else if (canReuseOperandBuffer(op))
        state.bufferOf[result] = state.bufferOf.lookup(op->getOperand(0));
      else
        state.bufferOf[result] = state.newBuffer(type.getNumElements() * 4);
    }
  });
}

/// Buffers that outlive a pass, and the numbers the runtime knows ops by, planned from the whole
/// function so that every pass agrees on them.
void planPersistentState(func::FuncOp func, LoweringState &state) {
  int32_t inputs = 0;
  func.walk([&](Operation *op) {
    if (isa<InputOp>(op))
      state.inputId[op] = inputs++;
    if (isa<AdamUpdateOp, MomentumUpdateOp>(op)) {
      int64_t bytes = llvm::cast<NamedTensorType>(op->getOperand(0).getType()).getNumElements() * 4;
      auto &buffers = state.optimizerState[op];
      for (int i = 0, n = isa<AdamUpdateOp>(op) ? 2 : 1; i < n; ++i)
        buffers.push_back(state.newBuffer(bytes));
    }
    if (auto param = llvm::dyn_cast<ParamOp>(op))
      state.params.push_back(param);
  });
}

LogicalResult lowerOp(Operation *op, OpBuilder &b, LoweringState &state) {
  if (isa<EinsumOp>(op))
    return lowerMatmulFamily(op, b, state);
  if (isa<AddOp, SubOp, MulOp, EqualOp, ReluOp, ReluGradOp, ScaleOp, FillOp, BroadcastOp>(op))
    return lowerElementwiseFamily(op, b, state);
  if (isa<ReduceSumOp, SoftmaxXentOp, SoftmaxXentGradOp>(op))
    return lowerReductionFamily(op, b, state);
  if (isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllSliceOp, AllToAllOp>(op))
    return lowerCollectiveFamily(op, b, state);
  if (isa<InputOp, ParamOp, SgdUpdateOp, OutputOp, ClipGlobalNormOp>(op))
    return lowerTrainingFamily(op, b, state);
  if (isa<EmbeddingOp, EmbeddingGradOp, OneHotOp, ArgmaxOp, ReduceMaxOp, ReduceMaxGradOp, CumsumOp,
          ConcatOp, SliceOp, PadOp, RenameOp, ReshapeOp, StopGradientOp>(op))
    return lowerIndexFamily(op, b, state);
  if (isa<LayerNormOp, LayerNormGradOp, GeluOp, GeluGradOp, SoftmaxOp, CausalMaskOp, DropoutOp,
          AdamUpdateOp, MomentumUpdateOp>(op))
    return lowerNNFamily(op, b, state);
  if (isa<func::ReturnOp, MetricOp, PredictionOp>(op)) // registered buffers, no code
    return success();
  return op->emitOpError() << "cannot be lowered to the runtime";
}

struct LowerToLLVMPass : meshc::impl::LowerToLLVMBase<LowerToLLVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    if (funcs.size() != 1) {
      module.emitError() << "expected one meshc function, found " << funcs.size();
      return signalPassFailure();
    }
    func::FuncOp func = funcs.front();
    MeshAttr mesh = getPerRankMesh(func);
    if (!mesh) {
      func.emitError() << "function '" << func.getSymName()
                       << "' is not partitioned (run meshc-partition first)";
      return signalPassFailure();
    }
    // Ranks compare this fingerprint at start-up so that all run the same program.
    std::string text;
    llvm::raw_string_ostream os(text);
    module.print(os, OpPrintingFlags().enableDebugInfo(false));
    uint64_t hash = llvm::xxh3_64bits(text);

    LoweringState state(module, mesh);
    RuntimeABI &rt = state.rt;
    Block &body = func.getBody().front();
    planBuffers(func, state);
    planPersistentState(func, state);
    ProgramPasses plan = planProgramPasses(body);
    state.collectiveNumber = numberCollectives(body, plan);
    MLIRContext *context = module.getContext();
    Location loc = func.getLoc();
    OpBuilder b(context);

    // meshc_step (train), meshc_eval, meshc_predict: (ctx, step) -> loss, over the same buffers.
    auto buildPass = [&](StringRef name, const llvm::DenseSet<Operation *> &ops, bool forwardOnly,
                         bool returnsLoss) -> LLVM::LLVMFuncOp {
      b.setInsertionPointToEnd(module.getBody());
      auto fn = b.create<LLVM::LLVMFuncOp>(
          loc, name, LLVM::LLVMFunctionType::get(rt.f32Type(), {rt.ptrType(), rt.i64Type()}));
      Block *entry = fn.addEntryBlock(b);
      OpBuilder pb = OpBuilder::atBlockEnd(entry);
      state.context = entry->getArgument(0);
      state.step = entry->getArgument(1);
      state.loss = Value();
      state.forwardOnly = forwardOnly;
      state.beginPass();
      for (Operation &op : body)
        if (ops.contains(&op) && failed(lowerOp(&op, pb, state)))
          return nullptr;
      Value loss = returnsLoss && state.loss ? state.loss : rt.f32c(pb, loc, 0.0f);
      pb.create<LLVM::ReturnOp>(loc, loss);
      return fn;
    };
    LLVM::LLVMFuncOp stepFn = buildPass("meshc_step", plan.train, false, true);
    LLVM::LLVMFuncOp evalFn = stepFn ? buildPass("meshc_eval", plan.eval, true, true) : nullptr;
    LLVM::LLVMFuncOp predictFn =
        evalFn && plan.hasOutputs ? buildPass("meshc_predict", plan.predict, true, false) : nullptr;
    if (!stepFn || !evalFn || (plan.hasOutputs && !predictFn))
      return signalPassFailure();

    // meshc_init(ctx): every buffer, then every parameter's slice, then the registrations.
    b.setInsertionPointToEnd(module.getBody());
    auto initFn = b.create<LLVM::LLVMFuncOp>(
        loc, "meshc_init", LLVM::LLVMFunctionType::get(rt.voidType(), {rt.ptrType()}));
    Block *initBlock = initFn.addEntryBlock(b);
    OpBuilder ib = OpBuilder::atBlockEnd(initBlock);
    state.context = initBlock->getArgument(0);
    for (Buffer &buffer : state.buffers) {
      Value data = rt.call(ib, loc, "meshrt_alloc", {state.context, rt.i64c(ib, loc, buffer.bytes)});
      ib.create<LLVM::StoreOp>(loc, data, ib.create<LLVM::AddressOfOp>(loc, buffer.global));
    }
    for (ParamOp param : state.params)
      emitParamInit(ib, state, param);
    emitRegistrations(ib, state, body);
    ib.create<LLVM::ReturnOp>(loc, ValueRange());

    // main(argc, argv)
    b.setInsertionPointToEnd(module.getBody());
    auto mainFn = b.create<LLVM::LLVMFuncOp>(
        loc, "main",
        LLVM::LLVMFunctionType::get(rt.i32Type(), {rt.i32Type(), rt.ptrType()}));
    Block *mainBlock = mainFn.addEntryBlock(b);
    OpBuilder mb = OpBuilder::atBlockEnd(mainBlock);
    LayoutAttr layout = getLayout(module);
    Value null = rt.null(mb, loc);
    Value code = rt.call(
        mb, loc, "meshrt_main",
        {mainBlock->getArgument(0), mainBlock->getArgument(1),
         rt.string(mb, loc, func.getSymName()), rt.string(mb, loc, mesh.getSpec()),
         rt.string(mb, loc, layout ? layout.getSpec() : std::string()),
         rt.i64c(mb, loc, (int64_t)hash), mb.create<LLVM::AddressOfOp>(loc, initFn),
         mb.create<LLVM::AddressOfOp>(loc, stepFn), mb.create<LLVM::AddressOfOp>(loc, evalFn),
         predictFn ? mb.create<LLVM::AddressOfOp>(loc, predictFn) : null,
         rt.string(mb, loc, MESHC_VERSION)});
    mb.create<LLVM::ReturnOp>(loc, code);

    func.erase();
    removeMeshAndLayout(module);
  }
};

} // namespace
} // namespace meshc::lowering
