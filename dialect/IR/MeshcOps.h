// The ops of the meshc dialect.
#ifndef MESHC_DIALECT_IR_MESHCOPS_H
#define MESHC_DIALECT_IR_MESHCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/IR/MeshcDialect.h"
#include "dialect/IR/MeshcInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/IR/MeshcOps.h.inc"

namespace meshc {
/// The attributes of meshc.minimize that belong to its optimizer (MeshcNNOps.cpp).
mlir::LogicalResult verifyOptimizerAttributes(MinimizeOp op);
} // namespace meshc

#endif // MESHC_DIALECT_IR_MESHCOPS_H
