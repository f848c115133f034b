// nn.cpp — CPU kernels of the NN family: layer norm and its adjoint (alone, and plus another
// adjoint: meshc.layer_norm_grad_add), GELU and its adjoint (as
// oneDNN eltwise primitives, eltwise_primitives.h), softmax over one dim, the causal mask and
// dropout.
//
// Layer norm and softmax view their tensor as [outer, n, inner] and treat each (outer, inner)
// line independently (threads split the outer dim). The causal mask and dropout depend on
// where this rank's slice lies in the global tensor: they take the GLOBAL shape and the mesh
// axis of each dim (like meshrt_init_param) and work on global indices, so every layout
// computes the same global result.
#include "abi_call.h"
#include "data/random.h"
#include "data/slice.h"
#include "device/device.h"
#include "kernels/cpu/cpu_clones.h"
#include "kernels/cpu/eltwise_primitives.h"
#include "kernels/cpu/nn_math.h"
#include "kernels/cpu/strided.h"

#include <cmath>
#include <cstring>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

// [outer, n, inner] with non-empty lines.
bool checkLines(AbiCall &call, int64_t outer, int64_t n, int64_t inner) {
  return call.require(n > 0, "n must be positive") && call.fits({outer, n, inner}, 4);
}

// f(base, stride) for every line of [outer, n, inner]; base is the offset of its element 0.
template <typename F> void forLines(int64_t outer, int64_t n, int64_t inner, F &&f) {
  const int threads = threadsFor(outer * n * inner);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      f(o * n * inner + i, inner);
}

// lineStats of a contiguous line, vectorised.
MESHRT_CPU_CLONES void statsContiguous(const float *x, int64_t n, float epsilon, float *mean,
                                       float *invSigma) {
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t k = 0; k < n; ++k)
    sum += x[k];
  const double mu = sum / double(n);
  double var = 0;
#pragma omp simd reduction(+ : var)
  for (int64_t k = 0; k < n; ++k) {
    const double d = x[k] - mu;
    var += d * d;
  }
  *mean = static_cast<float>(mu);
  *invSigma = static_cast<float>(1.0 / std::sqrt(var / double(n) + double(epsilon)));
}

// y[k] = (x[k] - mean) * invSigma.
MESHRT_CPU_CLONES void normalise(const float *x, int64_t n, float mean, float invSigma, float *y) {
  for (int64_t k = 0; k < n; ++k)
    y[k] = (x[k] - mean) * invSigma;
}

MESHRT_CPU_CLONES void addInto(const float *a, const float *b, int64_t n, float *sum) {
  for (int64_t k = 0; k < n; ++k)
    sum[k] = a[k] + b[k];
}

// The adjoint's two sums, sum dy and sum dy * y, in double.
MESHRT_CPU_CLONES void gradSums(const float *x, const float *dy, int64_t n, float mean,
                                float invSigma, double *sumDy, double *sumDyY) {
  double s = 0, sy = 0;
#pragma omp simd reduction(+ : s, sy)
  for (int64_t k = 0; k < n; ++k) {
    s += dy[k];
    sy += double(dy[k]) * ((x[k] - mean) * invSigma);
  }
  *sumDy = s;
  *sumDyY = sy;
}

MESHRT_CPU_CLONES void gradApply(const float *x, const float *dy, int64_t n, float mean,
                                 float invSigma, float meanDy, float meanDyY, float *dx) {
  for (int64_t k = 0; k < n; ++k) {
    const float yk = (x[k] - mean) * invSigma;
    dx[k] = (dy[k] - meanDy - yk * meanDyY) * invSigma;
  }
}

// gradApply's dx plus addend (dx may be addend: element k is read before it is written).
MESHRT_CPU_CLONES void gradApplyAdd(const float *x, const float *dy, const float *addend, int64_t n,
                                    float mean, float invSigma, float meanDy, float meanDyY,
                                    float *dx) {
  for (int64_t k = 0; k < n; ++k) {
    const float yk = (x[k] - mean) * invSigma;
    dx[k] = (dy[k] - meanDy - yk * meanDyY) * invSigma + addend[k];
  }
}

