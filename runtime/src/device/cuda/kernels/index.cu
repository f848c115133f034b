// index.cu — CUDA kernels of the Index family: embedding lookups and their scatter-add
// gradient, one-hot, argmax, cumsum, and window copies (concat, slice, pad).
//
// The embedding gradient is deterministic and equal to the CPU's bit for bit, without float
// atomics: the ids are stably sorted (CUB radix sort), then each table row is the sum of its
// gradient rows taken in id order, as the CPU adds them. Argmax picks the first maximum and
// cumsum accumulates in double, both as the CPU does (block_reduce.cuh).
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/block_reduce.cuh"
#include "device/cuda/kernels/grid.cuh"

#include <cub/device/device_radix_sort.cuh>

#include <climits>

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

// Threads for a block that walks a row of `row` elements.
inline int rowBlock(int64_t row) {
  int b = 32;
  while (b < kBlock && b < row)
    b *= 2;
  return b;
}

// ---- embedding

// A block per id: row i of out is table row ids[i] - vocabOffset, or zeros outside the slice.
__global__ void embeddingKernel(int64_t n, int64_t localVocab, int64_t row, int64_t vocabOffset,
                                const float *table, const int32_t *ids, float *out) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const int64_t v = static_cast<int64_t>(ids[i]) - vocabOffset;
    const bool inside = v >= 0 && v < localVocab;
    float *dst = out + i * row;
    for (int64_t c = threadIdx.x; c < row; c += blockDim.x)
      dst[c] = inside ? table[v * row + c] : 0.0f;
  }
}

// Sort keys: the local row of id i, or localVocab (sorted last, then skipped) outside the slice.
__global__ void embeddingKeysKernel(int64_t n, int64_t localVocab, int64_t vocabOffset,
                                    const int32_t *ids, int *keys, int *positions) {
  for (int64_t i = firstIndex(); i < n; i += gridStride()) {
    const int64_t v = static_cast<int64_t>(ids[i]) - vocabOffset;
    keys[i] = v >= 0 && v < localVocab ? static_cast<int>(v) : static_cast<int>(localVocab);
    positions[i] = static_cast<int>(i);
  }
}

// After the stable sort: a block per sorted position p that starts a run of equal keys sums
// the run's gradient rows in position order (= id order) into the key's table row.
__global__ void embeddingRunsKernel(int64_t n, int64_t localVocab, int64_t row, const int *keys,
                                    const int *positions, const float *grad, float *tableGrad) {
  for (int64_t p = blockIdx.x; p < n; p += gridDim.x) {
    const int key = keys[p];
    if (key >= localVocab || (p > 0 && keys[p - 1] == key))
      continue;
    for (int64_t c = threadIdx.x; c < row; c += blockDim.x) {
      float acc = 0.0f;
      for (int64_t q = p; q < n && keys[q] == key; ++q)
        acc += grad[static_cast<int64_t>(positions[q]) * row + c];
      tableGrad[static_cast<int64_t>(key) * row + c] = acc;
    }
  }
}

// Few ids, or too many for the sort's int indices: a thread per column adds the rows in id
// order, the CPU's loop exactly.
__global__ void embeddingColumnsKernel(int64_t n, int64_t localVocab, int64_t row,
                                       int64_t vocabOffset, const int32_t *ids, const float *grad,
                                       float *tableGrad) {
  for (int64_t c = firstIndex(); c < row; c += gridStride())
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = static_cast<int64_t>(ids[i]) - vocabOffset;
      if (v >= 0 && v < localVocab)
        tableGrad[v * row + c] += grad[i * row + c];
    }
}

// ---- one-hot, argmax, cumsum

