// strided.cuh — strided index spaces for the CUDA kernels (copy, binary, serial reductions).
//
// The same collapse as the CPU's (kernels/cpu/strided.h: size-1 dims dropped, adjacent dims
// merged where every operand is contiguous across them), in a struct a kernel takes by value, and
// the walk from a flat output index to each operand's offset. Collapsing matters more here than
// on the CPU: every element pays one integer division per remaining dim.
#ifndef MESHRT_SRC_DEVICE_CUDA_KERNELS_STRIDED_CUH
#define MESHRT_SRC_DEVICE_CUDA_KERNELS_STRIDED_CUH

#include "data/slice_desc.h"

#include <cstdint>

namespace meshrt::cuda {

// The ABI's limit on dims (cpu::kMaxDims), checked before a Device method is called.
constexpr int kMaxDims = kMaxSliceDims;

// A row-major index space over `shape` with K operands, operand k at strides[k].
template <int K> struct Strided {
  int ndims = 0;
  int64_t shape[kMaxDims];
  int64_t strides[K][kMaxDims];

  __host__ __device__ int64_t count() const {
    int64_t n = 1;
    for (int d = 0; d < ndims; ++d)
      n *= shape[d];
    return n;
  }

  // Offsets of the K operands at flat index i < count(). Idx is the type of the division:
  // uint32_t when count() fits (64-bit division costs several times more), else int64_t.
  template <typename Idx> __device__ void offsets(Idx i, int64_t (&off)[K]) const {
    for (int k = 0; k < K; ++k)
      off[k] = 0;
    for (int d = ndims - 1; d > 0; --d) {
      const Idx size = static_cast<Idx>(shape[d]);
      const Idx q = i / size;
      const int64_t idx = static_cast<int64_t>(i - q * size);
      i = q;
      for (int k = 0; k < K; ++k)
        off[k] += idx * strides[k][d];
    }
    if (ndims > 0)
      for (int k = 0; k < K; ++k)
        off[k] += static_cast<int64_t>(i) * strides[k][0];
  }
};

// Requires 0 <= ndims <= kMaxDims. Always yields at least one dim (a scalar becomes [1]).
template <int K>
Strided<K> collapseStrided(int ndims, const int64_t *shape, const int64_t *const (&strides)[K]) {
  Strided<K> c;
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

// Whether flat indices below `count` can be divided in 32 bits.
inline bool fitsU32(int64_t count) { return count <= int64_t{0xffffffff}; }

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_KERNELS_STRIDED_CUH
