// Mesh and layout spec parsing.
#include "dialect/IR/MeshSpec.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace meshc {

bool isValidName(llvm::StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name[0]) || name[0] == '_'))
    return false;
  return llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

MeshAttr parseMeshSpec(MLIRContext *context, llvm::StringRef spec, std::string &error) {
  llvm::SmallVector<StringAttr> names;
  llvm::SmallVector<int64_t> sizes;
  llvm::StringSet<> seen;
  llvm::SmallVector<llvm::StringRef> items;
  spec.split(items, ',');
  for (llvm::StringRef item : items) {
    item = item.trim();
    auto [name, size] = item.split('=');
    name = name.trim();
    size = size.trim();
    int64_t value = 0;
    if (!item.contains('=') || !isValidName(name) || size.getAsInteger(10, value)) {
      error = "invalid mesh axis '" + item.str() + "' in mesh '" + spec.str() +
              "' (expected name=size, like b=2,m=4)";
      return {};
    }
    if (value < 1) {
      error = "mesh axis '" + name.str() + "' has size " + std::to_string(value) +
              " (sizes must be at least 1)";
      return {};
    }
    if (!seen.insert(name).second) {
      error = "mesh axis '" + name.str() + "' appears twice in mesh '" + spec.str() + "'";
      return {};
    }
    names.push_back(StringAttr::get(context, name));
    sizes.push_back(value);
  }
  return MeshAttr::get(context, names, sizes);
}

LayoutAttr parseLayoutSpec(MLIRContext *context, llvm::StringRef spec, std::string &error) {
  llvm::SmallVector<StringAttr> dims, axes;
  llvm::StringSet<> seen;
  if (!spec.trim().empty()) {
    llvm::SmallVector<llvm::StringRef> items;
    spec.split(items, ',');
    for (llvm::StringRef item : items) {
      item = item.trim();
      auto [dim, axis] = item.split(':');
      dim = dim.trim();
      axis = axis.trim();
      if (!item.contains(':') || !isValidName(dim) || !isValidName(axis)) {
        error = "invalid layout rule '" + item.str() + "' in layout '" + spec.str() +
                "' (expected dim:axis, like batch:b,hidden:m)";
        return {};
      }
      if (!seen.insert(dim).second) {
        error = "dimension '" + dim.str() + "' appears twice in layout '" + spec.str() + "'";
        return {};
      }
      dims.push_back(StringAttr::get(context, dim));
      axes.push_back(StringAttr::get(context, axis));
    }
  }
  return LayoutAttr::get(context, dims, axes);
}

} // namespace meshc
