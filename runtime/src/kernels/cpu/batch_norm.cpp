// batch_norm.cpp — batch normalisation of the CNN family on the CPU: oneDNN's batch
// normalization primitives with global statistics (its C API), made once per shape and kept in
// the context's DnnlCache.
//
// The statistics are operands, not computed here: the compiler computes the batch mean and
// variance with reductions (so that a split batch all-reduces them) or passes running ones.
// With global statistics oneDNN's backward gives exactly the part of the gradient that flows
// through x directly (dx = scale * rstd * dy) and the sums dscale and dshift; the gradients of
// the mean and the variance follow from those two per channel.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/dnnl_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

constexpr unsigned kFlags = dnnl_use_global_stats | dnnl_use_scale | dnnl_use_shift;

struct BatchNormEntry : DnnlEntry {
  DnnlOp op;
  // The backward primitive counts the shift among its inputs although no gradient depends on
  // it; the ABI's gradient does not take one, so it gets zeros.
  std::vector<float> unusedShift;
};

Status makeDescs(int64_t n, int64_t c, int64_t s, dnnl_memory_desc_t *data,
                 dnnl_memory_desc_t *channel) {
  if (Status st = plainDesc({n, c, s}, false, data); !st.ok())
    return st;
  return plainDesc({c}, false, channel);
}

// Forward: x, mean, var, scale, shift -> y.
Status makeForward(DnnlCache &cache, int64_t n, int64_t c, int64_t s, float epsilon,
                   std::unique_ptr<DnnlEntry> *out) {
  dnnl_memory_desc_t data, channel;
  dnnl_batch_normalization_desc_t fwd;
  if (Status st = makeDescs(n, c, s, &data, &channel); !st.ok())
    return st;
  if (Status st = dnnlCheck(dnnl_batch_normalization_forward_desc_init(&fwd, dnnl_forward_inference,
                                                                       &data, epsilon, kFlags),
                            "dnnl_batch_normalization_forward_desc_init");
      !st.ok())
    return st;
  auto entry = std::make_unique<BatchNormEntry>();
  if (Status st = entry->op.init(cache.engine(), &fwd, nullptr,
                                 {{DNNL_ARG_SRC, false, &data},
                                  {DNNL_ARG_MEAN, false, &channel},
                                  {DNNL_ARG_VARIANCE, false, &channel},
                                  {DNNL_ARG_SCALE, false, &channel},
                                  {DNNL_ARG_SHIFT, false, &channel},
                                  {DNNL_ARG_DST, true, &data}},
                                 "oneDNN batch normalization forward");
      !st.ok())
    return st;
  *out = std::move(entry);
  return Status::success();
}

// Backward: x, mean, var, scale, dy -> dx, dscale, dshift.
Status makeBackward(DnnlCache &cache, int64_t n, int64_t c, int64_t s, float epsilon,
                    std::unique_ptr<DnnlEntry> *out) {
  dnnl_memory_desc_t data, channel;
  dnnl_batch_normalization_desc_t fwd, bwd;
  if (Status st = makeDescs(n, c, s, &data, &channel); !st.ok())
    return st;
  if (Status st = dnnlCheck(dnnl_batch_normalization_forward_desc_init(&fwd, dnnl_forward_training,
                                                                       &data, epsilon, kFlags),
                            "dnnl_batch_normalization_forward_desc_init");
      !st.ok())
    return st;
  if (Status st = dnnlCheck(dnnl_batch_normalization_backward_desc_init(&bwd, dnnl_backward, &data,
                                                                        &data, epsilon, kFlags),
                            "dnnl_batch_normalization_backward_desc_init");
      !st.ok())
    return st;
  dnnl_primitive_desc_t hint = nullptr;
  if (Status st =
          dnnlCheck(dnnl_primitive_desc_create(&hint, &fwd, nullptr, cache.engine(), nullptr),
                    "oneDNN batch normalization forward (hint)");
      !st.ok())
    return st;
  auto entry = std::make_unique<BatchNormEntry>();
  Status st = entry->op.init(cache.engine(), &bwd, hint,
                             {{DNNL_ARG_SRC, false, &data},
                              {DNNL_ARG_MEAN, false, &channel},
                              {DNNL_ARG_VARIANCE, false, &channel},
                              {DNNL_ARG_SCALE, false, &channel},
                              {DNNL_ARG_SHIFT, false, &channel},
                              {DNNL_ARG_DIFF_DST, false, &data},
                              {DNNL_ARG_DIFF_SRC, true, &data},
                              {DNNL_ARG_DIFF_SCALE, true, &channel},
                              {DNNL_ARG_DIFF_SHIFT, true, &channel}},
                             "oneDNN batch normalization backward");
  dnnl_primitive_desc_destroy(hint);
  if (!st.ok())
    return st;
  entry->unusedShift.assign(static_cast<size_t>(c), 0.0f);
  *out = std::move(entry);
  return Status::success();
}

