// reduce.cu — CUDA sum and max reductions of a contiguous tensor into a strided output, and the
// max reduction's gradient.
//
// The input's dims split into kept ones (out stride != 0) and reduced ones (out stride 0), each
// list merged where contiguous; output element `group` gets the reduction of `perGroup`
// elements. One kernel covers every shape: a block of W x H threads takes W consecutive groups
// (W = 32 when the innermost input dim is kept, so that a warp reads 32 adjacent elements) and
// splits their elements H ways; the H partial results meet in a fixed shared-memory tree. When
// there are too few groups to fill the GPU, each group's elements are also cut into chunks whose
// partials a second kernel adds in chunk order. No atomics, so results are deterministic.
//
// Sums accumulate in double, as the CPU's row and full sums do. Max and its gradient pick the
// FIRST maximum exactly as the CPU does, NaN included (block_reduce.cuh).
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/block_reduce.cuh"
#include "device/cuda/kernels/strided.cuh"

#include <algorithm>

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

enum class Mode { Sum, Max, MaxGrad };

struct ReducePlan {
  int keptDims = 0, redDims = 0;
  int64_t keptShape[kMaxDims], keptIn[kMaxDims], keptOut[kMaxDims];
  int64_t redShape[kMaxDims], redIn[kMaxDims];
  int64_t groups = 1, perGroup = 1;

  // Input offset of the group's element 0 and the group's output offset.
  __device__ void group(int64_t g, int64_t *inBase, int64_t *outOffset) const {
    int64_t in = 0, out = 0;
    for (int d = keptDims - 1; d > 0; --d) {
      const int64_t q = g / keptShape[d], idx = g - q * keptShape[d];
      g = q;
      in += idx * keptIn[d];
      out += idx * keptOut[d];
    }
    if (keptDims > 0) {
      in += g * keptIn[0];
      out += g * keptOut[0];
    }
    *inBase = in;
    *outOffset = out;
  }

  // Input offset of element r of a group relative to its element 0; increasing in r.
  __device__ int64_t element(int64_t r) const {
    int64_t in = 0;
    for (int d = redDims - 1; d > 0; --d) {
      const int64_t q = r / redShape[d];
      in += (r - q * redShape[d]) * redIn[d];
      r = q;
    }
    return redDims > 0 ? in + r * redIn[0] : in;
  }
};

// Fills `p` for a non-empty input; false when the kept dims' strides could send two groups to
// one output element, which only the serial kernel handles.
bool planReduce(int ndims, const int64_t *inShape, const int64_t *outStrides, ReducePlan *p) {
  int64_t inStride[kMaxDims];
  int64_t s = 1;
  for (int d = ndims - 1; d >= 0; --d) {
    inStride[d] = s;
    s *= inShape[d];
  }
  for (int d = 0; d < ndims; ++d) {
    const int64_t n = inShape[d];
    if (n == 1)
      continue;
    if (outStrides[d] == 0) {
      const int last = p->redDims - 1;
      if (last >= 0 && p->redIn[last] == inStride[d] * n) {
        p->redShape[last] *= n;
        p->redIn[last] = inStride[d];
      } else {
        p->redShape[p->redDims] = n;
        p->redIn[p->redDims++] = inStride[d];
      }
    } else {
      const int last = p->keptDims - 1;
      if (last >= 0 && p->keptIn[last] == inStride[d] * n &&
          p->keptOut[last] == outStrides[d] * n) {
        p->keptShape[last] *= n;
        p->keptIn[last] = inStride[d];
        p->keptOut[last] = outStrides[d];
      } else {
        p->keptShape[p->keptDims] = n;
        p->keptIn[p->keptDims] = inStride[d];
        p->keptOut[p->keptDims++] = outStrides[d];
      }
    }
  }
  for (int d = 0; d < p->keptDims; ++d)
    p->groups *= p->keptShape[d];
  for (int d = 0; d < p->redDims; ++d)
    p->perGroup *= p->redShape[d];
  // Distinct groups land on distinct outputs when, with the kept dims sorted by out stride,
  // each stride clears the whole span of the smaller ones.
  int order[kMaxDims];
  for (int d = 0; d < p->keptDims; ++d)
    order[d] = d;
  std::sort(order, order + p->keptDims,
            [&](int a, int b) { return p->keptOut[a] < p->keptOut[b]; });
  for (int k = 0; k + 1 < p->keptDims; ++k)
    if (p->keptOut[order[k + 1]] < p->keptOut[order[k]] * p->keptShape[order[k]])
      return false;
  return true;
}

// The launch shape: W x H threads per block, each group's elements in `chunks` chunks of
// `chunkLen` (the last one shorter).
struct ReduceShape {
  int w = 1, h = 1;
  int64_t chunks = 1, chunkLen = 1;
};

