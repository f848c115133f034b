// The meshc dialect, its types and attributes.
#ifndef MESHC_DIALECT_IR_MESHCDIALECT_H
#define MESHC_DIALECT_IR_MESHCDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"

#include "dialect/IR/MeshcDialect.h.inc"
#include "dialect/IR/MeshcEnums.h"

#define GET_TYPEDEF_CLASSES
#include "dialect/IR/MeshcTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/MeshcAttrs.h.inc"

#endif // MESHC_DIALECT_IR_MESHCDIALECT_H