// Element (o, c, i) of out [outer, classes, inner]: 1 where in[o, i] - classOffset == c.
template <bool IsInt>
__global__ void oneHotKernel(int64_t outer, int64_t classes, int64_t inner, int64_t classOffset,
                             const void *in, float *out) {
  const int64_t count = outer * classes * inner;
  for (int64_t e = firstIndex(); e < count; e += gridStride()) {
    const int64_t t = e / inner, i = e - t * inner;
    const int64_t o = t / classes, c = t - o * classes;
    const int64_t at = o * inner + i;
    bool hit;
    if constexpr (IsInt) {
      hit = static_cast<int64_t>(static_cast<const int32_t *>(in)[at]) - classOffset == c;
    } else {
      // f32 holding integers; anything else (NaN, fractions, huge values) has no class.
      const float x = static_cast<const float *>(in)[at];
      hit = x >= -1e18f && x <= 1e18f && x == static_cast<float>(static_cast<int64_t>(x)) &&
            static_cast<int64_t>(x) - classOffset == c;
    }
    out[e] = hit ? 1.0f : 0.0f;
  }
}

// The CPU's scan: best = 0, replaced by each later strictly greater element.
__global__ void argmaxThreadKernel(int64_t lines, int64_t n, int64_t inner, const float *in,
                                   int32_t *out) {
  for (int64_t l = firstIndex(); l < lines; l += gridStride()) {
    const float *x = in + lineBase(l, n, inner);
    int64_t best = 0;
    for (int64_t k = 1; k < n; ++k)
      if (x[k * inner] > x[best * inner])
        best = k;
    out[l] = static_cast<int32_t>(best);
  }
}

__global__ void argmaxBlockKernel(int64_t lines, int64_t n, int64_t inner, const float *in,
                                  int32_t *out) {
  for (int64_t l = blockIdx.x; l < lines; l += gridDim.x) {
    const float *x = in + lineBase(l, n, inner);
    FirstMax best = {0.0f, -1};
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
      firstMaxFold(best, x[k * inner], k);
    best = blockReduce(best, FirstMaxOp(), FirstMax{0.0f, -1});
    if (threadIdx.x == 0) // a NaN first element stays the CPU's answer
      out[l] = static_cast<int32_t>(x[0] != x[0] ? 0 : best.index);
  }
}

// The CPU's loop: a double running sum in scan order (reversed when `reverse`).
__global__ void cumsumThreadKernel(int64_t lines, int64_t n, int64_t inner, bool exclusive,
                                   bool reverse, const float *in, float *out) {
  for (int64_t l = firstIndex(); l < lines; l += gridStride()) {
    const int64_t base = lineBase(l, n, inner);
    double acc = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t at = base + (reverse ? n - 1 - j : j) * inner;
      const float v = in[at];
      if (!exclusive)
        acc += v;
      out[at] = static_cast<float>(acc);
      if (exclusive)
        acc += v;
    }
  }
}

// A block per line: thread t owns the t-th contiguous chunk of the scan order; the chunk sums'
// exclusive prefix (a fixed Hillis-Steele scan in shared memory) seeds each thread's own
// sequential pass over its chunk.
__global__ void cumsumBlockKernel(int64_t lines, int64_t n, int64_t inner, bool exclusive,
                                  bool reverse, const float *in, float *out) {
  __shared__ double scan[2][256];
  const int t = threadIdx.x, threads = blockDim.x;
  const int64_t chunk = (n + threads - 1) / threads;
  const int64_t j0 = t * chunk < n ? t * chunk : n;
  const int64_t j1 = j0 + chunk < n ? j0 + chunk : n;
  for (int64_t l = blockIdx.x; l < lines; l += gridDim.x) {
    const int64_t base = lineBase(l, n, inner);
    double own = 0.0;
    for (int64_t j = j0; j < j1; ++j)
      own += in[base + (reverse ? n - 1 - j : j) * inner];
    int cur = 0;
    scan[cur][t] = own;
    __syncthreads();
    for (int shift = 1; shift < threads; shift *= 2) {
      const double v = scan[cur][t] + (t >= shift ? scan[cur][t - shift] : 0.0);
      cur ^= 1;
      scan[cur][t] = v;
      __syncthreads();
    }
    double acc = t > 0 ? scan[cur][t - 1] : 0.0; // the chunks before this thread's
    for (int64_t j = j0; j < j1; ++j) {
      const int64_t at = base + (reverse ? n - 1 - j : j) * inner;
      const float v = in[at];
      if (!exclusive)
        acc += v;
      out[at] = static_cast<float>(acc);
      if (exclusive)
        acc += v;
    }
    __syncthreads(); // scan[] is rewritten for the next line
  }
}