ReduceShape shapeFor(const ReducePlan &p) {
  ReduceShape s;
  const int64_t g = p.groups, r = p.perGroup;
  const bool rowwise = p.redDims > 0 && p.redIn[p.redDims - 1] == 1;
  if (r <= 16 || (!rowwise && g >= 4096)) {
    s.w = 256; // a thread per group
  } else if (rowwise) {
    s.h = lineBlock(r);
  } else {
    s.w = 32;
    s.h = 8;
  }
  // Too few blocks for a GPU of ~100 SMs: cut the groups' elements into chunks of at least 32
  // per thread.
  const int64_t tiles = (g + s.w - 1) / s.w, wanted = 1024;
  int64_t chunks = 1;
  if (tiles < wanted) {
    const int64_t byWork = r / (static_cast<int64_t>(s.h) * 32);
    chunks = std::max<int64_t>(1, std::min((wanted + tiles - 1) / tiles, byWork));
  }
  s.chunkLen = (r + chunks - 1) / chunks;
  s.chunks = (r + s.chunkLen - 1) / s.chunkLen;
  return s;
}

// The max of a whole group from the first maximum of its non-NaN elements (block_reduce.cuh).
template <Mode M>
__device__ void finishMax(const ReducePlan &p, FirstMax best, const float *x, int64_t inBase,
                          int64_t outOffset, const float *grad, float *out) {
  if (x[0] != x[0])
    best = {x[0], 0};
  if (M == Mode::Max)
    out[outOffset] = best.value;
  else
    out[inBase + p.element(best.index)] = grad[outOffset];
}

template <Mode M> struct Partial {
  using Type = FirstMax;
};
template <> struct Partial<Mode::Sum> {
  using Type = double;
};

// blockDim = (W, H). Unit u = (tile of W groups, chunk); with one chunk the block writes the
// result, else partials[group * chunks + chunk].
template <Mode M>
__global__ void reduceKernel(ReducePlan p, ReduceShape s, const float *in, const float *grad,
                             float *out, typename Partial<M>::Type *partials) {
  using T = typename Partial<M>::Type;
  extern __shared__ __align__(16) unsigned char sharedBytes[];
  T *shared = reinterpret_cast<T *>(sharedBytes);
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t tiles = (p.groups + s.w - 1) / s.w, units = tiles * s.chunks;
  for (int64_t u = blockIdx.x; u < units; u += gridDim.x) {
    const int64_t tile = u / s.chunks, chunk = u - tile * s.chunks;
    const int64_t g = tile * s.w + tx;
    const int64_t r0 = chunk * s.chunkLen;
    const int64_t r1 = r0 + s.chunkLen < p.perGroup ? r0 + s.chunkLen : p.perGroup;
    int64_t inBase = 0, outOffset = 0;
    T acc;
    if constexpr (M == Mode::Sum)
      acc = 0.0;
    else
      acc = {0.0f, -1};
    if (g < p.groups) {
      p.group(g, &inBase, &outOffset);
      const float *x = in + inBase;
      for (int64_t r = r0 + ty; r < r1; r += s.h) {
        if constexpr (M == Mode::Sum)
          acc += x[p.element(r)];
        else
          firstMaxFold(acc, x[p.element(r)], r);
      }
    }
    // Fixed tree over the H partials of each group.
    if (s.h > 1) {
      shared[ty * s.w + tx] = acc;
      __syncthreads();
      for (int half = s.h / 2; half > 0; half /= 2) {
        if (ty < half) {
          const T other = shared[(ty + half) * s.w + tx];
          if constexpr (M == Mode::Sum)
            acc += other;
          else
            acc = firstMaxOf(acc, other);
          shared[ty * s.w + tx] = acc;
        }
        __syncthreads();
      }
    }
    if (ty == 0 && g < p.groups) {
      if (s.chunks > 1)
        partials[g * s.chunks + chunk] = acc;
      else if constexpr (M == Mode::Sum)
        out[outOffset] = static_cast<float>(acc);
      else
        finishMax<M>(p, acc, in + inBase, inBase, outOffset, grad, out);
    }
  }
}

// Adds each group's chunk partials in chunk order.
template <Mode M>
__global__ void finishChunksKernel(ReducePlan p, int64_t chunks, const float *in, const float *grad,
                                   float *out, const typename Partial<M>::Type *partials) {
  for (int64_t g = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; g < p.groups;
       g += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t inBase, outOffset;
    p.group(g, &inBase, &outOffset);
    const auto *part = partials + g * chunks;
    if constexpr (M == Mode::Sum) {
      double acc = 0.0;
      for (int64_t c = 0; c < chunks; ++c)
        acc += part[c];
      out[outOffset] = static_cast<float>(acc);
    } else {
      FirstMax best = {0.0f, -1};
      for (int64_t c = 0; c < chunks; ++c)
        best = firstMaxOf(best, part[c]);
      finishMax<M>(p, best, in + inBase, inBase, outOffset, grad, out);
    }
  }
}

