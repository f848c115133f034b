// block_reduce.cuh — deterministic reductions inside a thread block, and the launch shape of
// kernels that reduce along lines of [outer, n, inner].
//
// Reductions run a fixed tree (shuffles within each warp, then the first warp over the warps'
// results), never atomics, so a result depends only on the launch shape, which depends only on
// the tensor's shape: the same inputs give bit-identical outputs on every run.
#ifndef MESHRT_SRC_DEVICE_CUDA_KERNELS_BLOCK_REDUCE_CUH
#define MESHRT_SRC_DEVICE_CUDA_KERNELS_BLOCK_REDUCE_CUH

#include <cstdint>

namespace meshrt::cuda {

// The first maximum of a set of elements: the largest value, ties to the smallest index;
// index -1 is the empty set. NaNs are never entered (see firstMaxFold).
struct FirstMax {
  float value;
  int64_t index;
};

__device__ inline FirstMax firstMaxOf(FirstMax a, FirstMax b) {
  if (b.index < 0)
    return a;
  if (a.index < 0)
    return b;
  if (b.value > a.value)
    return b;
  if (a.value > b.value)
    return a;
  return b.index < a.index ? b : a;
}

// One element into a running first maximum, elements entered in increasing index order.
//
// The CPU scans sequentially with `if (x[k] > x[best]) best = k` from best = 0. That result is
// the first maximum of the non-NaN elements when element 0 is not NaN, and element 0 when it is
// (nothing compares greater than NaN). Skipping NaNs here makes the combination associative, so
// the parallel result equals the CPU's once the caller applies the element-0 rule.
__device__ inline void firstMaxFold(FirstMax &acc, float v, int64_t index) {
  if (v == v && (acc.index < 0 || v > acc.value))
    acc = {v, index};
}

struct SumOp {
  __device__ double operator()(double a, double b) const { return a + b; }
};
struct MaxOp { // NaN-ignoring, as fmaxf
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct FirstMaxOp {
  __device__ FirstMax operator()(FirstMax a, FirstMax b) const { return firstMaxOf(a, b); }
};

template <typename T> __device__ inline T shuffleDown(T v, int delta) {
  return __shfl_down_sync(0xffffffffu, v, delta);
}
template <> __device__ inline FirstMax shuffleDown(FirstMax v, int delta) {
  FirstMax r;
  r.value = __shfl_down_sync(0xffffffffu, v.value, delta);
  r.index =
      static_cast<int64_t>(__shfl_down_sync(0xffffffffu, static_cast<long long>(v.index), delta));
  return r;
}

// Lane 0 gets the reduction of the warp's 32 values.
template <typename T, typename Op> __device__ inline T warpReduce(T v, Op op) {
  for (int delta = 16; delta > 0; delta >>= 1)
    v = op(v, shuffleDown(v, delta));
  return v;
}

// The reduction of one value per thread, returned to every thread. blockDim.x must be a multiple
// of 32 (at most 1024), blockDim.y == 1, and every thread of the block must call it.
template <typename T, typename Op> __device__ T blockReduce(T v, Op op, T identity) {
  __shared__ T partial[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warpReduce(v, op);
  __syncthreads(); // the previous call's readers are done with partial[]
  if (lane == 0)
    partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < static_cast<int>(blockDim.x >> 5) ? partial[lane] : identity;
    v = warpReduce(v, op);
    if (lane == 0)
      partial[0] = v;
  }
  __syncthreads();
  return partial[0];
}

// Lines of n elements, `stride` apart within a line: a block per line when lines are long
// enough to share, and either contiguous (a warp reads adjacent elements of its line) or too few
// to fill the GPU a thread each; else a thread per line, which reads coalesced across lines when
// stride > 1 and reproduces the CPU's sequential loop exactly.
inline bool blockPerLine(int64_t lines, int64_t n, int64_t stride) {
  if (n < 64)
    return false;
  return stride == 1 || lines < 4096;
}

// Threads for a block per line of n elements: a power of two in [32, 256].
inline int lineBlock(int64_t n) {
  int b = 32;
  while (b < 256 && b < n)
    b *= 2;
  return b;
}

// Blocks for `units` block-sized work items taken by a block-stride loop.
inline unsigned blocksFor(int64_t units) {
  const int64_t cap = 65535 * 8;
  return static_cast<unsigned>(units < 1 ? 1 : units < cap ? units : cap);
}

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_KERNELS_BLOCK_REDUCE_CUH
