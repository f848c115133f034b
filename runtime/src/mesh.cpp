// mesh.cpp — parsing mesh specs and mapping ranks to mesh coordinates.
#include "mesh.h"

namespace meshrt {

int64_t Mesh::numRanks() const {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  return n;
}

std::vector<int64_t> Mesh::coordsOf(int64_t rank) const {
  std::vector<int64_t> coords(sizes.size());
  for (int i = numAxes() - 1; i >= 0; --i) {
    coords[i] = rank % sizes[i];
    rank /= sizes[i];
  }
  return coords;
}

Status Mesh::parse(const std::string &spec, Mesh *out) {
  std::vector<meshc::meshspec::Axis> axes;
  if (std::optional<std::string> bad = meshc::meshspec::parseMesh(spec, axes))
    return Status::error(MESHRT_INVALID_ARGUMENT, *bad);
  Mesh mesh;
  mesh.spec = spec;
  for (meshc::meshspec::Axis &axis : axes) {
    mesh.names.push_back(std::move(axis.name));
    mesh.sizes.push_back(axis.size);
  }
  *out = std::move(mesh);
  return Status::success();
}

} // namespace meshrt
