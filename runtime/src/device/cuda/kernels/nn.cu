// nn.cu — CUDA kernels of the NN family: layer norm and its adjoint, GELU and its adjoint,
// softmax over one dim, the causal mask and dropout.
//
// Layer norm and softmax treat each (outer, inner) line of [outer, n, inner] on its own: a block
// per line when lines are long, a thread per line otherwise (block_reduce.cuh). The thread form
// is the CPU's loop, with the statistics in double as there. GELU evaluates the CPU's own tanh
// (a Cephes exp polynomial) with explicitly rounded operations, so that nvcc's FMA contraction
// cannot make it differ: GPU and CPU activations are bit-identical. The causal mask and dropout
// map each local element to its GLOBAL coordinates through the rank's Slice; dropout hashes the
// global flat index with data/random.h's functions, so its mask is the CPU's bit for bit.
#include "data/random.h"
#include "data/slice_desc.h"
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/block_reduce.cuh"
#include "device/cuda/kernels/gelu.cuh"
#include "device/cuda/kernels/grid.cuh"

#include <cmath>

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

// ---- layer norm

// Mean and 1/sqrt(var + eps) from the line's sums in double, as the CPU's lineStats.
__device__ inline void finishStats(double sum, double sq, int64_t n, float epsilon, float *mean,
                                   float *invSigma) {
  *mean = static_cast<float>(sum / double(n));
  *invSigma = static_cast<float>(1.0 / sqrt(sq / double(n) + double(epsilon)));
}

// The CPU's lineStats: sequential double sums, no contraction.
__device__ inline void threadLineStats(const float *x, int64_t n, int64_t stride, float epsilon,
                                       float *mean, float *invSigma) {
  double sum = 0;
  for (int64_t k = 0; k < n; ++k)
    sum = __dadd_rn(sum, x[k * stride]);
  const double mu = sum / double(n);
  double var = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double d = __dsub_rn(x[k * stride], mu);
    var = __dadd_rn(var, __dmul_rn(d, d));
  }
  finishStats(sum, var, n, epsilon, mean, invSigma);
}

// Two passes over the line as on the CPU (mean, then squared deviations), summed by the block.
__device__ inline void blockLineStats(const float *x, int64_t n, int64_t stride, float epsilon,
                                      float *mean, float *invSigma) {
  double sum = 0;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
    sum += x[k * stride];
  sum = blockReduce(sum, SumOp(), 0.0);
  const double mu = sum / double(n);
  double var = 0;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
    const double d = x[k * stride] - mu;
    var += d * d;
  }
  var = blockReduce(var, SumOp(), 0.0);
  finishStats(sum, var, n, epsilon, mean, invSigma);
}

__global__ void layerNormThreadKernel(int64_t lines, int64_t n, int64_t inner, float epsilon,
                                      const float *x, float *y) {
  for (int64_t l = firstIndex(); l < lines; l += gridStride()) {
    const int64_t base = lineBase(l, n, inner);
    float mean, invSigma;
    threadLineStats(x + base, n, inner, epsilon, &mean, &invSigma);
    for (int64_t k = 0; k < n; ++k)
      y[base + k * inner] = (x[base + k * inner] - mean) * invSigma;
  }
}

__global__ void layerNormBlockKernel(int64_t lines, int64_t n, int64_t inner, float epsilon,
                                     const float *x, float *y) {
  for (int64_t l = blockIdx.x; l < lines; l += gridDim.x) {
    const int64_t base = lineBase(l, n, inner);
    float mean, invSigma;
    blockLineStats(x + base, n, inner, epsilon, &mean, &invSigma);
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
      y[base + k * inner] = (x[base + k * inner] - mean) * invSigma;
  }
}

// dx = (dy - mean(dy) - y * mean(dy * y)) * invSigma with the CPU's roundings.
__device__ inline float layerNormDx(float x, float dy, float mean, float invSigma, float meanDy,
                                    float meanDyY) {
  const float yk = __fmul_rn(__fsub_rn(x, mean), invSigma);
  return __fmul_rn(__fsub_rn(__fsub_rn(dy, meanDy), __fmul_rn(yk, meanDyY)), invSigma);
}

// The term of sum(dy * y) for one element: y rounded to float first, as on the CPU.
__device__ inline double dyTimesY(float x, float dy, float mean, float invSigma) {
  return __dmul_rn(double(dy), double(__fmul_rn(__fsub_rn(x, mean), invSigma)));
}

// With an addend (meshc.layer_norm_grad_add) the result is the adjoint plus addend[at], read
// just before dx[at] is written (dx may be addend).
__device__ inline float plusAddend(float v, const float *addend, int64_t at) {
  return addend ? __fadd_rn(v, addend[at]) : v;
}

