// grid.cuh — index helpers shared by the CUDA kernels: grid-stride loops and the [outer, n,
// inner] line view the CPU kernels use too.
#ifndef MESHRT_SRC_DEVICE_CUDA_KERNELS_GRID_CUH
#define MESHRT_SRC_DEVICE_CUDA_KERNELS_GRID_CUH

#include <cstdint>

namespace meshrt::cuda {

// A grid-stride loop: for (i = firstIndex(); i < count; i += gridStride()).
__device__ inline int64_t firstIndex() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline int64_t gridStride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Offset of element 0 of line l of [outer, n, inner]; its elements are `inner` apart.
__device__ inline int64_t lineBase(int64_t l, int64_t n, int64_t inner) {
  const int64_t o = l / inner;
  return o * n * inner + (l - o * inner);
}

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_KERNELS_GRID_CUH
