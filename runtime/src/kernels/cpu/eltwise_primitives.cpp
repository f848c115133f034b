// eltwise_primitives.cpp — oneDNN eltwise forward primitives behind meshrt_unary's math ops
// (eltwise_primitives.h), one per (op, size, alpha) in the context's DnnlCache.
#include "kernels/cpu/eltwise_primitives.h"

#include "meshrt/meshrt.h"

#include <cstring>

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

Status makeEltwise(DnnlCache &cache, int op, int64_t n, float alpha,
                   std::unique_ptr<DnnlEntry> *out) {
  dnnl_memory_desc_t data;
  dnnl_eltwise_desc_t desc;
  if (Status st = plainDesc({n}, false, &data); !st.ok())
    return st;
  if (Status st = dnnlCheck(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference,
                                                           algorithmOf(op), &data, alpha, 0.0f),
                            "dnnl_eltwise_forward_desc_init");
      !st.ok())
    return st;
  auto entry = std::make_unique<EltwiseEntry>();
  if (Status st = entry->op.init(cache.engine(), &desc, nullptr,
                                 {{DNNL_ARG_SRC, false, &data}, {DNNL_ARG_DST, true, &data}},
                                 "oneDNN eltwise forward");
      !st.ok())
    return st;
  *out = std::move(entry);
  return Status::success();
}

} // namespace

bool isEltwiseOp(int op) { return algorithmOf(op) != dnnl_alg_kind_undef; }

Status runEltwise(DnnlCache &cache, int op, int64_t n, float *out, const float *in, float alpha) {
  if (n == 0)
    return Status::success();
  // alpha is part of the key only for leaky relu: the other ops share one primitive per size.
  const float keyAlpha = op == MESHRT_LEAKY_RELU ? alpha : 0.0f;
  uint32_t alphaBits = 0;
  std::memcpy(&alphaBits, &keyAlpha, sizeof alphaBits);
  Status made;
  DnnlEntry *e = cache.find({kTagEltwise, op, n, static_cast<int64_t>(alphaBits)}, &made,
                            [&](std::unique_ptr<DnnlEntry> *entry) {
                              return makeEltwise(cache, op, n, keyAlpha, entry);
                            });
  if (!made.ok())
    return made;
  return static_cast<EltwiseEntry *>(e)->op.run(cache.stream(), {const_cast<float *>(in), out});
}

} // namespace meshrt::cpu
