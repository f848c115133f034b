// Mesh and layout spec parsing.
#include "dialect/IR/MeshSpec.h"

#include "dialect/IR/Limits.h"

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

std::optional<std::string> checkMesh(llvm::ArrayRef<StringAttr> names,
                                     llvm::ArrayRef<int64_t> sizes) {
  std::string spec;
  for (auto [i, name] : llvm::enumerate(names))
    spec += (i ? "," : "") + name.getValue().str() + "=" +
            (i < sizes.size() ? std::to_string(sizes[i]) : std::string("?"));
  if (names.size() != sizes.size())
    return "mesh '" + spec + "' has " + std::to_string(names.size()) + " axis names but " +
           std::to_string(sizes.size()) + " sizes";
  if (names.empty())
    return std::string("mesh has no axes (expected name=size, like b=2,m=4)");
  if (names.size() > kMaxMeshAxes)
    return "mesh '" + spec + "' has " + std::to_string(names.size()) + " axes, more than the " +
           std::to_string(kMaxMeshAxes) + " the runtime supports";
  llvm::StringSet<> seen;
  int64_t ranks = 1;
  for (auto [name, size] : llvm::zip(names, sizes)) {
    if (!isValidName(name.getValue()))
      return "invalid mesh axis name '" + name.getValue().str() + "'";
    if (!seen.insert(name.getValue()).second)
      return "mesh axis '" + name.getValue().str() + "' appears twice in mesh '" + spec + "'";
    if (size < 1)
      return "mesh axis '" + name.getValue().str() + "' has size " + std::to_string(size) +
             " (sizes must be at least 1)";
    if (size > kMaxMeshAxisSize)
      return "mesh axis '" + name.getValue().str() + "' has size " + std::to_string(size) +
             ", more than the " + std::to_string(kMaxMeshAxisSize) + " the runtime supports";
    // Each factor is at most 2^24 and the running product at most 2^30: no overflow.
    ranks *= size;
    if (ranks > kMaxMeshRanks)
      return "mesh '" + spec + "' has more than " + std::to_string(kMaxMeshRanks) +
             " ranks (the most the runtime supports)";
  }
  return std::nullopt;
}

std::string didYouMean(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> candidates) {
  unsigned allowed = (name.size() + 2) / 3, best = allowed + 1;
  llvm::StringRef closest;
  for (llvm::StringRef candidate : candidates) {
    if (candidate == name)
      continue;
    unsigned distance = name.edit_distance_insensitive(candidate, /*AllowReplacements=*/true,
                                                       /*MaxEditDistance=*/allowed);
    if (distance < best && distance < name.size()) {
      best = distance;
      closest = candidate;
    }
  }
  return closest.empty() ? std::string() : "; did you mean '" + closest.str() + "'?";
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
  if (std::optional<std::string> bad = checkMesh(names, sizes)) {
    error = *bad;
    return {};
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
