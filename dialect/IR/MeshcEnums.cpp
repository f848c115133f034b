// The enums of the meshc dialect: string conversions generated from MeshcEnums.td (their
// attributes are defined with the dialect's other attributes, MeshcAttrs.cpp).
#include "dialect/IR/MeshcEnums.h"

#include "dialect/IR/MeshcEnums.cpp.inc"
