// Verifiers of the Layout family (MeshcLayoutOps.td). What needs the mesh (axis names,
// divisibility) is checked by meshc-check-layout.
#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"

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

LogicalResult ReshardOp::verify() {
  auto type = llvm::cast<NamedTensorType>(getInput().getType());
  for (auto [name, sharding] : {std::pair{"from", getFrom()}, std::pair{"to", getTo()}})
    if (sharding.getRank() != type.getRank())
      return emitOpError() << "'" << name << "' sharding has " << sharding.getRank()
                           << " dims for a tensor of " << type.getRank();
  // Axes of the module's mesh, at most one per dim (what the partitioner's shardings hold).
  auto module = (*this)->getParentOfType<ModuleOp>();
  if (MeshAttr mesh = module ? getMesh(module) : MeshAttr())
    for (auto [name, sharding] : {std::pair{"from", getFrom()}, std::pair{"to", getTo()}}) {
      llvm::SmallVector<StringAttr> axes(sharding.getPartialAxes());
      for (unsigned dim = 0; dim < sharding.getRank(); ++dim) {
        if (sharding.getDimAxes(dim).size() > 1)
          return emitOpError() << "'" << name << "' sharding splits dim #" << dim
                               << " over several mesh axes; at most one is supported";
        llvm::append_range(axes, sharding.getDimAxes(dim));
      }
      for (StringAttr axis : axes)
        if (!mesh.findAxis(axis.getValue()))
          return emitOpError() << "'" << name << "' sharding names mesh axis '" << axis.getValue()
                               << "', which mesh \"" << mesh.getSpec() << "\" lacks";
    }
  if (getTo().isPartial())
    return emitOpError() << "'to' sharding is partial: a reshard resolves pending sums, it "
                            "never leaves one";
  return success();
}
