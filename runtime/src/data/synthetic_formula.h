// synthetic_formula.h — the synthetic data's value at one global position, as plain functions
// that the CPU generator (synthetic.cpp) and the CUDA kernel (device/cuda/kernels/data.cu)
// share, so that both produce bit-identical batches.
//
// Sample s (global coordinate in dim 0) of step t has global index t * global_shape[0] + s.
// Its label is hash(seed ^ kDataset, index) % classes. Its features (the remaining dims,
// flattened row-major to a feature index f < F) are centroid(label, f) + 0.5 * noise(index, f),
// centroid uniform in [-1, 1) from hash(label, f) and noise uniform in [-1, 1). The products
// by 2 and 0.5 are exact, so a fused multiply-add gives the same floats as separate operations.
#ifndef MESHRT_SRC_DATA_SYNTHETIC_FORMULA_H
#define MESHRT_SRC_DATA_SYNTHETIC_FORMULA_H

#include "data/random.h"

#include <cstdint>

namespace meshrt::synthetic {

// Keep the data streams apart from each other and from parameter name hashes.
constexpr uint64_t kDataset = 0x6d65736863646174ULL; // "meshcdat"
constexpr uint64_t kLabelKey = 0x6c6162656c73ULL;
constexpr uint64_t kNoiseKey = 0x6e6f697365ULL;
constexpr uint64_t kCentroidKey = 0x63656e74726f6964ULL;

// The per-run constants of the formula.
struct Prefixes {
  uint64_t dataSeed, label, noise;
};
MESHRT_HOST_DEVICE inline Prefixes prefixesFor(uint64_t seed) {
  const uint64_t dataSeed = seed ^ kDataset;
  return {dataSeed, random::hashPrefix(dataSeed, kLabelKey),
          random::hashPrefix(dataSeed, kNoiseKey)};
}

MESHRT_HOST_DEVICE inline int32_t sampleLabel(const Prefixes &p, uint64_t sampleIndex,
                                              int32_t classes) {
  return static_cast<int32_t>(random::hashAt(p.label, sampleIndex) %
                              static_cast<uint64_t>(classes));
}

// The hash prefix of a class's centroid (hoisted out of loops over f).
MESHRT_HOST_DEVICE inline uint64_t centroidPrefix(const Prefixes &p, int32_t label) {
  return random::hashPrefix(p.dataSeed, kCentroidKey + static_cast<uint64_t>(label));
}

// Feature f of a sample whose centroid prefix is given; noiseIndex = sample index * F + f.
MESHRT_HOST_DEVICE inline float featureValue(const Prefixes &p, uint64_t centroid, uint64_t f,
                                             uint64_t noiseIndex) {
  return random::uniformSym(random::hashAt(centroid, f)) +
         0.5f * random::uniformSym(random::hashAt(p.noise, noiseIndex));
}

} // namespace meshrt::synthetic

#endif // MESHRT_SRC_DATA_SYNTHETIC_FORMULA_H
