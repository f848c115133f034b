// Verifiers of the Layout family (MeshcLayoutOps.td). What needs the mesh (axis names,
// divisibility) is checked by meshc-check-layout.
#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace meshc;

LogicalResult RelayoutOp::verify() {
  auto type = llvm::cast<NamedTensorType>(getInput().getType());
  llvm::StringMap<StringAttr> dimOnAxis;
  for (auto [dim, axis] : llvm::zip(getLayout().getDimNames(), getLayout().getAxisNames())) {
    if (!type.hasDim(dim.getValue()))
      return emitOpError() << "layout names dimension '" << dim.getValue()
                           << "', which its operand " << type << " lacks";
    auto [it, inserted] = dimOnAxis.try_emplace(axis.getValue(), dim);
    if (!inserted)
      return emitOpError() << "layout puts dimensions '" << it->second.getValue() << "' and '"
                           << dim.getValue() << "' on mesh axis '" << axis.getValue() << "'";
  }
  return success();
}
