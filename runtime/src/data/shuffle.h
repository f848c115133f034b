// shuffle.h — the order in which an epoch visits the samples: a permutation that depends only
// on (--seed, epoch, number of samples), so every rank of every mesh computes the same one.
#ifndef MESHRT_SRC_DATA_SHUFFLE_H
#define MESHRT_SRC_DATA_SHUFFLE_H

#include "data/random.h"

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace meshrt {

// Fisher-Yates driven by the counter-based hash: draw i picks j in [0, i] as the high half of
// a 64x64-bit product (Lemire's multiply-shift; its bias below 2^-32 for N < 2^32 is harmless
// here, and determinism is what matters).
inline std::vector<int64_t> epochPermutation(uint64_t seed, int64_t epoch, int64_t samples) {
  std::vector<int64_t> order(static_cast<size_t>(samples));
  std::iota(order.begin(), order.end(), int64_t{0});
  constexpr uint64_t kDataOrderKey = 0x6461746120726f77ULL; // "data row"
  const uint64_t prefix = random::hashPrefix(seed ^ kDataOrderKey, static_cast<uint64_t>(epoch));
  for (int64_t i = samples - 1; i > 0; --i) {
    const uint64_t h = random::hashAt(prefix, static_cast<uint64_t>(i));
    const int64_t j = static_cast<int64_t>(
        (static_cast<unsigned __int128>(h) * static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

} // namespace meshrt

#endif // MESHRT_SRC_DATA_SHUFFLE_H
