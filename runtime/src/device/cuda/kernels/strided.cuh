// strided.cuh — strided index spaces for the CUDA kernels (copy, binary, serial reductions).
//
// The CPU's collapsed index space (kernels/collapse.h), which a kernel takes by value, plus the
// walk from a flat output index to each operand's offset. Collapsing matters more here than on
// the CPU: every element pays one integer division per remaining dim.
#ifndef MESHRT_SRC_DEVICE_CUDA_KERNELS_STRIDED_CUH
#define MESHRT_SRC_DEVICE_CUDA_KERNELS_STRIDED_CUH

#include "kernels/collapse.h"

#include <cstdint>

namespace meshrt::cuda {

// A collapsed index space (kernels/collapse.h) with the walk from a flat output index to each
// operand's offset.
template <int K> struct Strided : Collapsed<K> {
  // Offsets of the K operands at flat index i < count(). Idx is the type of the division:
  // uint32_t when count() fits (64-bit division costs several times more), else int64_t.
  template <typename Idx> __device__ void offsets(Idx i, int64_t (&off)[K]) const {
    for (int k = 0; k < K; ++k)
      off[k] = 0;
    for (int d = this->ndims - 1; d > 0; --d) {
      const Idx size = static_cast<Idx>(this->shape[d]);
      const Idx q = i / size;
      const int64_t idx = static_cast<int64_t>(i - q * size);
      i = q;
      for (int k = 0; k < K; ++k)
        off[k] += idx * this->strides[k][d];
    }
    if (this->ndims > 0)
      for (int k = 0; k < K; ++k)
        off[k] += static_cast<int64_t>(i) * this->strides[k][0];
  }
};

// Requires 0 <= ndims <= kMaxDims. Always yields at least one dim (a scalar becomes [1]).
template <int K>
Strided<K> collapseStrided(int ndims, const int64_t *shape, const int64_t *const (&strides)[K]) {
  Strided<K> c;
  static_cast<Collapsed<K> &>(c) = collapse<K>(ndims, shape, strides);
  return c;
}

// Whether flat indices below `count` can be divided in 32 bits.
inline bool fitsU32(int64_t count) { return count <= int64_t{0xffffffff}; }

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_KERNELS_STRIDED_CUH
