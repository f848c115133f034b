// mesh.cpp — parsing mesh specs and mapping ranks to mesh coordinates.
#include "mesh.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

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

static bool isIdentifier(const std::string &s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
    return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

Status Mesh::parse(const std::string &spec, Mesh *out) {
  Mesh mesh;
  mesh.spec = spec;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(',', pos);
    if (end == std::string::npos)
      end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    size_t eq = item.find('=');
    std::string name = item.substr(0, eq);
    if (eq == std::string::npos || !isIdentifier(name))
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("invalid mesh spec '%s': expected axes like 'b=2,m=2'",
                                     spec.c_str()));
    std::string sizeText = item.substr(eq + 1);
    char *endp = nullptr;
    errno = 0;
    long long size = std::strtoll(sizeText.c_str(), &endp, 10);
    if (sizeText.empty() || *endp != '\0' || errno != 0 || size < 1 || size > (1 << 24))
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("invalid size '%s' of mesh axis '%s' in mesh spec '%s'",
                                     sizeText.c_str(), name.c_str(), spec.c_str()));
    for (const std::string &other : mesh.names)
      if (other == name)
        return Status::error(MESHRT_INVALID_ARGUMENT,
                             strformat("mesh axis '%s' appears twice in mesh spec '%s'",
                                       name.c_str(), spec.c_str()));
    mesh.names.push_back(name);
    mesh.sizes.push_back(size);
    if (mesh.numAxes() > kMaxMeshAxes)
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("mesh spec '%s' has more than %d axes", spec.c_str(),
                                     kMaxMeshAxes));
    if (mesh.numRanks() > (int64_t{1} << 30))
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("mesh spec '%s' has too many positions", spec.c_str()));
    pos = end + 1;
    if (end == spec.size() - 1) // trailing comma
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("invalid mesh spec '%s': trailing ','", spec.c_str()));
  }
  *out = std::move(mesh);
  return Status::success();
}

} // namespace meshrt
