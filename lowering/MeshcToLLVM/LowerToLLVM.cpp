// The meshc-lower-to-llvm pass: builds the three passes of the program (meshc_step: train,
// meshc_eval, meshc_predict), meshc_init and main around the op-family lowerings, then drops the
// meshc function.
#include "lowering/MeshcToLLVM/LoweringState.h"
#include "lowering/Passes.h"

#include "dialect/Analysis/BufferPlan.h"
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

/// The buffers of the plan (dialect/Analysis/BufferPlan.h, which `meshc --explain` counts):
/// one global each, created first so that buffer i of the plan is global i.
void allocatePlannedBuffers(func::FuncOp func, LoweringState &state) {
  BufferPlan plan = planBuffers(func);
  for (const BufferPlan::Buffer &buffer : plan.buffers)
    state.newBuffer(buffer.bytes, buffer.persistent ? -1 : buffer.offset);
  state.arenaBytes = plan.arenaBytes;
  state.bufferOf = std::move(plan.bufferOf);
  state.optimizerState = std::move(plan.optimizerState);
}

/// The numbers the runtime knows ops by and the parameters to initialise, planned from the whole
/// function so that every pass agrees on them.
void planPersistentState(func::FuncOp func, LoweringState &state) {
  int32_t inputs = 0;
  func.walk([&](Operation *op) {
    if (isa<InputOp>(op))
      state.inputId[op] = inputs++;
    if (auto param = llvm::dyn_cast<ParamOp>(op))
      state.params.push_back(param);
    // Its parameter lives in storage the ranks along its axes share (meshrt_alloc_shared).
    if (auto update = llvm::dyn_cast<SgdUpdateEinsumOp>(op))
      state.buffers[state.bufferOf.lookup(update.getParam())].sharedMask =
          state.axesMask(update.getAxes());
  });
}

/// Each family with its list of ops (LoweringState.h): the only routing table.
struct Family {
  bool (*contains)(Operation *);
  LogicalResult (*lower)(Operation *, OpBuilder &, LoweringState &);
};
constexpr Family kFamilies[] = {
    {MatmulFamilyOps::contains, lowerMatmulFamily},
    {ElementwiseFamilyOps::contains, lowerElementwiseFamily},
    {ReductionFamilyOps::contains, lowerReductionFamily},
    {CollectiveFamilyOps::contains, lowerCollectiveFamily},
    {TrainingFamilyOps::contains, lowerTrainingFamily},
    {IndexFamilyOps::contains, lowerIndexFamily},
    {NNFamilyOps::contains, lowerNNFamily},
    {ConvFamilyOps::contains, lowerConvFamily},
    {AttentionFamilyOps::contains, lowerAttentionFamily},
    {FusedFamilyOps::contains, lowerFusedFamily},
};

LogicalResult lowerOp(Operation *op, OpBuilder &b, LoweringState &state) {
  state.beginOp();
  for (const Family &family : kFamilies)
    if (family.contains(op))
      return family.lower(op, b, state);
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
    allocatePlannedBuffers(func, state);
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

    // meshc_init(ctx): the arena and every buffer (its own allocation or its place in the
    // arena), then every parameter's slice, then the registrations.
    b.setInsertionPointToEnd(module.getBody());
    auto initFn = b.create<LLVM::LLVMFuncOp>(
        loc, "meshc_init", LLVM::LLVMFunctionType::get(rt.voidType(), {rt.ptrType()}));
    Block *initBlock = initFn.addEntryBlock(b);
    OpBuilder ib = OpBuilder::atBlockEnd(initBlock);
    state.context = initBlock->getArgument(0);
    Value arena =
        state.arenaBytes > 0
            ? rt.call<kernel::Alloc>(ib, loc, {state.context, rt.i64c(ib, loc, state.arenaBytes)})
            : Value();
    for (Buffer &buffer : state.buffers) {
      Value data =
          buffer.sharedMask != 0
              ? rt.call<kernel::AllocShared>(ib, loc,
                                             {state.context, rt.i64c(ib, loc, buffer.bytes),
                                              rt.i32c(ib, loc, buffer.sharedMask)})
          : buffer.arenaOffset < 0
              ? rt.call<kernel::Alloc>(ib, loc, {state.context, rt.i64c(ib, loc, buffer.bytes)})
              : ib.create<LLVM::GEPOp>(
                    loc, rt.ptrType(), ib.getI8Type(), arena,
                    ArrayRef<LLVM::GEPArg>{rt.i64c(ib, loc, buffer.arenaOffset)});
      ib.create<LLVM::StoreOp>(loc, data, ib.create<LLVM::AddressOfOp>(loc, buffer.global));
    }
    for (ParamOp param : state.params)
      emitParamInit(ib, state, param);
    emitRegistrations(ib, state, body);
    ib.create<LLVM::ReturnOp>(loc, ValueRange());

    // main(argc, argv)
    b.setInsertionPointToEnd(module.getBody());
    auto mainFn = b.create<LLVM::LLVMFuncOp>(
        loc, "main", LLVM::LLVMFunctionType::get(rt.i32Type(), {rt.i32Type(), rt.ptrType()}));
    Block *mainBlock = mainFn.addEntryBlock(b);
    OpBuilder mb = OpBuilder::atBlockEnd(mainBlock);
    LayoutAttr layout = getLayout(module);
    Value null = rt.null(mb, loc);
    Value code = rt.call<kernel::Main>(
        mb, loc,
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
