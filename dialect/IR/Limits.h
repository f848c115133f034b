// The sizes the compiler accepts: every program it compiles must run, so its limits are the
// runtime's (runtime/src/mesh.h, runtime/src/kernels/collapse.h). The dialect does not include
// runtime headers (DESIGN.md's layering); tests/dialect/LimitsTest.cpp includes both and fails
// when they differ. Also the checked arithmetic that verifiers use on sizes.
#ifndef MESHC_DIALECT_IR_LIMITS_H
#define MESHC_DIALECT_IR_LIMITS_H

#include "support/meshspec/MeshSpec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/MathExtras.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace meshc {

/// Mesh axes, the size of one axis, ranks of a mesh: the mesh grammar's (support/meshspec).
constexpr unsigned kMaxMeshAxes = meshspec::kMaxAxes;
constexpr int64_t kMaxMeshAxisSize = meshspec::kMaxAxisSize;
constexpr int64_t kMaxMeshRanks = meshspec::kMaxRanks;
/// Dimensions of a tensor: the runtime's kernels and data slices index at most this many.
constexpr unsigned kMaxTensorDims = 16;
/// The largest index an i32 (labels, ids, argmax results, one_hot indices) holds.
constexpr int64_t kMaxI32Index = std::numeric_limits<int32_t>::max();
/// The largest integer an f32 holds exactly (one_hot of f32 indices).
constexpr int64_t kMaxF32Index = int64_t{1} << 24;
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

/// a * b, or nullopt when it overflows int64.
inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t result = 0;
  if (llvm::MulOverflow(a, b, result))
    return std::nullopt;
  return result;
}

/// a + b, or nullopt when it overflows int64.
inline std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
  int64_t result = 0;
  if (llvm::AddOverflow(a, b, result))
    return std::nullopt;
  return result;
}

/// The product of `sizes` (1 for none), or nullopt when it overflows int64.
inline std::optional<int64_t> checkedProduct(llvm::ArrayRef<int64_t> sizes) {
  int64_t product = 1;
  for (int64_t size : sizes) {
    std::optional<int64_t> next = checkedMul(product, size);
    if (!next)
      return std::nullopt;
    product = *next;
  }
  return product;
}

/// a * b for costs that are only compared: saturates at the int64 maximum (a, b >= 0).
inline int64_t saturatingMul(int64_t a, int64_t b) { return checkedMul(a, b).value_or(kMaxInt64); }
inline int64_t saturatingAdd(int64_t a, int64_t b) { return checkedAdd(a, b).value_or(kMaxInt64); }

} // namespace meshc

#endif // MESHC_DIALECT_IR_LIMITS_H
