// The per-rank verifier's rules for halo rows (PerRankVerifier.cpp): which ops make and take
// values whose local block carries its neighbours' boundary rows.
#ifndef MESHC_DIALECT_IR_PERRANKHALO_H
#define MESHC_DIALECT_IR_PERRANKHALO_H

#include "mlir/IR/Operation.h"

namespace meshc {

/// meshc.halo_exchange / meshc.halo_exchange_grad: the operand's dim is split over the op's
/// axis and complete; the result's sharding is the operand's with the halo added (removed).
mlir::LogicalResult verifyHaloOp(mlir::Operation &op);

/// Any other op: it takes a value with halo rows only as an input-space operand of a window op
/// (WindowOpInterface), on its windows' input dims, and produces one only as the result of a
/// window op in scatter form; a window runs unpadded on a dim that carries a halo.
mlir::LogicalResult verifyHaloUse(mlir::Operation &op);

} // namespace meshc

#endif // MESHC_DIALECT_IR_PERRANKHALO_H
