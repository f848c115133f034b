// eltwise_primitives.cpp — oneDNN eltwise primitives behind meshrt_unary's math ops and GELU
// (eltwise_primitives.h), one per (algorithm, direction, size, alpha) in the context's DnnlCache.
#include "kernels/cpu/eltwise_primitives.h"

#include "meshrt/meshrt.h"

#include <cstring>
#include <vector>

namespace meshrt::cpu {

namespace {

// The oneDNN algorithm of a meshrt_unary op, or undef. Leaky relu is oneDNN's relu with a
// negative slope alpha.
dnnl_alg_kind_t algorithmOf(int op) {
  switch (op) {
  case MESHRT_SIGMOID:
    return dnnl_eltwise_logistic;
  case MESHRT_TANH:
    return dnnl_eltwise_tanh;
  case MESHRT_EXP:
    return dnnl_eltwise_exp;
  case MESHRT_LOG:
    return dnnl_eltwise_log;
  case MESHRT_SQRT:
    return dnnl_eltwise_sqrt;
  case MESHRT_LEAKY_RELU:
    return dnnl_eltwise_relu;
  default:
    return dnnl_alg_kind_undef;
  }
}

struct EltwiseEntry : DnnlEntry {
  DnnlOp op;
};

// The primitive of `alg` on n elements: forward (SRC -> DST) or, when `backward`, its adjoint
// from the forward's input (SRC, DIFF_DST -> DIFF_SRC).
Status makeEltwise(DnnlCache &cache, dnnl_alg_kind_t alg, bool backward, int64_t n, float alpha,
                   std::unique_ptr<DnnlEntry> *out) {
  dnnl_memory_desc_t data;
  dnnl_eltwise_desc_t fwd;
  if (Status st = plainDesc({n}, false, &data); !st.ok())
    return st;
  if (Status st = dnnlCheck(dnnl_eltwise_forward_desc_init(
                                &fwd, backward ? dnnl_forward_training : dnnl_forward_inference,
                                alg, &data, alpha, 0.0f),
                            "dnnl_eltwise_forward_desc_init");
      !st.ok())
    return st;
  auto entry = std::make_unique<EltwiseEntry>();
  if (!backward) {
    if (Status st = entry->op.init(cache.engine(), &fwd, nullptr,
                                   {{DNNL_ARG_SRC, false, &data}, {DNNL_ARG_DST, true, &data}},
                                   "oneDNN eltwise forward");
        !st.ok())
      return st;
    *out = std::move(entry);
    return Status::success();
  }
  // A backward primitive needs the forward one's descriptor as its hint.
  dnnl_primitive_desc_t hint = nullptr;
  if (Status st =
          dnnlCheck(dnnl_primitive_desc_create(&hint, &fwd, nullptr, cache.engine(), nullptr),
                    "oneDNN eltwise forward (hint)");
      !st.ok())
    return st;
  dnnl_eltwise_desc_t bwd;
  Status st = dnnlCheck(dnnl_eltwise_backward_desc_init(&bwd, alg, &data, &data, alpha, 0.0f),
                        "dnnl_eltwise_backward_desc_init");
  if (st.ok())
    st = entry->op.init(cache.engine(), &bwd, hint,
                        {{DNNL_ARG_SRC, false, &data},
                         {DNNL_ARG_DIFF_DST, false, &data},
                         {DNNL_ARG_DIFF_SRC, true, &data}},
                        "oneDNN eltwise backward");
  dnnl_primitive_desc_destroy(hint);
  if (!st.ok())
    return st;
  *out = std::move(entry);
  return Status::success();
}

// Runs the cached primitive of (alg, backward, n, alpha) on `buffers` (in its argument order).
Status runCached(DnnlCache &cache, dnnl_alg_kind_t alg, bool backward, int64_t n, float alpha,
                 const std::vector<void *> &buffers) {
  if (n == 0)
    return Status::success();
  uint32_t alphaBits = 0;
  std::memcpy(&alphaBits, &alpha, sizeof alphaBits);
  Status made;
  DnnlEntry *e = cache.find({kTagEltwise, static_cast<int64_t>(alg), backward ? 1 : 0, n,
                             static_cast<int64_t>(alphaBits)},
                            &made, [&](std::unique_ptr<DnnlEntry> *entry) {
                              return makeEltwise(cache, alg, backward, n, alpha, entry);
                            });
  if (!made.ok())
    return made;
  return static_cast<EltwiseEntry *>(e)->op.run(cache.stream(), buffers);
}

} // namespace

bool isEltwiseOp(int op) { return algorithmOf(op) != dnnl_alg_kind_undef; }

Status runEltwise(DnnlCache &cache, int op, int64_t n, float *out, const float *in, float alpha) {
  // alpha matters only for leaky relu: the other ops share one primitive per size.
  return runCached(cache, algorithmOf(op), false, n, op == MESHRT_LEAKY_RELU ? alpha : 0.0f,
                   {const_cast<float *>(in), out});
}

Status runGelu(DnnlCache &cache, int64_t n, const float *x, float *y) {
  return runCached(cache, dnnl_eltwise_gelu_tanh, false, n, 0.0f, {const_cast<float *>(x), y});
}

Status runGeluGrad(DnnlCache &cache, int64_t n, const float *x, const float *dy, float *dx) {
  return runCached(cache, dnnl_eltwise_gelu_tanh, true, n, 0.0f,
                   {const_cast<float *>(x), const_cast<float *>(dy), dx});
}

} // namespace meshrt::cpu
