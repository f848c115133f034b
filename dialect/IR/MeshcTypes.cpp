// The named-dimension tensor type: syntax, verification, helpers.
#include "dialect/IR/Limits.h"
#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/MeshcDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace meshc;

#define GET_TYPEDEF_CLASSES
#include "dialect/IR/MeshcTypes.cpp.inc"

// Registered here, where the storage classes are complete.
void MeshcDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/IR/MeshcTypes.cpp.inc"
      >();
}

// !meshc.tensor<batch=256, hidden=1024, f32>
Type NamedTensorType::parse(AsmParser &parser) {
  llvm::SmallVector<StringAttr> names;
  llvm::SmallVector<int64_t> sizes;
  Type elementType;
  if (parser.parseLess())
    return {};
  while (true) {
    OptionalParseResult typeResult = parser.parseOptionalType(elementType);
    if (typeResult.has_value()) {
      if (failed(*typeResult))
        return {};
      break;
    }
    std::string name;
    int64_t size = 0;
    llvm::SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeywordOrString(&name) || parser.parseEqual() || parser.parseInteger(size) ||
        parser.parseComma())
      return {};
    (void)loc;
    names.push_back(StringAttr::get(parser.getContext(), name));
    sizes.push_back(size);
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<NamedTensorType>(parser.getContext(), names, sizes, elementType);
}

void NamedTensorType::print(AsmPrinter &printer) const {
  printer << '<';
  for (auto [name, size] : llvm::zip(getDimNames(), getDimSizes()))
    printer << name.getValue() << '=' << size << ", ";
  printer << getElementType() << '>';
}

LogicalResult NamedTensorType::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                                      llvm::ArrayRef<StringAttr> dimNames,
                                      llvm::ArrayRef<int64_t> dimSizes, Type elementType) {
  if (dimNames.size() != dimSizes.size())
    return emitError() << "tensor type has " << dimNames.size() << " names but " << dimSizes.size()
                       << " sizes";
  if (!elementType.isF32() && !elementType.isSignlessInteger(32))
    return emitError() << "tensor element type must be f32 or i32, not " << elementType;
  llvm::StringSet<> seen;
  for (auto [name, size] : llvm::zip(dimNames, dimSizes)) {
    if (!isValidName(name.getValue()))
      return emitError() << "invalid dimension name '" << name.getValue() << "'";
    if (!seen.insert(name.getValue()).second)
      return emitError() << "dimension '" << name.getValue() << "' appears twice in one tensor";
    if (size < 1)
      return emitError() << "dimension '" << name.getValue() << "' has size " << size
                         << " (sizes must be at least 1)";
  }
  if (dimNames.size() > kMaxTensorDims)
    return emitError() << "tensor has " << dimNames.size() << " dimensions, more than the "
                       << kMaxTensorDims << " the runtime supports";
  // Sizes, offsets and byte counts are int64 everywhere after this (the partitioner, the
  // lowering, the runtime's kernels): a tensor whose element or byte count overflows would
  // wrap there, so it is refused here.
  auto dims = [&] {
    std::string text;
    for (auto [i, name] : llvm::enumerate(dimNames))
      text += (i ? " x " : "") + name.getValue().str() + "=" + std::to_string(dimSizes[i]);
    return text;
  };
  std::optional<int64_t> elements = checkedProduct(dimSizes);
  if (!elements)
    return emitError() << "tensor of " << dims() << " has more than " << kMaxInt64
                       << " elements (its element count overflows int64)";
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  if (!checkedMul(*elements, elementBytes))
    return emitError() << "tensor of " << dims() << " (" << *elements << " elements of "
                       << elementBytes << " bytes) has more than " << kMaxInt64
                       << " bytes (its byte count overflows int64)";
  return success();
}

int64_t NamedTensorType::getNumElements() const {
  int64_t n = 1;
  for (int64_t size : getDimSizes())
    n *= size;
  return n;
}

std::optional<unsigned> NamedTensorType::findDim(llvm::StringRef name) const {
  for (auto [i, dim] : llvm::enumerate(getDimNames()))
    if (dim.getValue() == name)
      return i;
  return std::nullopt;
}

int64_t NamedTensorType::getDimSize(llvm::StringRef name) const {
  std::optional<unsigned> index = findDim(name);
  assert(index && "no such dimension");
  return getDimSizes()[*index];
}

NamedTensorType NamedTensorType::withSizes(llvm::ArrayRef<int64_t> sizes) const {
  return NamedTensorType::get(getContext(), getDimNames(), sizes, getElementType());
}

NamedTensorType NamedTensorType::withDims(llvm::ArrayRef<StringAttr> names) const {
  llvm::SmallVector<int64_t> sizes;
  for (StringAttr name : names)
    sizes.push_back(getDimSize(name.getValue()));
  return NamedTensorType::get(getContext(), names, sizes, getElementType());
}

NamedTensorType NamedTensorType::withElementType(Type type) const {
  return NamedTensorType::get(getContext(), getDimNames(), getDimSizes(), type);
}