// meshrt_layer_norm_grad (addend null) and meshrt_layer_norm_grad_add on the CPU.
void layerNormGradLines(int64_t outer, int64_t n, int64_t inner, float epsilon, const float *x,
                        const float *dy, const float *addend, float *dx) {
  forLines(outer, n, inner, [&](int64_t base, int64_t stride) {
    if (stride == 1)
      return layerNormGradLine(x + base, dy + base, addend ? addend + base : nullptr, n, epsilon,
                               dx + base);
    float mean, invSigma;
    lineStats(x + base, n, stride, epsilon, &mean, &invSigma);
    double sumDy = 0, sumDyY = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * stride;
      sumDy += dy[at];
      sumDyY += double(dy[at]) * ((x[at] - mean) * invSigma);
    }
    const float meanDy = static_cast<float>(sumDy / double(n));
    const float meanDyY = static_cast<float>(sumDyY / double(n));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * stride;
      const float yk = (x[at] - mean) * invSigma;
      const float g = (dy[at] - meanDy - yk * meanDyY) * invSigma;
      dx[at] = addend ? g + addend[at] : g;
    }
  });
}

} // namespace

namespace meshrt::cpu {

void layerNormLine(const float *x, int64_t n, float epsilon, float *y) {
  float mean, invSigma;
  statsContiguous(x, n, epsilon, &mean, &invSigma);
  normalise(x, n, mean, invSigma, y);
}

void addLayerNormLine(const float *a, const float *b, int64_t n, float epsilon, float *sum,
                      float *y) {
  addInto(a, b, n, sum);
  layerNormLine(sum, n, epsilon, y);
}

void layerNormGradLine(const float *x, const float *dy, const float *addend, int64_t n,
                       float epsilon, float *dx) {
  float mean, invSigma;
  statsContiguous(x, n, epsilon, &mean, &invSigma);
  double sumDy, sumDyY;
  gradSums(x, dy, n, mean, invSigma, &sumDy, &sumDyY);
  const float meanDy = static_cast<float>(sumDy / double(n));
  const float meanDyY = static_cast<float>(sumDyY / double(n));
  if (addend)
    gradApplyAdd(x, dy, addend, n, mean, invSigma, meanDy, meanDyY, dx);
  else
    gradApply(x, dy, n, mean, invSigma, meanDy, meanDyY, dx);
}

} // namespace meshrt::cpu

