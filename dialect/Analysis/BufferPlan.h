// The buffers a per-rank program runs in, as the lowering allocates them and `meshc --explain`
// counts them: one buffer per tensor value, kept for the whole run (nothing is freed when a value
// dies, so their sum is the peak), except where an op writes into its operand's buffer, plus the
// optimizer state of each update. The lowering (lowering/MeshcToLLVM/LowerToLLVM.cpp) creates one
// global per buffer of this plan, in this order; the cost report (CostReport.cpp) sums them.
#ifndef MESHC_DIALECT_ANALYSIS_BUFFERPLAN_H
#define MESHC_DIALECT_ANALYSIS_BUFFERPLAN_H

#include "dialect/IR/MeshcDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <vector>

namespace meshc {

/// Bytes of one element of `type` as buffers store it (f32 and i32: 4).
int64_t elementBytes(NamedTensorType type);
/// Bytes of a whole tensor of `type` (elements x elementBytes).
int64_t tensorBytes(NamedTensorType type);

struct BufferPlan {
  struct Buffer {
    int64_t bytes;
    mlir::Operation *op; // the op whose result (or optimizer state) it holds first
  };
  std::vector<Buffer> buffers;
  /// The buffer holding each tensor value.
  llvm::DenseMap<mlir::Value, unsigned> bufferOf;
  /// The persistent state buffers of each update op: Adam's m and v, momentum's velocity, each
  /// of the parameter's shape; after every value's buffer.
  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<unsigned, 2>> optimizerState;
};

/// Ops that write their result into their operand's buffer when the operand has no other use:
/// the all_reduce that completes a partial sum, the scale of a mean. (Clipping always scales
/// each gradient in place.)
bool canReuseOperandBuffer(mlir::Operation *op);

/// The plan of a per-rank function (one block of meshc ops).
BufferPlan planBuffers(mlir::func::FuncOp func);

} // namespace meshc

#endif // MESHC_DIALECT_ANALYSIS_BUFFERPLAN_H
