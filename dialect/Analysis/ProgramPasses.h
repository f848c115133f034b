// Which ops of a meshc function each pass of the executable runs (meshrt.h: train, eval,
// predict): the lowering builds one LLVM function per pass from these sets, and `meshc
// --explain` counts a training step's work and collectives from the train set.
//  - eval: what the loss (meshc.output) and the metrics (meshc.metric) depend on, their
//    backward slice;
//  - predict: what the outputs (meshc.prediction) depend on;
//  - train: every op except the metrics, the outputs and the ops only they need (so a program
//    trains exactly as it would without them).
#ifndef MESHC_DIALECT_ANALYSIS_PROGRAMPASSES_H
#define MESHC_DIALECT_ANALYSIS_PROGRAMPASSES_H

#include "mlir/IR/Block.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace meshc {

struct ProgramPasses {
  llvm::DenseSet<mlir::Operation *> train, eval, predict;
  bool hasOutputs = false; // any meshc.prediction (else the executable has no predict pass)
};

ProgramPasses planProgramPasses(mlir::Block &body);

/// The number of each collective op of `body`: the train pass's in program order (0, 1, ...,
/// as `meshc --explain` lists a step's collectives and `--stats` counts them), then those only
/// evaluation or prediction run, in program order.
llvm::DenseMap<mlir::Operation *, int32_t> numberCollectives(mlir::Block &body,
                                                             const ProgramPasses &passes);

/// True for the partitioner's collective ops (and sharded updates, which all-gather).
bool isCollective(mlir::Operation *op);

/// The mesh axis a sharded optimizer update (meshc-shard-updates) shards over; null for every
/// other op.
mlir::StringAttr shardAxisOf(mlir::Operation *op);

} // namespace meshc

#endif // MESHC_DIALECT_ANALYSIS_PROGRAMPASSES_H
