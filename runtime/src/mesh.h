// mesh.h — the processor mesh: named axes with sizes, and the rank <-> coordinate map.
#ifndef MESHRT_SRC_MESH_H
#define MESHRT_SRC_MESH_H

#include "status.h"

#include "support/meshspec/MeshSpec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace meshrt {

// One communicator is split per non-empty subset of axes (2^n - 1 of them), so n is bounded
// (meshrt.h, where the compiler reads it too).
constexpr int kMaxMeshAxes = MESHRT_MAX_MESH_AXES;
static_assert(kMaxMeshAxes == meshc::meshspec::kMaxAxes,
              "meshrt.h's MESHRT_MAX_MESH_AXES differs from the mesh grammar's limit");

struct Mesh {
  std::string spec; // as given, e.g. "b=2,m=2"
  std::vector<std::string> names;
  std::vector<int64_t> sizes;

  int numAxes() const { return static_cast<int>(sizes.size()); }
  int64_t numRanks() const;
  // Row-major: the last axis varies fastest, rank = sum_i coord_i * stride_i.
  std::vector<int64_t> coordsOf(int64_t rank) const;

  // "b=2,m=2" -> axes in order, by the one mesh grammar (support/meshspec: whitespace around
  // tokens ignored, at least one axis, the limits the compiler checks too).
  static Status parse(const std::string &spec, Mesh *out);
};

} // namespace meshrt

#endif // MESHRT_SRC_MESH_H
