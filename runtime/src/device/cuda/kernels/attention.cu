// attention.cu — fused attention on the GPU (meshrt_attention and its adjoint): one thread block
// per query row, the keys walked in chunks of kChunk whose scores live in shared memory, with
// the online softmax of the CPU kernel (kernels/cpu/attention.cpp), so the [sq, sk] scores are
// never stored. A first version for correctness (the GPU tests compare it with the CPU kernel):
// dot products by CUDA cores, no tiling over queries and no tensor cores.
//
// The backward recomputes each row's probabilities from its saved log-sum-exp and adds the
// rows' contributions to dK and dV with atomicAdd (so dK and dV depend on the order the rows
// finish in, within fp32 rounding; dQ is one block's own sum and deterministic). Dropout draws
// P's elements by global index with data/random.h's functions, as meshrt_dropout does.
#include "data/random.h"
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/block_reduce.cuh"
#include "kernels/attention_shape.h"

#include <cmath>

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

constexpr int kThreads = 128;
constexpr int kChunk = 512;
// Shared memory a row's block may use: the chunk's scores plus the row vectors.
constexpr int64_t kSharedBytes = 48 * 1024;

__device__ inline int64_t visibleKeys(const AttentionShape &a, int64_t i) {
  if (!a.causal)
    return a.sk;
  const int64_t n = a.queryOffset + i + 1;
  return n < 0 ? 0 : n > a.sk ? a.sk : n;
}

__device__ inline float dropoutFactor(const AttentionShape &a, int64_t flat) {
  if (a.rate <= 0.0f)
    return 1.0f;
  const float u = random::uniform01(random::hashAt(a.prefix, static_cast<uint64_t>(flat)));
  return u >= a.rate ? 1.0f / (1.0f - a.rate) : 0.0f;
}

// Shared memory: scores[kChunk], qRow[d], acc[dv].
__global__ void attentionKernel(AttentionShape a, const float *q, const float *k, const float *v,
                                float *out, float *lse) {
  extern __shared__ float shared[];
  float *scores = shared, *qRow = shared + kChunk, *acc = qRow + a.d;
  for (int64_t row = blockIdx.x; row < a.outer * a.sq; row += gridDim.x) {
    const int64_t o = row / a.sq, i = row - o * a.sq;
    const float *ko = k + o * a.sk * a.d, *vo = v + o * a.sk * a.dv;
    for (int64_t e = threadIdx.x; e < a.d; e += blockDim.x)
      qRow[e] = q[row * a.d + e];
    for (int64_t e = threadIdx.x; e < a.dv; e += blockDim.x)
      acc[e] = 0.0f;
    __syncthreads();
    const int64_t keys = visibleKeys(a, i);
    const int64_t flat = a.globalIndex(o) + i * a.queryStride();
    float m = -INFINITY, l = 0.0f;
    for (int64_t j0 = 0; j0 < keys; j0 += kChunk) {
      const int64_t n = keys - j0 < kChunk ? keys - j0 : kChunk;
      float chunkMax = -INFINITY;
      for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
        const float *kr = ko + (j0 + j) * a.d;
        float s = 0.0f;
        for (int64_t e = 0; e < a.d; ++e)
          s += qRow[e] * kr[e];
        scores[j] = s;
        chunkMax = fmaxf(chunkMax, s);
      }
      const float mNew = fmaxf(m, blockReduce(chunkMax, MaxOp(), -INFINITY));
      const float alpha = m == -INFINITY ? 0.0f : expf(m - mNew);
      double sum = 0.0;
      for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
        const float p = expf(scores[j] - mNew);
        sum += p;
        scores[j] = p * dropoutFactor(a, flat + (j0 + j) * a.keyStride());
      }
      l = l * alpha + static_cast<float>(blockReduce(sum, SumOp(), 0.0));
      m = mNew;
      __syncthreads(); // scores complete
      for (int64_t e = threadIdx.x; e < a.dv; e += blockDim.x) {
        float t = 0.0f;
        for (int64_t j = 0; j < n; ++j)
          t += scores[j] * vo[(j0 + j) * a.dv + e];
        acc[e] = acc[e] * alpha + t;
      }
      __syncthreads(); // before the next chunk overwrites scores
    }
    for (int64_t e = threadIdx.x; e < a.dv; e += blockDim.x)
      out[row * a.dv + e] = acc[e] / l;
    if (threadIdx.x == 0)
      lse[row] = m + logf(l);
    __syncthreads();
  }
}