// Overlapping output strides: one thread walks the input in order, exactly the CPU's loop.
// `first` (outCount entries) is scratch for the max modes.
template <Mode M>
__global__ void reduceSerialKernel(Strided<1> space, const float *in, const float *grad, float *out,
                                   int64_t outCount, int64_t *first) {
  const int64_t count = space.count();
  if constexpr (M == Mode::Sum) {
    for (int64_t i = 0; i < count; ++i) {
      int64_t off[1];
      space.offsets(i, off);
      out[off[0]] += in[i];
    }
  } else {
    for (int64_t o = 0; o < outCount; ++o)
      first[o] = -1;
    for (int64_t i = 0; i < count; ++i) {
      int64_t off[1];
      space.offsets(i, off);
      if (first[off[0]] < 0 || in[i] > in[first[off[0]]])
        first[off[0]] = i;
    }
    for (int64_t o = 0; o < outCount; ++o) {
      if (M == Mode::Max)
        out[o] = first[o] >= 0 ? in[first[o]] : 0.0f;
      else if (first[o] >= 0)
        out[first[o]] = grad[o];
    }
  }
}

} // namespace

namespace meshrt::cuda {

// The three reductions share everything but the kernels' mode. `out` has outCount elements
// (Sum, Max) or the input's (MaxGrad, zeroed here first).
template <Mode M>
static Status reduce(CachingAllocator &allocator, cudaStream_t stream, int ndims,
                     const int64_t *inShape, const float *in, const float *grad, float *out,
                     const int64_t *outStrides, int64_t outCount) {
  int64_t count = 1;
  for (int d = 0; d < ndims; ++d)
    count *= inShape[d];
  const int64_t zeroed = M == Mode::MaxGrad ? count : outCount;
  ReducePlan p;
  const bool injective = count > 0 && planReduce(ndims, inShape, outStrides, &p);
  // Outputs that no group reaches stay zero, as on the CPU.
  if (zeroed > 0 && (M == Mode::MaxGrad || !injective || p.groups != outCount))
    if (Status st = checkCuda(cudaMemsetAsync(out, 0, static_cast<size_t>(zeroed) * 4, stream),
                              "cudaMemsetAsync");
        !st.ok())
      return st;
  if (count == 0)
    return Status::success();

  if (!injective) {
    int64_t *first = nullptr;
    if (M != Mode::Sum)
      if (Status st = allocator.allocate(static_cast<size_t>(outCount) * sizeof(int64_t),
                                         reinterpret_cast<void **>(&first));
          !st.ok())
        return st;
    Strided<1> space;
    space.ndims = ndims;
    for (int d = 0; d < ndims; ++d) {
      space.shape[d] = inShape[d];
      space.strides[0][d] = outStrides[d];
    }
    reduceSerialKernel<M><<<1, 1, 0, stream>>>(space, in, grad, out, outCount, first);
    // Safe to reuse at once: every later user of the block is queued behind this kernel.
    allocator.release(first);
    return launched("reduceSerialKernel");
  }

  using T = typename Partial<M>::Type;
  const ReduceShape s = shapeFor(p);
  T *partials = nullptr;
  if (s.chunks > 1)
    if (Status st = allocator.allocate(static_cast<size_t>(p.groups * s.chunks) * sizeof(T),
                                       reinterpret_cast<void **>(&partials));
        !st.ok())
      return st;
  const int64_t units = (p.groups + s.w - 1) / s.w * s.chunks;
  const size_t sharedBytes = s.h > 1 ? static_cast<size_t>(s.w) * s.h * sizeof(T) : 0;
  reduceKernel<M>
      <<<blocksFor(units), dim3(s.w, s.h), sharedBytes, stream>>>(p, s, in, grad, out, partials);
  Status st = launched("reduceKernel");
  if (st.ok() && s.chunks > 1) {
    finishChunksKernel<M>
        <<<gridFor(p.groups), kBlock, 0, stream>>>(p, s.chunks, in, grad, out, partials);
    st = launched("finishChunksKernel");
  }
  // Safe to reuse at once: every later user of the block is queued behind these kernels.
  allocator.release(partials);
  return st;
}

Status CudaDevice::reduceSum(int ndims, const int64_t *inShape, const float *in, float *out,
                             const int64_t *outStrides, int64_t outCount) {
  return reduce<Mode::Sum>(allocator_, compute_, ndims, inShape, in, nullptr, out, outStrides,
                           outCount);
}

Status CudaDevice::reduceMax(int ndims, const int64_t *inShape, const float *in, float *out,
                             const int64_t *outStrides, int64_t outCount) {
  for (int d = 0; d < ndims; ++d)
    if (inShape[d] == 0)
      return Status::error(MESHRT_INVALID_ARGUMENT, "reduce_max over an empty tensor");
  return reduce<Mode::Max>(allocator_, compute_, ndims, inShape, in, nullptr, out, outStrides,
                           outCount);
}

Status CudaDevice::reduceMaxGrad(int ndims, const int64_t *inShape, const float *in,
                                 const float *grad, const int64_t *gradStrides, int64_t gradCount,
                                 float *out) {
  return reduce<Mode::MaxGrad>(allocator_, compute_, ndims, inShape, in, grad, out, gradStrides,
                               gradCount);
}

} // namespace meshrt::cuda
