// Op interfaces of the meshc dialect: sharding rules, gradient rules, parameter updates.
#ifndef MESHC_DIALECT_IR_MESHCINTERFACES_H
#define MESHC_DIALECT_IR_MESHCINTERFACES_H

#include "dialect/IR/MeshcEnums.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/SmallVector.h"

namespace meshc::detail {
/// Names of operand dimensions that do not appear in the op's result.
llvm::SmallVector<mlir::StringAttr> getSummedDims(mlir::Operation *op);
} // namespace meshc::detail

#include "dialect/IR/MeshcInterfaces.h.inc"

#endif // MESHC_DIALECT_IR_MESHCINTERFACES_H
