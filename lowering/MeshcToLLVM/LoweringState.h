// State shared by the op-family lowerings while one partitioned meshc function becomes the
// init function and the train/eval/predict passes of the executable: where each tensor lives
// and how to call the runtime.
#ifndef MESHC_LOWERING_MESHCTOLLVM_LOWERINGSTATE_H
#define MESHC_LOWERING_MESHCTOLLVM_LOWERINGSTATE_H

#include "lowering/MeshcToLLVM/RuntimeABI.h"

#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/DenseMap.h"

namespace meshc::lowering {

/// A buffer of the plan (dialect/Analysis/BufferPlan.h) or a scratch buffer: a pointer global
/// the init function sets, to an allocation of its own or into the arena.
struct Buffer {
  mlir::LLVM::GlobalOp global;
  int64_t bytes = 0;
  int64_t arenaOffset = -1; // -1: allocated on its own
  int32_t sharedMask = 0;   // a parameter meshrt_alloc_shared shares over these axes (0: none)
};

struct LoweringState {
  LoweringState(mlir::ModuleOp module, MeshAttr mesh) : rt(module), mesh(mesh) {}

  RuntimeABI rt;
  MeshAttr mesh;
  std::vector<Buffer> buffers;
  llvm::DenseMap<mlir::Value, unsigned> bufferOf;

  // Set while emitting a pass (train, eval or predict).
  mlir::Value context;      // meshrt_context_t
  mlir::Value step;         // int64_t step number
  mlir::Value loss;         // f32 returned by the pass (from meshc.output)
  bool forwardOnly = false; // eval and predict: dropout is the identity, train_or_eval's eval

  // Known before any pass is emitted (planned from the whole partitioned function).
  /// Each collective's number (numberCollectives: `meshc --explain`'s), in whichever pass runs it.
  llvm::DenseMap<mlir::Operation *, int32_t> collectiveNumber;
  /// The id meshrt_register_tensor gives each input (registration order: inputs first).
  llvm::DenseMap<mlir::Operation *, int32_t> inputId;
  /// The persistent state buffers of each Adam (m, v) or momentum (velocity) update.
  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<unsigned, 2>> optimizerState;

  /// Loads the data pointer of the buffer holding `tensor`.
  mlir::Value pointer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);
  /// A stack array of the data pointers of `tensors` (the runtime's `const float *const *`).
  mlir::Value pointerArray(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange tensors);

  /// Mesh axis index of a named axis.
  int32_t axisIndex(llvm::StringRef axis) const;
  /// The runtime's axes mask of an array of axis names (bit i = mesh axis i).
  int32_t axesMask(mlir::ArrayAttr axes) const;
  /// Names the collective `op` for the runtime right before its call (meshrt_collective_site):
  /// its number in program order, as `meshc --explain` counts them, and the DSL line that
  /// caused it, for the watchdog (--collective-timeout) and --trace.
  void emitCollectiveSite(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op);

  /// The mesh axis of each dim of the per-rank `value` (its `meshc.sharding`), -1 for whole.
  llvm::SmallVector<int32_t> dimAxesOf(mlir::Value value) const;
  /// The mesh axis `dim` is split on while `op` runs, or -1: as its operands and results
  /// hold it (the per-rank verifier checks that they agree).
  int32_t dimAxis(mlir::Operation *op, llvm::StringRef dim) const;

  /// A new buffer of `bytes` (allocated by the init function on its own, or at `arenaOffset`
  /// in the arena); returns its index.
  unsigned newBuffer(int64_t bytes, int64_t arenaOffset = -1);
  /// Bytes of the arena the planned buffers with an offset lie in (0: none).
  int64_t arenaBytes = 0;
  /// Pointer to a scratch buffer for a tensor of type `holds`, for use within the lowering of
  /// one op: ops run one at a time, so the n-th scratch of every op shares one buffer (sized
  /// for the largest).
  mlir::Value scratch(mlir::OpBuilder &b, mlir::Location loc, NamedTensorType holds);
  /// Starts an op: its scratch use sites count from the first shared buffer again.
  void beginOp() { scratchUsed = 0; }
  /// Loads the data pointer of buffer `index`.
  mlir::Value bufferPointer(mlir::OpBuilder &b, mlir::Location loc, unsigned index);

  /// Parameters to initialise, in program order.
  llvm::SmallVector<ParamOp> params;

private:
  llvm::SmallVector<unsigned> scratchPool;
  unsigned scratchUsed = 0;
};

/// Global sizes of a tensor from its local type and the mesh axis of each dim (-1: whole).
llvm::SmallVector<int64_t> globalShape(NamedTensorType local, llvm::ArrayRef<int32_t> dimAxes,
                                       MeshAttr mesh);
/// Row-major strides of `type`, in elements.
llvm::SmallVector<int64_t> rowMajorStrides(NamedTensorType type);
/// For each dim of `view`, the stride of the dim of the same name in `source` (0 if absent).
llvm::SmallVector<int64_t> stridesByName(NamedTensorType view, NamedTensorType source);

/// A family's ops: the one list of what the family lowers, from which LowerToLLVM.cpp routes.
template <typename... Ops> struct OpList {
  static bool contains(mlir::Operation *op) { return llvm::isa<Ops...>(op); }
  /// Calls `f` with `op` cast to its type in the list; false (and no call) when it is none.
  template <typename F> static bool dispatch(mlir::Operation *op, F &&f) {
    return ((llvm::isa<Ops>(op) ? (f(llvm::cast<Ops>(op)), true) : false) || ...);
  }
};
using MatmulFamilyOps = OpList<EinsumOp, SgdUpdateEinsumOp>;
using ElementwiseFamilyOps =
    OpList<AddOp, SubOp, MulOp, EqualOp, ReluOp, ReluGradOp, ScaleOp, FillOp, BroadcastOp,
           // the Math family (MeshcMathOps.td)
           SigmoidOp, TanhOp, ExpOp, LogOp, SqrtOp, LeakyReluOp, DivOp, MaximumOp, MinimumOp,
           GreaterEqualOp>;
