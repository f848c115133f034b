// The enums of the meshc dialect (MeshcEnums.td): optimizer, parameter initialiser, input kind.
#ifndef MESHC_DIALECT_IR_MESHCENUMS_H
#define MESHC_DIALECT_IR_MESHCENUMS_H

#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

#include "dialect/IR/MeshcEnums.h.inc"

#endif // MESHC_DIALECT_IR_MESHCENUMS_H
