// The ops of the meshc dialect.
#ifndef MESHC_DIALECT_IR_MESHCOPS_H
#define MESHC_DIALECT_IR_MESHCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/IR/AttentionDims.h"
#include "dialect/IR/MeshcDialect.h"
#include "dialect/IR/MeshcInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/IR/MeshcOps.h.inc"

namespace meshc {
/// The attributes of meshc.minimize that belong to its optimizer (MeshcNNOps.cpp).
mlir::LogicalResult verifyOptimizerAttributes(MinimizeOp op);
/// An update op's gradient type: the parameter's, or with `shard_axis` its slice along the first
/// dim (MeshcNNOps.cpp).
mlir::LogicalResult verifyUpdateGradType(mlir::Operation *op, mlir::Value param, mlir::Value grad);
/// Why einsum(lhs, rhs) -> result is not one matmul without batch dims that writes `result`'s
/// layout directly (its dims one operand's followed by the other's); empty where it is.
std::string whyNotOneMatmul(NamedTensorType result, NamedTensorType lhs, NamedTensorType rhs);
/// The operand/result dims of an op that broadcasts two f32 operands by name (MeshcOps.cpp).
mlir::LogicalResult verifyBroadcastingBinary(mlir::Operation *op, mlir::Value lhs, mlir::Value rhs,
                                             mlir::Value result);

// Gradient-rule helpers (GradientRules.cpp).
/// `value` as `target`, whose dims are a superset of (or a permutation of) the value's.
mlir::Value broadcastTo(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value value,
                        NamedTensorType target);
/// The adjoint of an operand of type `target` that was broadcast by name to the type of
/// `grad`: sums over the dims the operand lacks, and reorders if only the order differs.
mlir::Value unbroadcast(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value grad,
                        NamedTensorType target);
} // namespace meshc

#endif // MESHC_DIALECT_IR_MESHCOPS_H