using ReductionFamilyOps = OpList<ReduceSumOp, SoftmaxXentOp, SoftmaxXentGradOp>;
using CollectiveFamilyOps =
    OpList<AllReduceOp, AllReduceMaxOp, AllReduceBucketOp, WaitOp, AllGatherOp, ReduceScatterOp,
           AllSliceOp, AllToAllOp, HaloExchangeOp, HaloExchangeGradOp>;
using TrainingFamilyOps =
    OpList<InputOp, ParamOp, SgdUpdateOp, OutputOp, ClipGlobalNormOp, TrainOrEvalOp>;
using IndexFamilyOps =
    OpList<EmbeddingOp, EmbeddingGradOp, OneHotOp, ArgmaxOp, ReduceMaxOp, ReduceMaxGradOp, CumsumOp,
           ConcatOp, SliceOp, PadOp, RenameOp, ReshapeOp, StopGradientOp>;
using NNFamilyOps = OpList<LayerNormOp, LayerNormGradOp, GeluOp, GeluGradOp, SoftmaxOp,
                           CausalMaskOp, DropoutOp, AdamUpdateOp, MomentumUpdateOp>;
using AttentionFamilyOps = OpList<AttentionOp, AttentionGradOp>;
using FusedFamilyOps = OpList<FusedElementwiseOp, AddLayerNormOp, LayerNormGradAddOp>;
using ConvFamilyOps =
    OpList<ConvOp, ConvTransposeOp, ConvGradFilterOp, MaxPoolOp, AvgPoolOp, MaxPoolGradOp,
           AvgPoolGradOp, BatchNormOp, BatchNormGradOp, ConvBiasActOp, ConvGradFilterBiasOp>;

/// The located error of a family lowering handed an op it has no case for ("'meshc.add' op is
/// not handled by the matmul lowering"): routing and cases out of step, never silence.
mlir::LogicalResult unhandledOp(mlir::Operation *op, llvm::StringRef family);

// Op families; each returns failure (after a located error) for an op it cannot lower,
// including any op not in its list above.
mlir::LogicalResult lowerMatmulFamily(mlir::Operation *op, mlir::OpBuilder &b,
                                      LoweringState &state);
mlir::LogicalResult lowerElementwiseFamily(mlir::Operation *op, mlir::OpBuilder &b,
                                           LoweringState &state);
mlir::LogicalResult lowerReductionFamily(mlir::Operation *op, mlir::OpBuilder &b,
                                         LoweringState &state);
mlir::LogicalResult lowerCollectiveFamily(mlir::Operation *op, mlir::OpBuilder &b,
                                          LoweringState &state);
mlir::LogicalResult lowerTrainingFamily(mlir::Operation *op, mlir::OpBuilder &b,
                                        LoweringState &state);
mlir::LogicalResult lowerIndexFamily(mlir::Operation *op, mlir::OpBuilder &b, LoweringState &state);
mlir::LogicalResult lowerNNFamily(mlir::Operation *op, mlir::OpBuilder &b, LoweringState &state);
mlir::LogicalResult lowerConvFamily(mlir::Operation *op, mlir::OpBuilder &b, LoweringState &state);
mlir::LogicalResult lowerAttentionFamily(mlir::Operation *op, mlir::OpBuilder &b,
                                         LoweringState &state);
mlir::LogicalResult lowerFusedFamily(mlir::Operation *op, mlir::OpBuilder &b, LoweringState &state);

/// Sharded updates (meshc-shard-updates; ShardedUpdate.cpp): the parameter pointer an update
/// kernel writes (a sharded update's slice, else the whole parameter), and after the kernel the
/// in-place all_gather of the parameter from `slice` (nothing for an update that is not sharded).
mlir::Value updatedParamPointer(mlir::OpBuilder &b, mlir::Location loc, LoweringState &state,
                                mlir::Operation *update);
void emitShardedGather(mlir::OpBuilder &b, mlir::Location loc, LoweringState &state,
                       mlir::Operation *update, mlir::Value slice);

/// Initialises a parameter's slice (in the init function).
void emitParamInit(mlir::OpBuilder &b, LoweringState &state, ParamOp param);
/// Registers the program's global tensors with the runtime (in the init function, after the
/// allocations): inputs (in program order, so that input k gets id k), parameters, optimizer
/// state, metrics and outputs.
void emitRegistrations(mlir::OpBuilder &b, LoweringState &state, mlir::Block &body);

/// Emits out = sum of `in` over the dims of inType absent from outType (any order).
void emitReduceSum(mlir::OpBuilder &b, mlir::Location loc, LoweringState &state, mlir::Value in,
                   NamedTensorType inType, mlir::Value out, NamedTensorType outType);

/// Emits a copy of `in` (type `inType`) into `out` laid out as `outType` (same dims by name,
/// possibly other order; dims of outType absent from inType are broadcast).
void emitStridedCopy(mlir::OpBuilder &b, mlir::Location loc, LoweringState &state, mlir::Value in,
                     NamedTensorType inType, mlir::Value out, NamedTensorType outType);

} // namespace meshc::lowering

#endif // MESHC_LOWERING_MESHCTOLLVM_LOWERINGSTATE_H