__global__ void layerNormGradThreadKernel(int64_t lines, int64_t n, int64_t inner, float epsilon,
                                          const float *x, const float *dy, const float *addend,
                                          float *dx) {
  for (int64_t l = firstIndex(); l < lines; l += gridStride()) {
    const int64_t base = lineBase(l, n, inner);
    float mean, invSigma;
    threadLineStats(x + base, n, inner, epsilon, &mean, &invSigma);
    double sumDy = 0, sumDyY = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * inner;
      sumDy = __dadd_rn(sumDy, dy[at]);
      sumDyY = __dadd_rn(sumDyY, dyTimesY(x[at], dy[at], mean, invSigma));
    }
    const float meanDy = static_cast<float>(sumDy / double(n));
    const float meanDyY = static_cast<float>(sumDyY / double(n));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * inner;
      dx[at] = plusAddend(layerNormDx(x[at], dy[at], mean, invSigma, meanDy, meanDyY), addend, at);
    }
  }
}

__global__ void layerNormGradBlockKernel(int64_t lines, int64_t n, int64_t inner, float epsilon,
                                         const float *x, const float *dy, const float *addend,
                                         float *dx) {
  for (int64_t l = blockIdx.x; l < lines; l += gridDim.x) {
    const int64_t base = lineBase(l, n, inner);
    float mean, invSigma;
    blockLineStats(x + base, n, inner, epsilon, &mean, &invSigma);
    double sumDy = 0, sumDyY = 0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const int64_t at = base + k * inner;
      sumDy += dy[at];
      sumDyY += dyTimesY(x[at], dy[at], mean, invSigma);
    }
    sumDy = blockReduce(sumDy, SumOp(), 0.0);
    sumDyY = blockReduce(sumDyY, SumOp(), 0.0);
    const float meanDy = static_cast<float>(sumDy / double(n));
    const float meanDyY = static_cast<float>(sumDyY / double(n));
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const int64_t at = base + k * inner;
      dx[at] = plusAddend(layerNormDx(x[at], dy[at], mean, invSigma, meanDy, meanDyY), addend, at);
    }
  }
}

// ---- GELU (gelu.cuh)

__global__ void geluKernel(int64_t count, const float *x, float *y) {
  for (int64_t i = firstIndex(); i < count; i += gridStride()) {
    const float v = x[i];
    y[i] = __fmul_rn(__fmul_rn(0.5f, v), __fadd_rn(1.0f, geluTanh(v)));
  }
}

__global__ void geluGradKernel(int64_t count, const float *x, const float *dy, float *dx) {
  for (int64_t i = firstIndex(); i < count; i += gridStride()) {
    const float v = x[i];
    const float t = geluTanh(v);
    // 0.5 (1 + t) + 0.5 v (1 - t^2) c (1 + 3 a v^2), left to right as on the CPU.
    const float left = __fmul_rn(0.5f, __fadd_rn(1.0f, t));
    const float poly = __fadd_rn(1.0f, __fmul_rn(__fmul_rn(__fmul_rn(3.0f, kGeluA), v), v));
    const float right = __fmul_rn(
        __fmul_rn(__fmul_rn(__fmul_rn(0.5f, v), __fsub_rn(1.0f, __fmul_rn(t, t))), kGeluC), poly);
    dx[i] = __fmul_rn(__fadd_rn(left, right), dy[i]);
  }
}

// ---- softmax

__global__ void softmaxThreadKernel(int64_t lines, int64_t n, int64_t inner, const float *x,
                                    float *y) {
  for (int64_t l = firstIndex(); l < lines; l += gridStride()) {
    const int64_t base = lineBase(l, n, inner);
    float m = x[base];
    for (int64_t k = 1; k < n; ++k)
      m = x[base + k * inner] > m ? x[base + k * inner] : m;
    float sum = 0.0f;
    for (int64_t k = 0; k < n; ++k) {
      const float e = expf(x[base + k * inner] - m);
      y[base + k * inner] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
    for (int64_t k = 0; k < n; ++k)
      y[base + k * inner] *= inv;
  }
}

// A NaN anywhere in a line makes its sum, so every output, NaN here and on the CPU: the
// NaN-ignoring max changes nothing. Each thread rescales the elements it wrote itself.
__global__ void softmaxBlockKernel(int64_t lines, int64_t n, int64_t inner, const float *x,
                                   float *y) {
  for (int64_t l = blockIdx.x; l < lines; l += gridDim.x) {
    const int64_t base = lineBase(l, n, inner);
    float m = -INFINITY;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
      m = fmaxf(m, x[base + k * inner]);
    m = blockReduce(m, MaxOp(), -INFINITY);
    double sum = 0.0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const float e = expf(x[base + k * inner] - m);
      y[base + k * inner] = e;
      sum += e;
    }
    const float inv = 1.0f / static_cast<float>(blockReduce(sum, SumOp(), 0.0));
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
      y[base + k * inner] *= inv;
  }
}

// ---- causal mask and dropout

// Where the query and key coordinates of local element L are: (L / div) % size + offset.
struct MaskDims {
  int64_t divQ, sizeQ, offsetQ;
  int64_t divK, sizeK, offsetK;
};

