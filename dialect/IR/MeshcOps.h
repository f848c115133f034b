// The ops of the meshc dialect.
#ifndef MESHC_DIALECT_IR_MESHCOPS_H
#define MESHC_DIALECT_IR_MESHCOPS_H

#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/IR/MeshcDialect.h"
#include "dialect/IR/MeshcInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/IR/MeshcOps.h.inc"

#endif // MESHC_DIALECT_IR_MESHCOPS_H
