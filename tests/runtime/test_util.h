// test_util.h — helpers shared by the runtime tests: world geometry, contexts, and an
// independent (test-side) model of the mesh's rank <-> coordinate map.
#ifndef MESHC_TESTS_RUNTIME_TEST_UTIL_H
#define MESHC_TESTS_RUNTIME_TEST_UTIL_H

#include "meshrt/meshrt.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

namespace meshrt_test {

inline int worldRank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
inline int worldSize() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

struct ContextDeleter {
  void operator()(meshrt_context *ctx) const { meshrt_context_destroy(ctx); }
};
using ContextPtr = std::unique_ptr<meshrt_context, ContextDeleter>;

inline ContextPtr makeContext(const std::string &spec, uint64_t seed = 0) {
  return ContextPtr(meshrt_context_create(spec.c_str(), seed));
}

// Mesh sizes as the test understands them (parsed here, not by the runtime).
inline std::vector<int64_t> meshSizes(const std::string &spec) {
  std::vector<int64_t> sizes;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos)
      comma = spec.size();
    std::string item = spec.substr(pos, comma - pos);
    sizes.push_back(std::stoll(item.substr(item.find('=') + 1)));
    pos = comma + 1;
  }
  return sizes;
}

inline int64_t product(const std::vector<int64_t> &v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

// Row-major, last axis fastest.
inline std::vector<int64_t> coordsOf(const std::vector<int64_t> &sizes, int64_t rank) {
  std::vector<int64_t> c(sizes.size());
  for (int i = static_cast<int>(sizes.size()) - 1; i >= 0; --i) {
    c[i] = rank % sizes[i];
    rank /= sizes[i];
  }
  return c;
}
inline int64_t rankOf(const std::vector<int64_t> &sizes, const std::vector<int64_t> &coords) {
  int64_t r = 0;
  for (size_t i = 0; i < sizes.size(); ++i)
    r = r * sizes[i] + coords[i];
  return r;
}

// Ranks that differ from `rank` only in the axes of `mask`.
inline std::vector<int64_t> groupOf(const std::vector<int64_t> &sizes, int64_t rank, int mask) {
  std::vector<int64_t> mine = coordsOf(sizes, rank), group;
  for (int64_t r = 0; r < product(sizes); ++r) {
    std::vector<int64_t> c = coordsOf(sizes, r);
    bool same = true;
    for (size_t a = 0; a < sizes.size(); ++a)
      if (!(mask & (1 << a)) && c[a] != mine[a])
        same = false;
    if (same)
      group.push_back(r);
  }
  return group;
}

// The rank with my coordinates except `coord` along `axis`.
inline int64_t peer(const std::vector<int64_t> &sizes, int axis, int64_t coord) {
  std::vector<int64_t> c = coordsOf(sizes, worldRank());
  c[axis] = coord;
  return rankOf(sizes, c);
}

// The meshes, 1-D and 2-D (and 3-D), that fit the current world size.
inline std::vector<std::string> meshesForWorld() {
  static const char *all[] = {"x=1",     "x=2",     "x=4",     "a=2,b=1",     "a=1,b=2",
                              "b=2,m=2", "a=1,b=4", "b=4,c=1", "a=2,b=1,c=2", "p=1,q=1"};
  std::vector<std::string> out;
  for (const char *spec : all)
    if (product(meshSizes(spec)) == worldSize())
      out.push_back(spec);
  return out;
}

/// Deterministic test data in [-1, 1].
inline float pseudo(int64_t i, int salt = 0) {
  uint32_t h = static_cast<uint32_t>(i * 2654435761u + salt * 40503u);
  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return static_cast<float>(h % 2001) / 1000.0f - 1.0f; // [-1, 1]
}

inline std::vector<float> pseudoVec(int64_t n, int salt) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = pseudo(i, salt);
  return v;
}

/// Elements of one rank's slice of `global` when dim d is split on mesh axis axes[d] (or -1).
inline int64_t localCount(const std::vector<int64_t> &sizes, const std::vector<int64_t> &global,
                          const std::vector<int32_t> &axes) {
  int64_t n = 1;
  for (size_t d = 0; d < global.size(); ++d)
    n *= axes[d] < 0 ? global[d] : global[d] / sizes[axes[d]];
  return n;
}

} // namespace meshrt_test

#endif // MESHC_TESTS_RUNTIME_TEST_UTIL_H
