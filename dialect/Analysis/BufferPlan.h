// The buffers a per-rank program runs in, as the lowering allocates them and `meshc --explain`
// counts them. Values that outlive a pass (parameters and running statistics, inputs as the
// runtime fills them, metrics and outputs the runtime reads after a pass) and the optimizer
// state of each update are persistent: one allocation each, for the whole run. Every other
// value lives from its defining op to its last use in the function's one block and is placed at
// an offset in one arena, sharing bytes with values whose live ranges do not overlap; a result
// takes its operand's buffer where the operand dies at its op and the kernel works in place.
//
// The train, eval and predict passes each run a subsequence of the block in block order
// (ProgramPasses.h), so live ranges over the whole block are safe for every pass.
//
// The lowering (lowering/MeshcToLLVM/LowerToLLVM.cpp) creates one pointer global per buffer of
// this plan, in this order: its own allocation for a persistent buffer, arena base + offset for
// the others; the cost report (CostReport.cpp) counts the same buffers.
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

/// Every buffer is at least this big (room for one element even for an empty tensor, so that
/// each has an address of its own), and arena offsets are multiples of kArenaAlignment (what
/// AVX-512 loads and CUDA's vector loads want).
constexpr int64_t kMinBufferBytes = 4;
constexpr int64_t kArenaAlignment = 64;

struct BufferPlan {
  struct Buffer {
    int64_t bytes;
    mlir::Operation *op; // the op whose result (or optimizer state) it holds first
    /// Allocated on its own for the whole run; else at `offset` in the arena.
    bool persistent = false;
    int64_t offset = 0;
    /// Its live range: the indices in the block of the first op that writes it and the last
    /// that reads it (persistent buffers: the whole block).
    unsigned first = 0, last = 0;
  };
  std::vector<Buffer> buffers;
  /// The buffer holding each tensor value.
  llvm::DenseMap<mlir::Value, unsigned> bufferOf;
  /// The persistent state buffers of each update op: Adam's m and v, momentum's velocity, each
  /// of the gradient's shape (the parameter's; a sharded update's slice); after every value's
  /// buffer.
  llvm::DenseMap<mlir::Operation *, llvm::SmallVector<unsigned, 2>> optimizerState;

  /// The arena's size: the planned peak of the non-persistent buffers.
  int64_t arenaBytes = 0;
  /// The liveness lower bound of any plan of these buffers: the largest sum of the bytes of the
  /// non-persistent buffers live at one op.
  int64_t liveBytesBound = 0;
  /// What the non-persistent values would take with a buffer of their own each (no reuse).
  int64_t unsharedBytes = 0;
};

/// True where `op`'s kernel may write its result into operand `operand`'s buffer (the same
/// bytes in the same layout, each element read before it is written, on CPU and CUDA):
/// elementwise unary and binary ops whose operand has the result's type, all_reduce.
bool canRunInPlace(mlir::Operation *op, unsigned operand);

/// The plan of a per-rank function (one block of meshc ops).
BufferPlan planBuffers(mlir::func::FuncOp func);

} // namespace meshc

#endif // MESHC_DIALECT_ANALYSIS_BUFFERPLAN_H