std::vector<int64_t> cacheKey(int64_t tag, int64_t n, int64_t c, int64_t s, float epsilon) {
  uint32_t bits;
  std::memcpy(&bits, &epsilon, sizeof bits);
  return {tag, n, c, s, static_cast<int64_t>(bits)};
}

bool checkArgs(AbiCall &call, int64_t n, int64_t c, int64_t s, float epsilon) {
  return call.fits({n, c, s}, 4) &&
         call.require(epsilon >= 0.0f && std::isfinite(epsilon),
                      "epsilon %g must be finite and not negative", epsilon);
}

} // namespace

extern "C" {

void meshrt_batch_norm(meshrt_context_t handle, int64_t n, int64_t c, int64_t s, float epsilon,
                       const float *x, const float *mean, const float *var, const float *scale,
                       const float *shift, float *y) {
  AbiCall call(handle, ProfileKind::BatchNorm, {{"n", n}, {"c", c}, {"s", s}});
  if (!checkArgs(call, n, c, s, epsilon))
    return;
  call.run(
      [&](Device &dev) { return dev.batchNorm(n, c, s, epsilon, x, mean, var, scale, shift, y); },
      [&](Context *ctx) {
        if (n == 0 || c == 0 || s == 0)
          return;
        DnnlCache *cache = ctx->dnnlCache();
        if (!cache)
          return;
        Status made;
        DnnlEntry *e = cache->find(cacheKey(kTagBatchNorm, n, c, s, epsilon), &made,
                                   [&](std::unique_ptr<DnnlEntry> *out) {
                                     return makeForward(*cache, n, c, s, epsilon, out);
                                   });
        if (ctx->check(made))
          ctx->check(static_cast<BatchNormEntry *>(e)->op.run(
              cache->stream(),
              {const_cast<float *>(x), const_cast<float *>(mean), const_cast<float *>(var),
               const_cast<float *>(scale), const_cast<float *>(shift), y}));
      });
}

void meshrt_batch_norm_grad(meshrt_context_t handle, int64_t n, int64_t c, int64_t s, float epsilon,
                            const float *x, const float *mean, const float *var, const float *scale,
                            const float *dy, float *dx, float *dmean, float *dvar, float *dscale,
                            float *dshift) {
  AbiCall call(handle, ProfileKind::BatchNormGrad, {{"n", n}, {"c", c}, {"s", s}});
  if (!checkArgs(call, n, c, s, epsilon))
    return;
  call.run(
      [&](Device &dev) {
        return dev.batchNormGrad(n, c, s, epsilon, x, mean, var, scale, dy, dx, dmean, dvar, dscale,
                                 dshift);
      },
      [&](Context *ctx) {
        if (c == 0)
          return;
        if (n == 0 || s == 0) { // empty sums
          for (float *p : {dmean, dvar, dscale, dshift})
            std::fill(p, p + c, 0.0f);
          return;
        }
        DnnlCache *cache = ctx->dnnlCache();
        if (!cache)
          return;
        Status made;
        DnnlEntry *e = cache->find(cacheKey(kTagBatchNormGrad, n, c, s, epsilon), &made,
                                   [&](std::unique_ptr<DnnlEntry> *out) {
                                     return makeBackward(*cache, n, c, s, epsilon, out);
                                   });
        auto *entry = static_cast<BatchNormEntry *>(e);
        if (!ctx->check(made) ||
            !ctx->check(entry->op.run(cache->stream(),
                                      {const_cast<float *>(x), const_cast<float *>(mean),
                                       const_cast<float *>(var), const_cast<float *>(scale),
                                       entry->unusedShift.data(), const_cast<float *>(dy), dx,
                                       dscale, dshift})))
          return;
        // y = (x - mean) * rstd * scale + shift: dy/dmean = -rstd * scale, and
        // dy/dvar = -0.5 * (x - mean) * rstd^3 * scale = -0.5 * xhat * rstd^2 * scale.
        for (int64_t k = 0; k < c; ++k) {
          const float rstd = 1.0f / std::sqrt(var[k] + epsilon);
          dmean[k] = -dshift[k] * scale[k] * rstd;
          dvar[k] = -0.5f * dscale[k] * scale[k] * rstd * rstd;
        }
      });
}

} // extern "C"
