// Mesh and layout specs as dialect attributes, over the one grammar of support/meshspec.
#include "dialect/IR/MeshSpec.h"

#include "support/meshspec/MeshSpec.h"

#include "llvm/ADT/SmallVector.h"

using namespace mlir;

namespace meshc {

bool isValidName(llvm::StringRef name) { return meshspec::isName(name); }

std::optional<std::string> checkMesh(llvm::ArrayRef<StringAttr> names,
                                     llvm::ArrayRef<int64_t> sizes) {
  std::vector<meshspec::Axis> axes;
  for (auto [name, size] : llvm::zip(names, sizes))
    axes.push_back({name.getValue().str(), size});
  if (names.size() != sizes.size()) {
    std::string spec;
    for (auto [i, name] : llvm::enumerate(names))
      spec += (i ? "," : "") + name.getValue().str() + "=" +
              (i < sizes.size() ? std::to_string(sizes[i]) : std::string("?"));
    return "mesh '" + spec + "' has " + std::to_string(names.size()) + " axis names but " +
           std::to_string(sizes.size()) + " sizes";
  }
  return meshspec::checkMesh(axes);
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
  std::vector<meshspec::Axis> axes;
  if (std::optional<std::string> bad = meshspec::parseMesh(spec, axes)) {
    error = *bad;
    return {};
  }
  llvm::SmallVector<StringAttr> names;
  llvm::SmallVector<int64_t> sizes;
  for (const meshspec::Axis &axis : axes) {
    names.push_back(StringAttr::get(context, axis.name));
    sizes.push_back(axis.size);
  }
  return MeshAttr::get(context, names, sizes);
}

LayoutAttr parseLayoutSpec(MLIRContext *context, llvm::StringRef spec, std::string &error) {
  std::vector<meshspec::Rule> rules;
  if (std::optional<std::string> bad = meshspec::parseLayout(spec, rules)) {
    error = *bad;
    return {};
  }
  llvm::SmallVector<StringAttr> dims, axes;
  for (const meshspec::Rule &rule : rules) {
    dims.push_back(StringAttr::get(context, rule.dim));
    axes.push_back(StringAttr::get(context, rule.axis));
  }
  return LayoutAttr::get(context, dims, axes);
}

} // namespace meshc
