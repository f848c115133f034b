// State shared by the op-family lowerings while one partitioned meshc function becomes the
// init/step functions of the executable: where each tensor lives and how to call the runtime.
#ifndef MESHC_LOWERING_MESHCTOLLVM_LOWERINGSTATE_H
#define MESHC_LOWERING_MESHCTOLLVM_LOWERINGSTATE_H

#include "lowering/MeshcToLLVM/RuntimeABI.h"

#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/DenseMap.h"

namespace meshc::lowering {

/// One buffer per tensor value, allocated once by the init function and kept for the whole
/// run; a value may share its operand's buffer where the op can work in place.
struct Buffer {
  mlir::LLVM::GlobalOp global;
  int64_t bytes = 0;
};

struct LoweringState {
  LoweringState(mlir::ModuleOp module, MeshAttr mesh) : rt(module), mesh(mesh) {}

  RuntimeABI rt;
  MeshAttr mesh;
  std::vector<Buffer> buffers;
  llvm::DenseMap<mlir::Value, unsigned> bufferOf;

  // Set while emitting the step function.
  mlir::Value context;  // meshrt_context_t
  mlir::Value step;     // int64_t step number
  mlir::Value loss;     // f32 returned by the step (from meshc.output)
  int32_t collectives = 0; // collectives lowered so far: the next one's number (--explain's)

  /// Loads the data pointer of the buffer holding `tensor`.
  mlir::Value pointer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);

  /// Mesh axis index of a named axis.
  int32_t axisIndex(llvm::StringRef axis) const;

  /// For ops that needsDimAxes(): the mesh axis `dim` is split on while `op` runs, or -1
  /// (from the `dim_axes` dictionary the partitioner sets).
  static int32_t dimAxis(mlir::Operation *op, llvm::StringRef dim);

  /// A new buffer of `bytes` (allocated by the init function); returns its index.
  unsigned newBuffer(int64_t bytes);
  /// Pointer to a new scratch buffer of `elements` f32 (one per use site: no reuse).
  mlir::Value scratch(mlir::OpBuilder &b, mlir::Location loc, int64_t elements);

  /// Parameters to initialise, in program order.
  llvm::SmallVector<ParamOp> params;
};

/// Row-major strides of `type`, in elements.
llvm::SmallVector<int64_t> rowMajorStrides(NamedTensorType type);
/// For each dim of `view`, the stride of the dim of the same name in `source` (0 if absent).
llvm::SmallVector<int64_t> stridesByName(NamedTensorType view, NamedTensorType source);

// Op families; each returns failure (after a located error) for an op it cannot lower.
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
mlir::LogicalResult lowerIndexFamily(mlir::Operation *op, mlir::OpBuilder &b,
                                     LoweringState &state);
mlir::LogicalResult lowerNNFamily(mlir::Operation *op, mlir::OpBuilder &b, LoweringState &state);

/// Initialises a parameter's slice (in the init function).
void emitParamInit(mlir::OpBuilder &b, LoweringState &state, ParamOp param);

/// Emits out = sum of `in` over the dims of inType absent from outType (any order).
void emitReduceSum(mlir::OpBuilder &b, mlir::Location loc, LoweringState &state,
                   mlir::Value in, NamedTensorType inType, mlir::Value out,
                   NamedTensorType outType);

/// Emits a copy of `in` (type `inType`) into `out` laid out as `outType` (same dims by name,
/// possibly other order; dims of outType absent from inType are broadcast).
void emitStridedCopy(mlir::OpBuilder &b, mlir::Location loc, LoweringState &state,
                     mlir::Value in, NamedTensorType inType, mlir::Value out,
                     NamedTensorType outType);

} // namespace meshc::lowering

#endif // MESHC_LOWERING_MESHCTOLLVM_LOWERINGSTATE_H
