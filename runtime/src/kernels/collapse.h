// collapse.h — the collapsed iteration space of a strided kernel, shared by the CPU kernels
// (kernels/cpu/strided.h) and the CUDA kernels (device/cuda/kernels/strided.cuh).
//
// Size-1 dims are dropped and adjacent dims merged wherever every operand is contiguous across
// the pair, so most calls become one long contiguous loop or a loop over rows. Plain data and
// host/device functions only, so that CUDA kernels take a Collapsed by value.
#ifndef MESHRT_SRC_KERNELS_COLLAPSE_H
#define MESHRT_SRC_KERNELS_COLLAPSE_H

#include "host_device.h"

#include <cstdint>

namespace meshrt {

// The most dims a strided kernel takes (the ABI functions check it).
constexpr int kMaxDims = 16;

// An iteration space over a contiguous output with K strided operands.
template <int K> struct Collapsed {
  int ndims = 0;
  int64_t shape[kMaxDims];
  int64_t strides[K][kMaxDims];

  MESHRT_HOST_DEVICE int64_t count() const {
    int64_t n = 1;
    for (int d = 0; d < ndims; ++d)
      n *= shape[d];
    return n;
  }
  MESHRT_HOST_DEVICE int64_t inner() const { return shape[ndims - 1]; }
  MESHRT_HOST_DEVICE int64_t innerStride(int k) const { return strides[k][ndims - 1]; }
  MESHRT_HOST_DEVICE int64_t rows() const { return count() / (inner() ? inner() : 1); }
};

// Requires 0 <= ndims <= kMaxDims. Always yields at least one dim (a scalar becomes [1]).
template <int K>
Collapsed<K> collapse(int ndims, const int64_t *shape, const int64_t *const (&strides)[K]) {
  Collapsed<K> c;
  for (int d = 0; d < ndims; ++d) {
    if (shape[d] == 1)
      continue;
    bool merge = c.ndims > 0 && shape[d] != 0;
    for (int k = 0; merge && k < K; ++k)
      merge = c.strides[k][c.ndims - 1] == strides[k][d] * shape[d];
    if (merge) {
      c.shape[c.ndims - 1] *= shape[d];
      for (int k = 0; k < K; ++k)
        c.strides[k][c.ndims - 1] = strides[k][d];
      continue;
    }
    c.shape[c.ndims] = shape[d];
    for (int k = 0; k < K; ++k)
      c.strides[k][c.ndims] = strides[k][d];
    ++c.ndims;
  }
  if (c.ndims == 0) {
    c.shape[0] = 1;
    for (int k = 0; k < K; ++k)
      c.strides[k][0] = 0;
    c.ndims = 1;
  }
  return c;
}

} // namespace meshrt

#endif // MESHRT_SRC_KERNELS_COLLAPSE_H
