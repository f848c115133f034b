// softmax_xent.cu — CUDA softmax cross-entropy and its gradient over [outer, classes, inner].
//
// As on the CPU: logits shifted by their maximum, loss = log-sum-exp + max - logit[label]. Each
// (outer, inner) position is a line of `classes` logits `inner` apart, taken by a block when
// long (vocabularies) and by a thread otherwise (block_reduce.cuh); the thread form is the
// CPU's loop. A label outside [0, classes) fails the call as on the CPU: its position is left
// unwritten and a flag is read back, which costs a stream synchronisation per call.
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/block_reduce.cuh"

#include <cmath>

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

// Max and log(sum(exp(x - max))) over a line: the CPU's sequential loop.
__device__ inline void lineLogSumExp(const float *x, int64_t classes, int64_t stride, float *max,
                                     float *lse) {
  float m = x[0];
  for (int64_t c = 1; c < classes; ++c)
    m = x[c * stride] > m ? x[c * stride] : m;
  float sum = 0.0f;
  for (int64_t c = 0; c < classes; ++c)
    sum += expf(x[c * stride] - m);
  *max = m;
  *lse = logf(sum);
}

// The same over the block's threads; every thread gets the results. A NaN anywhere makes the
// sum NaN here and on the CPU, so the NaN-ignoring max changes nothing.
__device__ inline void blockLogSumExp(const float *x, int64_t classes, int64_t stride, float *max,
                                      float *lse) {
  float m = -INFINITY;
  for (int64_t c = threadIdx.x; c < classes; c += blockDim.x)
    m = fmaxf(m, x[c * stride]);
  m = blockReduce(m, MaxOp(), -INFINITY);
  double sum = 0.0;
  for (int64_t c = threadIdx.x; c < classes; c += blockDim.x)
    sum += expf(x[c * stride] - m);
  sum = blockReduce(sum, SumOp(), 0.0);
  *max = m;
  *lse = logf(static_cast<float>(sum));
}

__device__ inline bool validLabel(int32_t label, int64_t classes) {
  return label >= 0 && label < classes;
}

// dx = softmax * g, and g less at the label: two roundings, as the CPU's dx = e * g; dx -= g.
__device__ inline float gradAt(float x, float shift, float g, bool isLabel) {
  const float d = __fmul_rn(expf(x - shift), g);
  return isLabel ? __fsub_rn(d, g) : d;
}

__global__ void xentThreadKernel(int64_t outer, int64_t classes, int64_t inner, const float *logits,
                                 const int32_t *labels, float *loss, int *badLabel) {
  const int64_t positions = outer * inner;
  for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < positions;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = p / inner, i = p - o * inner;
    const float *x = logits + o * classes * inner + i;
    const int32_t label = labels[p];
    if (!validLabel(label, classes)) {
      *badLabel = 1;
      continue;
    }
    float m, lse;
    lineLogSumExp(x, classes, inner, &m, &lse);
    loss[p] = lse + m - x[label * inner];
  }
}

__global__ void xentBlockKernel(int64_t outer, int64_t classes, int64_t inner, const float *logits,
                                const int32_t *labels, float *loss, int *badLabel) {
  const int64_t positions = outer * inner;
  for (int64_t p = blockIdx.x; p < positions; p += gridDim.x) {
    const int64_t o = p / inner, i = p - o * inner;
    const float *x = logits + o * classes * inner + i;
    const int32_t label = labels[p];
    if (!validLabel(label, classes)) { // the same for the whole block
      if (threadIdx.x == 0)
        *badLabel = 1;
      continue;
    }
    float m, lse;
    blockLogSumExp(x, classes, inner, &m, &lse);
    if (threadIdx.x == 0)
      loss[p] = lse + m - x[label * inner];
  }
}

__global__ void xentGradThreadKernel(int64_t outer, int64_t classes, int64_t inner,
                                     const float *logits, const int32_t *labels, const float *dloss,
                                     float *dlogits, int *badLabel) {
  const int64_t positions = outer * inner;
  for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < positions;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = p / inner, i = p - o * inner;
    const int64_t base = o * classes * inner + i;
    const float *x = logits + base;
    float *dx = dlogits + base;
    const int32_t label = labels[p];
    if (!validLabel(label, classes)) {
      *badLabel = 1;
      continue;
    }
    float m, lse;
    lineLogSumExp(x, classes, inner, &m, &lse);
    const float g = dloss[p];
    const float shift = m + lse;
    for (int64_t c = 0; c < classes; ++c)
      dx[c * inner] = gradAt(x[c * inner], shift, g, c == label);
  }
}