// Shared memory: ds[kChunk], pd[kChunk], qRow[d], doRow[dv], dqRow[d].
__global__ void attentionGradKernel(AttentionShape a, const float *q, const float *k,
                                    const float *v, const float *out, const float *lse,
                                    const float *dout, float *dq, float *dk, float *dv) {
  extern __shared__ float shared[];
  float *ds = shared, *pd = ds + kChunk, *qRow = pd + kChunk, *doRow = qRow + a.d,
        *dqRow = doRow + a.dv;
  for (int64_t row = blockIdx.x; row < a.outer * a.sq; row += gridDim.x) {
    const int64_t o = row / a.sq, i = row - o * a.sq;
    const float *ko = k + o * a.sk * a.d, *vo = v + o * a.sk * a.dv;
    float *dko = dk + o * a.sk * a.d, *dvo = dv + o * a.sk * a.dv;
    double dot = 0.0; // D = dout . out of this row
    for (int64_t e = threadIdx.x; e < a.dv; e += blockDim.x) {
      doRow[e] = dout[row * a.dv + e];
      dot += static_cast<double>(doRow[e]) * out[row * a.dv + e];
    }
    for (int64_t e = threadIdx.x; e < a.d; e += blockDim.x) {
      qRow[e] = q[row * a.d + e];
      dqRow[e] = 0.0f;
    }
    const float rowDot = static_cast<float>(blockReduce(dot, SumOp(), 0.0));
    __syncthreads();
    const float rowLse = lse[row];
    const int64_t keys = visibleKeys(a, i);
    const int64_t flat = a.globalIndex(o) + i * a.queryStride();
    for (int64_t j0 = 0; j0 < keys; j0 += kChunk) {
      const int64_t n = keys - j0 < kChunk ? keys - j0 : kChunk;
      for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
        const float *kr = ko + (j0 + j) * a.d, *vr = vo + (j0 + j) * a.dv;
        float s = 0.0f, dpd = 0.0f;
        for (int64_t e = 0; e < a.d; ++e)
          s += qRow[e] * kr[e];
        for (int64_t e = 0; e < a.dv; ++e)
          dpd += doRow[e] * vr[e];
        const float p = expf(s - rowLse);
        const float keep = dropoutFactor(a, flat + (j0 + j) * a.keyStride());
        pd[j] = p * keep;
        ds[j] = p * (dpd * keep - rowDot);
      }
      __syncthreads();
      for (int64_t e = threadIdx.x; e < a.d; e += blockDim.x) {
        float t = 0.0f;
        for (int64_t j = 0; j < n; ++j)
          t += ds[j] * ko[(j0 + j) * a.d + e];
        dqRow[e] += t;
      }
      for (int64_t x = threadIdx.x; x < n * a.d; x += blockDim.x) {
        const int64_t j = x / a.d, e = x - j * a.d;
        atomicAdd(&dko[(j0 + j) * a.d + e], ds[j] * qRow[e]);
      }
      for (int64_t x = threadIdx.x; x < n * a.dv; x += blockDim.x) {
        const int64_t j = x / a.dv, e = x - j * a.dv;
        atomicAdd(&dvo[(j0 + j) * a.dv + e], pd[j] * doRow[e]);
      }
      __syncthreads();
    }
    for (int64_t e = threadIdx.x; e < a.d; e += blockDim.x)
      dq[row * a.d + e] = dqRow[e];
    __syncthreads();
  }
}

Status sharedFits(int64_t bytes, const AttentionShape &a) {
  if (bytes <= kSharedBytes)
    return Status::success();
  return Status::error(MESHRT_INVALID_ARGUMENT,
                       "attention on CUDA: d " + std::to_string(a.d) + " and dv " +
                           std::to_string(a.dv) +
                           " need more shared memory than a block has (this kernel keeps a "
                           "query row, its gradient and a chunk of scores there)");
}

} // namespace

namespace meshrt::cuda {

Status CudaDevice::attention(const AttentionShape &a, const float *q, const float *k,
                             const float *v, float *out, float *lse) {
  const int64_t rows = a.outer * a.sq;
  if (rows == 0)
    return Status::success();
  const int64_t bytes = (kChunk + a.d + a.dv) * 4;
  if (Status s = sharedFits(bytes, a); !s.ok())
    return s;
  attentionKernel<<<blocksFor(rows), kThreads, static_cast<size_t>(bytes), compute_>>>(a, q, k, v,
                                                                                       out, lse);
  return launched("attentionKernel");
}

Status CudaDevice::attentionGrad(const AttentionShape &a, const float *q, const float *k,
                                 const float *v, const float *out, const float *lse,
                                 const float *dout, float *dq, float *dk, float *dv) {
  if (Status s = fill(a.outer * a.sk * a.d, dk, 0.0f); !s.ok())
    return s;
  if (Status s = fill(a.outer * a.sk * a.dv, dv, 0.0f); !s.ok())
    return s;
  const int64_t rows = a.outer * a.sq;
  if (rows == 0)
    return Status::success();
  const int64_t bytes = (2 * kChunk + 2 * a.d + a.dv) * 4;
  if (Status s = sharedFits(bytes, a); !s.ok())
    return s;
  attentionGradKernel<<<blocksFor(rows), kThreads, static_cast<size_t>(bytes), compute_>>>(
      a, q, k, v, out, lse, dout, dq, dk, dv);
  return launched("attentionGradKernel");
}

} // namespace meshrt::cuda
