// Mesh and layout attributes: syntax (the spec strings) and lookups.
#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/MeshcDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace meshc;

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/MeshcAttrs.cpp.inc"

// Registered here, where the storage classes are complete.
void MeshcDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/IR/MeshcAttrs.cpp.inc"
      >();
}

// #meshc.mesh<"b=2,m=4">
Attribute MeshAttr::parse(AsmParser &parser, Type) {
  std::string spec, error;
  llvm::SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseString(&spec) || parser.parseGreater())
    return {};
  MeshAttr mesh = parseMeshSpec(parser.getContext(), spec, error);
  if (!mesh)
    parser.emitError(loc) << error;
  return mesh;
}

LogicalResult MeshAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                               llvm::ArrayRef<StringAttr> axisNames,
                               llvm::ArrayRef<int64_t> axisSizes) {
  if (std::optional<std::string> bad = checkMesh(axisNames, axisSizes))
    return emitError() << *bad;
  return success();
}

void MeshAttr::print(AsmPrinter &printer) const { printer << "<\"" << getSpec() << "\">"; }

int64_t MeshAttr::getNumRanks() const {
  int64_t n = 1;
  for (int64_t size : getAxisSizes())
    n *= size;
  return n;
}

std::optional<unsigned> MeshAttr::findAxis(llvm::StringRef name) const {
  for (auto [i, axis] : llvm::enumerate(getAxisNames()))
    if (axis.getValue() == name)
      return i;
  return std::nullopt;
}

std::string MeshAttr::getSpec() const {
  std::string spec;
  for (auto [i, axis] : llvm::enumerate(getAxisNames()))
    spec += (i ? "," : "") + axis.getValue().str() + "=" + std::to_string(getAxisSizes()[i]);
  return spec;
}

// #meshc.layout<"batch:b,hidden:m">
Attribute LayoutAttr::parse(AsmParser &parser, Type) {
  std::string spec, error;
  llvm::SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseString(&spec) || parser.parseGreater())
    return {};
  LayoutAttr layout = parseLayoutSpec(parser.getContext(), spec, error);
  if (!layout)
    parser.emitError(loc) << error;
  return layout;
}

void LayoutAttr::print(AsmPrinter &printer) const { printer << "<\"" << getSpec() << "\">"; }

StringAttr LayoutAttr::lookup(llvm::StringRef dim) const {
  for (auto [name, axis] : llvm::zip(getDimNames(), getAxisNames()))
    if (name.getValue() == dim)
      return axis;
  return {};
}

std::string LayoutAttr::getSpec() const {
  std::string spec;
  for (auto [i, dim] : llvm::enumerate(getDimNames()))
    spec += (i ? "," : "") + dim.getValue().str() + ":" + getAxisNames()[i].getValue().str();
  return spec;
}
