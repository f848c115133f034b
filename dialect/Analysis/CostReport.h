// What one rank of a partitioned meshc program costs per training step: memory by kind, FLOPs,
// and every collective of the step in program order with the DSL line that caused it (`meshc
// --explain`); ops only metrics and outputs need are not part of a step (ProgramPasses.h).
//
// Computed on the partitioned program (local shapes), so the figures are those of what runs.
// All ranks run the same per-rank program on slices of equal shape (the partitioner requires
// divisible sizes), so one rank's figures are every rank's.
#ifndef MESHC_DIALECT_ANALYSIS_COSTREPORT_H
#define MESHC_DIALECT_ANALYSIS_COSTREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace meshc {

/// One collective op of the per-rank program.
struct CollectiveCost {
  std::string kind; // all_reduce, all_reduce_max, all_gather, reduce_scatter, all_slice, all_to_all
  llvm::SmallVector<std::string> axes; // mesh axes of its group, in mesh order
  int64_t bytes = 0;     // this rank's input buffer (what the runtime's --stats reports)
  int64_t groupSize = 1; // ranks in the group (product of the axes' sizes)
  int64_t sentBytes = 0; // estimate of bytes each rank sends (ring / pairwise algorithms)
  std::string dim;       // the dim gathered/scattered/sliced ("" for all_reduce; split->concat)
  std::string type;      // the input tensor type, e.g. !meshc.tensor<batch=8, f32>
  std::string location;  // file:line:col of the DSL call that caused it, or "unknown"
  int64_t tensors = 1;   // an all_reduce bucket's member tensors (packed, one collective)
};

struct CostReport {
  std::string program, mesh, layout;
  int64_t numRanks = 1;
  // Memory per rank, in bytes (4 per f32/i32 element), by what the buffer holds.
  int64_t parameterBytes = 0, numParameters = 0;
  int64_t stateBytes = 0, numStates = 0; // meshc.param with `state` (batch norm running stats)
  int64_t optimizerBytes = 0; // adam: m and v per parameter; momentum: the velocity; sgd: none
  std::string optimizers;     // the updates' optimizers, e.g. "sgd" or "adam"
  // Sharded updates (meshc-shard-updates): "w1 over b" per sharded parameter, how many updates
  // there are in all, and the optimizer state bytes the sharding saves on this rank.
  std::vector<std::string> shardedUpdates;
  // Updates in node-shared parameters (meshc-share-updates): "w1 over b" per parameter.
  std::vector<std::string> sharedUpdates;
  int64_t numUpdates = 0, optimizerBytesSaved = 0;
  int64_t inputBytes = 0;  // the step's data batch (meshc.input)
  int64_t outputBytes = 0; // metrics and outputs (read by the runtime after a pass)
  // Every other tensor (gradients included) shares one arena by liveness (BufferPlan.h): its
  // size, the liveness lower bound of any such plan, and the sum with one buffer per value.
  int64_t activationBytes = 0, liveBoundBytes = 0, unsharedBytes = 0;
  // With remat (meshc --remat, the DSL's RematScope): the activation peak and liveness bound of
  // the same program compiled without it (filled by the driver), or -1 (not asked).
  int64_t activationBytesWithoutRemat = -1, liveBoundBytesWithoutRemat = -1;
  // Ops of the program that are recomputations (meshc.remat) and their results' bytes.
  int64_t rematOps = 0, rematBytes = 0;
  // What the executable allocates in all (meshrt_alloc in meshc_init, read off the lowered
  // program by the driver), or -1 if unknown. The rest beyond the buffers above is scratch.
  int64_t allocatedBytes = -1;
  // FLOPs per rank and step.
  int64_t einsumFlops = 0, otherFlops = 0;
  // Convolutions (and their adjoints) and pooling (and its adjoints): their own arithmetic.
  int64_t windowFlops = 0;
  // Fused attention (and its adjoint): the products it computes block by block.
  int64_t attentionFlops = 0;
  std::vector<CollectiveCost> collectives; // a training step's, in program order
  // Collectives outside the training step: only the metrics or outputs need them.
  std::vector<CollectiveCost> otherCollectives;

  int64_t bufferBytes() const {
    return parameterBytes + stateBytes + optimizerBytes + inputBytes + outputBytes +
           activationBytes;
  }
  int64_t totalBytes() const { return allocatedBytes >= 0 ? allocatedBytes : bufferBytes(); }
};

/// file:line:col of the first file location inside `loc` (through fused, name and call-site
/// locations), or "unknown": how --explain, and the executable's collective watchdog through
/// the lowering, name the DSL line of a collective.
std::string formatLocation(mlir::Location loc);

/// Fills `report` from a partitioned module (after meshc-partition). Emits a located error
/// and fails when the module is not partitioned.
mlir::LogicalResult computeCostReport(mlir::ModuleOp module, CostReport &report);

/// The text `meshc --explain` prints. Collective lines have the form
///   `collective N: KIND axes=A[,B] bytes=BYTES at FILE:LINE:COL ...`
/// whose first four fields are exactly those of the executable's `--stats` lines.
void printCostReport(const CostReport &report, llvm::raw_ostream &os);

} // namespace meshc

#endif // MESHC_DIALECT_ANALYSIS_COSTREPORT_H
