// random.h — counter-based random numbers: a value is a pure function of (seed, key, index).
//
// Stateless on purpose: every rank computes exactly the elements of its own slice, indexed by
// GLOBAL element index, so a parameter or a batch is bit-identical whatever the mesh and layout.
// That is what lets end-to-end tests compare a partitioned run with the 1-rank run.
#ifndef MESHRT_SRC_DATA_RANDOM_H
#define MESHRT_SRC_DATA_RANDOM_H

// The hashes and the uniform draws are also compiled into CUDA kernels (dropout, synthetic
// data), so that a device draws exactly the CPU's numbers.
#include "host_device.h"

#include <cmath>
#include <cstdint>

namespace meshrt::random {

// splitmix64's finaliser: a bijective 64-bit mix with full avalanche.
MESHRT_HOST_DEVICE inline uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Chained so that (seed, key, index) triples differing in any component give unrelated values.
// hash(seed, key, i) == hashAt(hashPrefix(seed, key), i); loops over i hoist the prefix.
MESHRT_HOST_DEVICE inline uint64_t hashPrefix(uint64_t seed, uint64_t key) {
  return mix64(mix64(seed) ^ key);
}
MESHRT_HOST_DEVICE inline uint64_t hashAt(uint64_t prefix, uint64_t index) {
  return mix64(prefix ^ index);
}
MESHRT_HOST_DEVICE inline uint64_t hash(uint64_t seed, uint64_t key, uint64_t index) {
  return hashAt(hashPrefix(seed, key), index);
}

// Uniform in [0, 1) from the top 24 bits (a float's full mantissa).
MESHRT_HOST_DEVICE inline float uniform01(uint64_t h) {
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

// Uniform in [-1, 1).
MESHRT_HOST_DEVICE inline float uniformSym(uint64_t h) { return 2.0f * uniform01(h) - 1.0f; }

// Standard normal by Box-Muller from the two 24-bit halves of one hash: u1 in (0, 1] keeps the
// log finite.
inline float normal(uint64_t h) {
  const float u1 = static_cast<float>((h >> 40) + 1) * (1.0f / 16777216.0f);
  const float u2 = static_cast<float>(h & 0xffffff) * (1.0f / 16777216.0f);
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853071795865f * u2);
}

} // namespace meshrt::random

#endif // MESHRT_SRC_DATA_RANDOM_H