__global__ void xentGradBlockKernel(int64_t outer, int64_t classes, int64_t inner,
                                    const float *logits, const int32_t *labels, const float *dloss,
                                    float *dlogits, int *badLabel) {
  const int64_t positions = outer * inner;
  for (int64_t p = blockIdx.x; p < positions; p += gridDim.x) {
    const int64_t o = p / inner, i = p - o * inner;
    const int64_t base = o * classes * inner + i;
    const float *x = logits + base;
    float *dx = dlogits + base;
    const int32_t label = labels[p];
    if (!validLabel(label, classes)) { // the same for the whole block
      if (threadIdx.x == 0)
        *badLabel = 1;
      continue;
    }
    float m, lse;
    blockLogSumExp(x, classes, inner, &m, &lse);
    const float g = dloss[p];
    const float shift = m + lse;
    for (int64_t c = threadIdx.x; c < classes; c += blockDim.x)
      dx[c * inner] = gradAt(x[c * inner], shift, g, c == label);
  }
}

} // namespace

namespace meshrt::cuda {

// Runs `launch(flag)` with a zeroed device flag that the kernels set on a bad label, then waits
// for it: the CPU reports bad labels from the call itself.
template <typename F>
static Status withLabelCheck(CachingAllocator &allocator, cudaStream_t stream, int64_t classes,
                             F &&launch) {
  int *flag = nullptr;
  if (Status st = allocator.allocate(sizeof(int), reinterpret_cast<void **>(&flag)); !st.ok())
    return st;
  Status st = checkCuda(cudaMemsetAsync(flag, 0, sizeof(int), stream), "cudaMemsetAsync");
  if (st.ok())
    st = launch(flag);
  int bad = 0;
  if (st.ok())
    st = checkCuda(cudaMemcpyAsync(&bad, flag, sizeof(int), cudaMemcpyDeviceToHost, stream),
                   "cudaMemcpyAsync");
  if (st.ok())
    st = checkCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  // After the synchronisation, or behind the kernels on the stream when it was skipped.
  allocator.release(flag);
  if (st.ok() && bad)
    st = Status::error(MESHRT_INVALID_ARGUMENT,
                       strformat("softmax cross-entropy label outside [0, %lld)",
                                 static_cast<long long>(classes)));
  return st;
}

Status CudaDevice::softmaxXent(int64_t outer, int64_t classes, int64_t inner, const float *logits,
                               const int32_t *labels, float *loss) {
  const int64_t positions = outer * inner;
  if (positions == 0)
    return Status::success();
  return withLabelCheck(allocator_, compute_, classes, [&](int *flag) {
    if (blockPerLine(positions, classes, inner)) {
      xentBlockKernel<<<blocksFor(positions), lineBlock(classes), 0, compute_>>>(
          outer, classes, inner, logits, labels, loss, flag);
      return launched("xentBlockKernel");
    }
    xentThreadKernel<<<gridFor(positions), kBlock, 0, compute_>>>(outer, classes, inner, logits,
                                                                  labels, loss, flag);
    return launched("xentThreadKernel");
  });
}

Status CudaDevice::softmaxXentGrad(int64_t outer, int64_t classes, int64_t inner,
                                   const float *logits, const int32_t *labels, const float *dloss,
                                   float *dlogits) {
  const int64_t positions = outer * inner;
  if (positions == 0)
    return Status::success();
  return withLabelCheck(allocator_, compute_, classes, [&](int *flag) {
    if (blockPerLine(positions, classes, inner)) {
      xentGradBlockKernel<<<blocksFor(positions), lineBlock(classes), 0, compute_>>>(
          outer, classes, inner, logits, labels, dloss, dlogits, flag);
      return launched("xentGradBlockKernel");
    }
    xentGradThreadKernel<<<gridFor(positions), kBlock, 0, compute_>>>(outer, classes, inner, logits,
                                                                      labels, dloss, dlogits, flag);
    return launched("xentGradThreadKernel");
  });
}

} // namespace meshrt::cuda