// ---- copy window

// out[o][outStart + r] = in[o][inStart + r] for r < len (units of T, rows of outN / inN).
template <typename T>
__global__ void copyWindowKernel(int64_t outer, int64_t len, const T *in, int64_t inN,
                                 int64_t inStart, T *out, int64_t outN, int64_t outStart) {
  const int64_t count = outer * len;
  for (int64_t e = firstIndex(); e < count; e += gridStride()) {
    const int64_t o = e / len, r = e - o * len;
    out[o * outN + outStart + r] = in[o * inN + inStart + r];
  }
}

} // namespace

namespace meshrt::cuda {

Status CudaDevice::embedding(int64_t n, int64_t localVocab, int64_t row, int64_t vocabOffset,
                             const float *table, const int32_t *ids, float *out) {
  if (n == 0 || row == 0)
    return Status::success();
  embeddingKernel<<<blocksFor(n), rowBlock(row), 0, compute_>>>(n, localVocab, row, vocabOffset,
                                                                table, ids, out);
  return launched("embeddingKernel");
}

Status CudaDevice::embeddingGrad(int64_t n, int64_t localVocab, int64_t row, int64_t vocabOffset,
                                 const int32_t *ids, const float *grad, float *tableGrad) {
  const int64_t tableCount = localVocab * row;
  if (tableCount == 0)
    return Status::success();
  if (Status st =
          checkCuda(cudaMemsetAsync(tableGrad, 0, static_cast<size_t>(tableCount) * 4, compute_),
                    "cudaMemsetAsync");
      !st.ok())
    return st;
  if (n == 0)
    return Status::success();
  // The sort pays off from a few dozen ids; its keys and indices are ints.
  if (n <= 32 || n >= INT_MAX || localVocab >= INT_MAX) {
    embeddingColumnsKernel<<<gridFor(row), kBlock, 0, compute_>>>(n, localVocab, row, vocabOffset,
                                                                  ids, grad, tableGrad);
    return launched("embeddingColumnsKernel");
  }
  int endBit = 1; // enough bits for keys up to localVocab
  while (endBit < 31 && (int64_t{1} << endBit) <= localVocab)
    ++endBit;
  const int count = static_cast<int>(n);
  size_t sortBytes = 0;
  {
    cub::DoubleBuffer<int> keys(nullptr, nullptr), values(nullptr, nullptr);
    if (Status st = checkCuda(cub::DeviceRadixSort::SortPairs(nullptr, sortBytes, keys, values,
                                                              count, 0, endBit, compute_),
                              "cub::DeviceRadixSort::SortPairs");
        !st.ok())
      return st;
  }
  // Four int arrays (keys and positions, double-buffered) then CUB's scratch, 256-byte aligned.
  const size_t arrayBytes = (static_cast<size_t>(n) * sizeof(int) + 255) / 256 * 256;
  void *scratch = nullptr;
  if (Status st = allocator_.allocate(4 * arrayBytes + sortBytes, &scratch); !st.ok())
    return st;
  char *bytes = static_cast<char *>(scratch);
  int *k0 = reinterpret_cast<int *>(bytes), *k1 = reinterpret_cast<int *>(bytes + arrayBytes);
  int *p0 = reinterpret_cast<int *>(bytes + 2 * arrayBytes);
  int *p1 = reinterpret_cast<int *>(bytes + 3 * arrayBytes);
  cub::DoubleBuffer<int> keys(k0, k1), positions(p0, p1);
  embeddingKeysKernel<<<gridFor(n), kBlock, 0, compute_>>>(n, localVocab, vocabOffset, ids, k0, p0);
  Status st = launched("embeddingKeysKernel");
  if (st.ok())
    st = checkCuda(cub::DeviceRadixSort::SortPairs(bytes + 4 * arrayBytes, sortBytes, keys,
                                                   positions, count, 0, endBit, compute_),
                   "cub::DeviceRadixSort::SortPairs");
  if (st.ok()) {
    embeddingRunsKernel<<<blocksFor(n), rowBlock(row), 0, compute_>>>(
        n, localVocab, row, keys.Current(), positions.Current(), grad, tableGrad);
    st = launched("embeddingRunsKernel");
  }
  // Safe to reuse at once: every later user of the block is queued behind these kernels.
  allocator_.release(scratch);
  return st;
}

Status CudaDevice::oneHot(int64_t outer, int64_t classes, int64_t inner, int64_t classOffset,
                          const void *in, bool inIsInt, float *out) {
  const int64_t count = outer * classes * inner;
  if (count == 0)
    return Status::success();
  if (inIsInt)
    oneHotKernel<true>
        <<<gridFor(count), kBlock, 0, compute_>>>(outer, classes, inner, classOffset, in, out);
  else
    oneHotKernel<false>
        <<<gridFor(count), kBlock, 0, compute_>>>(outer, classes, inner, classOffset, in, out);
  return launched("oneHotKernel");
}

Status CudaDevice::argmax(int64_t outer, int64_t n, int64_t inner, const float *in, int32_t *out) {
  const int64_t lines = outer * inner;
  if (lines == 0)
    return Status::success();
  if (n == 0)
    return Status::error(MESHRT_INVALID_ARGUMENT, "argmax over an empty dim");
  if (blockPerLine(lines, n, inner)) {
    argmaxBlockKernel<<<blocksFor(lines), lineBlock(n), 0, compute_>>>(lines, n, inner, in, out);
    return launched("argmaxBlockKernel");
  }
  argmaxThreadKernel<<<gridFor(lines), kBlock, 0, compute_>>>(lines, n, inner, in, out);
  return launched("argmaxThreadKernel");
}

Status CudaDevice::cumsum(int64_t outer, int64_t n, int64_t inner, bool exclusive, bool reverse,
                          const float *in, float *out) {
  const int64_t lines = outer * inner;
  if (lines == 0 || n == 0)
    return Status::success();
  // Long lines, too few to fill the GPU a thread each: the block scan.
  if (n >= 256 && lines < 4096) {
    cumsumBlockKernel<<<blocksFor(lines), 256, 0, compute_>>>(lines, n, inner, exclusive, reverse,
                                                              in, out);
    return launched("cumsumBlockKernel");
  }
  cumsumThreadKernel<<<gridFor(lines), kBlock, 0, compute_>>>(lines, n, inner, exclusive, reverse,
                                                              in, out);
  return launched("cumsumThreadKernel");
}

Status CudaDevice::copyWindow(int64_t outer, int64_t inner, const void *in, int64_t inN,
                              int64_t inStart, void *out, int64_t outN, int64_t outStart,
                              int64_t len, int elemSize) {
  if (outer * len * inner == 0)
    return Status::success();
  // Rows of whole 32-bit words when elements are, else of bytes; offsets scale the same way.
  const bool words = elemSize % 4 == 0;
  const int64_t unit = words ? elemSize / 4 : elemSize;
  const int64_t span = inner * unit; // units per index of the windowed dim
  const int64_t units = len * span;
  const unsigned grid = gridFor(outer * units);
  if (words)
    copyWindowKernel<uint32_t><<<grid, kBlock, 0, compute_>>>(
        outer, units, static_cast<const uint32_t *>(in), inN * span, inStart * span,
        static_cast<uint32_t *>(out), outN * span, outStart * span);
  else
    copyWindowKernel<uint8_t><<<grid, kBlock, 0, compute_>>>(
        outer, units, static_cast<const uint8_t *>(in), inN * span, inStart * span,
        static_cast<uint8_t *>(out), outN * span, outStart * span);
  return launched("copyWindowKernel");
}

} // namespace meshrt::cuda
