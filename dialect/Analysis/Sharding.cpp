// The layout algebra (see Sharding.h).
#include "dialect/Analysis/Sharding.h"

using namespace mlir;
using namespace meshc;

MeshLayout::MeshLayout(MeshAttr mesh, LayoutAttr layout) : mesh(mesh), layout(layout) {}

std::optional<MeshLayout> MeshLayout::fromModule(ModuleOp module) {
  auto mesh = module->getAttrOfType<MeshAttr>(kMeshAttrName);
  if (!mesh)
    return std::nullopt;
  return MeshLayout(mesh, module->getAttrOfType<LayoutAttr>(kLayoutAttrName));
}

int MeshLayout::axisOf(StringAttr dim) const {
  if (!layout)
    return kReplicated;
  StringAttr axis = layout.lookup(dim.getValue());
  if (!axis)
    return kReplicated;
  std::optional<unsigned> index = mesh.findAxis(axis.getValue());
  return index ? static_cast<int>(*index) : kReplicated;
}

Sharding MeshLayout::target(NamedTensorType global) const {
  Sharding sharding;
  for (StringAttr dim : global.getDimNames())
    sharding.dimAxes.push_back(axisOf(dim));
  return sharding;
}

NamedTensorType MeshLayout::localType(NamedTensorType global, const Sharding &sharding) const {
  llvm::SmallVector<int64_t> sizes(global.getDimSizes());
  for (auto [size, axis] : llvm::zip(sizes, sharding.dimAxes))
    if (axis != kReplicated)
      size /= getAxisSize(axis);
  return global.withSizes(sizes);
}

int64_t MeshLayout::localBytes(NamedTensorType global, const Sharding &sharding) const {
  unsigned width = global.getElementType().getIntOrFloatBitWidth();
  return localType(global, sharding).getNumElements() * width / 8;
}