__global__ void causalMaskKernel(int64_t count, MaskDims m, float value, const float *in,
                                 float *out) {
  for (int64_t i = firstIndex(); i < count; i += gridStride()) {
    const int64_t q = i / m.divQ % m.sizeQ + m.offsetQ;
    const int64_t k = i / m.divK % m.sizeK + m.offsetK;
    out[i] = k > q ? value : in[i];
  }
}

__global__ void dropoutKernel(int64_t count, Slice s, uint64_t prefix, float rate, float scale,
                              const float *in, float *out) {
  for (int64_t i = firstIndex(); i < count; i += gridStride()) {
    // The row-major global index of local element i.
    int64_t rem = i, flat = 0;
    for (int d = s.ndims - 1; d > 0; --d) {
      const int64_t q = rem / s.local[d];
      flat += (rem - q * s.local[d] + s.offset[d]) * s.globalStride[d];
      rem = q;
    }
    if (s.ndims > 0)
      flat += (rem + s.offset[0]) * s.globalStride[0];
    const float u = random::uniform01(random::hashAt(prefix, static_cast<uint64_t>(flat)));
    out[i] = u >= rate ? in[i] * scale : 0.0f;
  }
}

} // namespace

namespace meshrt::cuda {

Status CudaDevice::layerNorm(int64_t outer, int64_t n, int64_t inner, float epsilon, const float *x,
                             float *y) {
  const int64_t lines = outer * inner;
  if (lines == 0)
    return Status::success();
  if (blockPerLine(lines, n, inner)) {
    layerNormBlockKernel<<<blocksFor(lines), lineBlock(n), 0, compute_>>>(lines, n, inner, epsilon,
                                                                          x, y);
    return launched("layerNormBlockKernel");
  }
  layerNormThreadKernel<<<gridFor(lines), kBlock, 0, compute_>>>(lines, n, inner, epsilon, x, y);
  return launched("layerNormThreadKernel");
}

Status CudaDevice::layerNormGrad(int64_t outer, int64_t n, int64_t inner, float epsilon,
                                 const float *x, const float *dy, float *dx) {
  return layerNormGradAdd(outer, n, inner, epsilon, x, dy, nullptr, dx);
}

Status CudaDevice::layerNormGradAdd(int64_t outer, int64_t n, int64_t inner, float epsilon,
                                    const float *x, const float *dy, const float *addend,
                                    float *dx) {
  const int64_t lines = outer * inner;
  if (lines == 0)
    return Status::success();
  if (blockPerLine(lines, n, inner)) {
    layerNormGradBlockKernel<<<blocksFor(lines), lineBlock(n), 0, compute_>>>(
        lines, n, inner, epsilon, x, dy, addend, dx);
    return launched("layerNormGradBlockKernel");
  }
  layerNormGradThreadKernel<<<gridFor(lines), kBlock, 0, compute_>>>(lines, n, inner, epsilon, x,
                                                                     dy, addend, dx);
  return launched("layerNormGradThreadKernel");
}

Status CudaDevice::gelu(int64_t count, const float *x, float *y) {
  if (count == 0)
    return Status::success();
  geluKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, x, y);
  return launched("geluKernel");
}

Status CudaDevice::geluGrad(int64_t count, const float *x, const float *dy, float *dx) {
  if (count == 0)
    return Status::success();
  geluGradKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, x, dy, dx);
  return launched("geluGradKernel");
}

Status CudaDevice::softmax(int64_t outer, int64_t n, int64_t inner, const float *x, float *y) {
  const int64_t lines = outer * inner;
  if (lines == 0)
    return Status::success();
  if (blockPerLine(lines, n, inner)) {
    softmaxBlockKernel<<<blocksFor(lines), lineBlock(n), 0, compute_>>>(lines, n, inner, x, y);
    return launched("softmaxBlockKernel");
  }
  softmaxThreadKernel<<<gridFor(lines), kBlock, 0, compute_>>>(lines, n, inner, x, y);
  return launched("softmaxThreadKernel");
}

Status CudaDevice::causalMask(const Slice &slice, int queryDim, int keyDim, float value,
                              const float *in, float *out) {
  const int64_t count = slice.localCount();
  if (count == 0)
    return Status::success();
  // Local element L has coordinate (L / prod(local[d+1..])) % local[d] in dim d.
  auto divisor = [&](int dim) {
    int64_t div = 1;
    for (int d = dim + 1; d < slice.ndims; ++d)
      div *= slice.local[d];
    return div;
  };
  const MaskDims m = {divisor(queryDim), slice.local[queryDim], slice.offset[queryDim],
                      divisor(keyDim),   slice.local[keyDim],   slice.offset[keyDim]};
  causalMaskKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, m, value, in, out);
  return launched("causalMaskKernel");
}

Status CudaDevice::dropout(const Slice &slice, uint64_t prefix, float rate, const float *in,
                           float *out) {
  const int64_t count = slice.localCount();
  if (count == 0)
    return Status::success();
  const float scale = 1.0f / (1.0f - rate);
  dropoutKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, slice, prefix, rate, scale, in,
                                                         out);
  return launched("dropoutKernel");
}

} // namespace meshrt::cuda
