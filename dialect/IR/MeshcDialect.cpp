// Registration of the meshc dialect.
#include "dialect/IR/MeshcDialect.h"
#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include "dialect/IR/MeshcDialect.cpp.inc"

using namespace mlir;

void meshc::MeshcDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialect/IR/MeshcOps.cpp.inc"
      >();
}

LogicalResult meshc::MeshcDialect::verifyOperationAttribute(Operation *op,
                                                            NamedAttribute attribute) {
  return verifyMeshcAttribute(op, attribute);
}