extern "C" {

void meshrt_layer_norm(meshrt_context_t handle, int64_t outer, int64_t n, int64_t inner,
                       float epsilon, const float *x, float *y) {
  AbiCall call(handle, ProfileKind::LayerNorm, {{"outer", outer}, {"n", n}, {"inner", inner}});
  if (!checkLines(call, outer, n, inner))
    return;
  call.run([&](Device &dev) { return dev.layerNorm(outer, n, inner, epsilon, x, y); },
           [&](Context *ctx) {
             forLines(outer, n, inner, [&](int64_t base, int64_t stride) {
               if (stride == 1)
                 return layerNormLine(x + base, n, epsilon, y + base);
               float mean, invSigma;
               lineStats(x + base, n, stride, epsilon, &mean, &invSigma);
               for (int64_t k = 0; k < n; ++k)
                 y[base + k * stride] = (x[base + k * stride] - mean) * invSigma;
             });
           });
}

void meshrt_layer_norm_grad(meshrt_context_t handle, int64_t outer, int64_t n, int64_t inner,
                            float epsilon, const float *x, const float *dy, float *dx) {
  AbiCall call(handle, ProfileKind::LayerNormGrad, {{"outer", outer}, {"n", n}, {"inner", inner}});
  if (!checkLines(call, outer, n, inner))
    return;
  call.run([&](Device &dev) { return dev.layerNormGrad(outer, n, inner, epsilon, x, dy, dx); },
           [&](Context *) { layerNormGradLines(outer, n, inner, epsilon, x, dy, nullptr, dx); });
}

void meshrt_layer_norm_grad_add(meshrt_context_t handle, int64_t outer, int64_t n, int64_t inner,
                                float epsilon, const float *x, const float *dy, const float *addend,
                                float *dx) {
  AbiCall call(handle, ProfileKind::LayerNormGradAdd,
               {{"outer", outer}, {"n", n}, {"inner", inner}});
  if (!checkLines(call, outer, n, inner))
    return;
  call.run(
      [&](Device &dev) {
        return dev.layerNormGradAdd(outer, n, inner, epsilon, x, dy, addend, dx);
      },
      [&](Context *) { layerNormGradLines(outer, n, inner, epsilon, x, dy, addend, dx); });
}

void meshrt_gelu(meshrt_context_t handle, int64_t count, const float *x, float *y) {
  AbiCall call(handle, ProfileKind::Gelu, {{"count", count}});
  if (!call.fits({count}, 4))
    return;
  call.run([&](Device &dev) { return dev.gelu(count, x, y); },
           [&](Context *ctx) {
             if (cpu::DnnlCache *cache = ctx->dnnlCache())
               ctx->check(cpu::runGelu(*cache, count, x, y));
           });
}

void meshrt_gelu_grad(meshrt_context_t handle, int64_t count, const float *x, const float *dy,
                      float *dx) {
  AbiCall call(handle, ProfileKind::GeluGrad, {{"count", count}});
  if (!call.fits({count}, 4))
    return;
  call.run([&](Device &dev) { return dev.geluGrad(count, x, dy, dx); },
           [&](Context *ctx) {
             if (cpu::DnnlCache *cache = ctx->dnnlCache())
               ctx->check(cpu::runGeluGrad(*cache, count, x, dy, dx));
           });
}

void meshrt_softmax(meshrt_context_t handle, int64_t outer, int64_t n, int64_t inner,
                    const float *x, float *y) {
  AbiCall call(handle, ProfileKind::Softmax, {{"outer", outer}, {"n", n}, {"inner", inner}});
  if (!checkLines(call, outer, n, inner))
    return;
  call.run([&](Device &dev) { return dev.softmax(outer, n, inner, x, y); },
           [&](Context *ctx) {
             forLines(outer, n, inner, [&](int64_t base, int64_t stride) {
               float m = x[base];
               for (int64_t k = 1; k < n; ++k)
                 m = x[base + k * stride] > m ? x[base + k * stride] : m;
               float sum = 0.0f;
               for (int64_t k = 0; k < n; ++k) {
                 const float e = std::exp(x[base + k * stride] - m);
                 y[base + k * stride] = e;
                 sum += e;
               }
               const float inv = 1.0f / sum;
               for (int64_t k = 0; k < n; ++k)
                 y[base + k * stride] *= inv;
             });
           });
}

void meshrt_causal_mask(meshrt_context_t handle, int32_t ndims, const int64_t *global_shape,
                        const int32_t *dim_axes, int32_t query_dim, int32_t key_dim, float value,
                        const float *in, float *out) {
  AbiCall call(handle, ProfileKind::CausalMask,
               {{"ndims", ndims}, {"query_dim", query_dim}, {"key_dim", key_dim}});
  Slice s;
  if (!call.require(query_dim < ndims && key_dim < ndims && query_dim != key_dim,
                    "query and key dims must be two different dims of the tensor") ||
      !call.slice(ndims, global_shape, dim_axes, &s))
    return;
  call.run([&](Device &dev) { return dev.causalMask(s, query_dim, key_dim, value, in, out); },
           [&](Context *ctx) {
             const int last = ndims - 1;
             forSliceRows(s, [&](int64_t local, const int64_t *coord, int64_t, int64_t len) {
               // Global positions at the row's first element; the last dim advances along the row.
               const int64_t q0 = query_dim == last ? s.offset[last] : coord[query_dim];
               const int64_t k0 = key_dim == last ? s.offset[last] : coord[key_dim];
               const int64_t dq = query_dim == last, dk = key_dim == last;
               for (int64_t j = 0; j < len; ++j)
                 out[local + j] = k0 + dk * j > q0 + dq * j ? value : in[local + j];
             });
           });
}

void meshrt_dropout(meshrt_context_t handle, int32_t ndims, const int64_t *global_shape,
                    const int32_t *dim_axes, uint64_t key, int64_t step, float rate,
                    const float *in, float *out) {
  AbiCall call(handle, ProfileKind::Dropout, {{"ndims", ndims}, {"step", step}});
  Slice s;
  if (!call.require(rate >= 0.0f && rate < 1.0f, "rate %g outside [0, 1)", rate) ||
      !call.slice(ndims, global_shape, dim_axes, &s))
    return;
  Context *ctx = call.ctx();
  // keep(i) = top 24 bits of hash(seed, key, step, i) / 2^24 >= rate (docs/IR.md).
  const uint64_t prefix =
      random::hashAt(random::hashPrefix(ctx->seed(), key), static_cast<uint64_t>(step));
  call.run([&](Device &dev) { return dev.dropout(s, prefix, rate, in, out); },
           [&](Context *) {
             const float scale = 1.0f / (1.0f - rate);
             forSliceRows(s, [&](int64_t local, const int64_t *, int64_t flat, int64_t len) {
               for (int64_t j = 0; j < len; ++j) {
                 const float u =
                     random::uniform01(random::hashAt(prefix, static_cast<uint64_t>(flat + j)));
                 out[local + j] = u >= rate ? in[local + j] * scale : 0.0f;
               }
             });
           });
}

} // extern "C"
