// pool.cpp — max and average pooling of the CNN family on the CPU: oneDNN's pooling primitives
// (its C API, plain layouts), made once per shape and kept in the context's DnnlCache.
//
// Max pooling reads -inf outside the input (oneDNN's max pooling ignores padding); average
// pooling counts the padding (dnnl_pooling_avg_include_padding: the divisor is the window's
// volume, PyTorch's count_include_pad). oneDNN's max pooling backward routes each gradient to
// the position its forward recorded in a workspace; the ABI's backward takes x instead of a
// workspace, so the entry runs the forward (training) itself into buffers it keeps. oneDNN
// records the first maximum of a window in window order (a later equal value does not replace
// it), which is what PyTorch does and what the tests check with ties.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/dnnl_cache.h"
#include "kernels/window_check.h"

#include <algorithm>
#include <cmath>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

std::vector<int64_t> cacheKey(int64_t tag, int32_t kind, const WindowGeometry &g) {
  std::vector<int64_t> key = {tag, kind, g.nsp};
  for (const int64_t *shape : {g.x, g.w, g.y})
    key.insert(key.end(), shape, shape + g.ndims());
  for (const int64_t *v : {g.stride, g.padLo, g.padHi})
    key.insert(key.end(), v, v + g.nsp);
  return key;
}

struct PoolDescs {
  dnnl_memory_desc_t x, y;
  dnnl_dims_t strides, kernel, padL, padR;
  dnnl_alg_kind_t alg;
};

Status makeDescs(int32_t kind, const WindowGeometry &g, PoolDescs *d) {
  if (Status s = plainDesc({g.x, g.x + g.ndims()}, false, &d->x); !s.ok())
    return s;
  if (Status s = plainDesc({g.y, g.y + g.ndims()}, false, &d->y); !s.ok())
    return s;
  for (int i = 0; i < g.nsp; ++i) {
    d->strides[i] = g.stride[i];
    d->kernel[i] = g.w[2 + i];
    d->padL[i] = g.padLo[i];
    d->padR[i] = g.padHi[i];
  }
  d->alg = kind == MESHRT_POOL_MAX ? dnnl_pooling_max : dnnl_pooling_avg_include_padding;
  return Status::success();
}

Status forwardDesc(const PoolDescs &d, dnnl_prop_kind_t prop, dnnl_pooling_desc_t *out) {
  return dnnlCheck(dnnl_pooling_forward_desc_init(out, prop, d.alg, &d.x, &d.y, d.strides, d.kernel,
                                                  d.padL, d.padR),
                   "dnnl_pooling_forward_desc_init");
}

struct PoolForwardEntry : DnnlEntry {
  DnnlOp op; // x, y
};

// Backward: for max pooling the forward it recomputes (x -> y, workspace) and its buffers.
struct PoolBackwardEntry : DnnlEntry {
  bool max = false;
  DnnlOp forward;  // x, y, workspace
  DnnlOp backward; // dy, [workspace,] dx
  std::vector<float> y;
  std::vector<char> workspace;
};

Status makeForward(DnnlCache &cache, int32_t kind, const WindowGeometry &g,
                   std::unique_ptr<DnnlEntry> *out) {
  PoolDescs d;
  dnnl_pooling_desc_t fwd;
  if (Status s = makeDescs(kind, g, &d); !s.ok())
    return s;
  if (Status s = forwardDesc(d, dnnl_forward_inference, &fwd); !s.ok())
    return s;
  auto entry = std::make_unique<PoolForwardEntry>();
  if (Status s = entry->op.init(cache.engine(), &fwd, nullptr,
                                {{DNNL_ARG_SRC, false, &d.x}, {DNNL_ARG_DST, true, &d.y}},
                                "oneDNN pooling forward");
      !s.ok())
    return s;
  *out = std::move(entry);
  return Status::success();
}

Status makeBackward(DnnlCache &cache, int32_t kind, const WindowGeometry &g,
                    std::unique_ptr<DnnlEntry> *out) {
  PoolDescs d;
  dnnl_pooling_desc_t fwd, bwd;
  if (Status s = makeDescs(kind, g, &d); !s.ok())
    return s;
  if (Status s = forwardDesc(d, dnnl_forward_training, &fwd); !s.ok())
    return s;
  if (Status s = dnnlCheck(dnnl_pooling_backward_desc_init(&bwd, d.alg, &d.x, &d.y, d.strides,
                                                           d.kernel, d.padL, d.padR),
                           "dnnl_pooling_backward_desc_init");
      !s.ok())
    return s;
  auto entry = std::make_unique<PoolBackwardEntry>();
  entry->max = kind == MESHRT_POOL_MAX;
  std::vector<DnnlArgSpec> fwdArgs = {{DNNL_ARG_SRC, false, &d.x}, {DNNL_ARG_DST, true, &d.y}};
  std::vector<DnnlArgSpec> bwdArgs = {{DNNL_ARG_DIFF_DST, false, &d.y}};
  if (entry->max) {
    fwdArgs.push_back({DNNL_ARG_WORKSPACE, true, nullptr});
    bwdArgs.push_back({DNNL_ARG_WORKSPACE, false, nullptr});
  }
  bwdArgs.push_back({DNNL_ARG_DIFF_SRC, true, &d.x});
  if (Status s = entry->forward.init(cache.engine(), &fwd, nullptr, fwdArgs,
                                     "oneDNN pooling forward (training)");
      !s.ok())
    return s;
  if (Status s = entry->backward.init(cache.engine(), &bwd, entry->forward.desc(), bwdArgs,
                                      "oneDNN pooling backward");
      !s.ok())
    return s;
  if (entry->max) {
    entry->y.resize(static_cast<size_t>(g.yCount()));
    entry->workspace.resize(entry->forward.bytesOf(2));
  }
  *out = std::move(entry);
  return Status::success();
}

bool checkKind(AbiCall &call, int32_t kind) {
  return call.require(kind == MESHRT_POOL_MAX || kind == MESHRT_POOL_AVG,
                      "kind %d is not a meshrt_pool_kind (MAX = 0, AVG = 1)", kind);
}

} // namespace

extern "C" {

void meshrt_pool_forward(meshrt_context_t handle, int32_t kind, int32_t nsp, const int64_t *x_shape,
                         const int64_t *y_shape, const int64_t *geometry, const float *x,
                         float *y) {
  AbiCall call(handle, ProfileKind::PoolForward, {{"kind", kind}, {"nsp", nsp}});
  WindowGeometry g;
  if (!checkKind(call, kind) || !checkPoolGeometry(call, nsp, x_shape, y_shape, geometry, &g))
    return;
  call.run([&](Device &dev) { return dev.poolForward(kind, g, x, y); },
           [&](Context *ctx) {
             if (g.yCount() == 0)
               return;
             if (g.xCount() == 0) { // an empty image: every window is padding
               std::fill(y, y + g.yCount(), kind == MESHRT_POOL_MAX ? -INFINITY : 0.0f);
               return;
             }
             DnnlCache *cache = ctx->dnnlCache();
             if (!cache)
               return;
             Status made;
             DnnlEntry *e = cache->find(cacheKey(kTagPoolForward, kind, g), &made,
                                        [&](std::unique_ptr<DnnlEntry> *out) {
                                          return makeForward(*cache, kind, g, out);
                                        });
             if (ctx->check(made))
               ctx->check(static_cast<PoolForwardEntry *>(e)->op.run(cache->stream(),
                                                                     {const_cast<float *>(x), y}));
           });
}

void meshrt_pool_backward(meshrt_context_t handle, int32_t kind, int32_t nsp,
                          const int64_t *x_shape, const int64_t *y_shape, const int64_t *geometry,
                          const float *x, const float *dy, float *dx) {
  AbiCall call(handle, ProfileKind::PoolBackward, {{"kind", kind}, {"nsp", nsp}});
  WindowGeometry g;
  if (!checkKind(call, kind) || !checkPoolGeometry(call, nsp, x_shape, y_shape, geometry, &g))
    return;
  call.run([&](Device &dev) { return dev.poolBackward(kind, g, x, dy, dx); },
           [&](Context *ctx) {
             if (g.xCount() == 0)
               return;
             if (g.yCount() == 0) {
               std::fill(dx, dx + g.xCount(), 0.0f);
               return;
             }
             DnnlCache *cache = ctx->dnnlCache();
             if (!cache)
               return;
             Status made;
             DnnlEntry *found = cache->find(cacheKey(kTagPoolBackward, kind, g), &made,
                                            [&](std::unique_ptr<DnnlEntry> *out) {
                                              return makeBackward(*cache, kind, g, out);
                                            });
             if (!ctx->check(made))
               return;
             auto *e = static_cast<PoolBackwardEntry *>(found);
             if (!e->max) {
               ctx->check(e->backward.run(cache->stream(), {const_cast<float *>(dy), dx}));
               return;
             }
             if (ctx->check(e->forward.run(
                     cache->stream(), {const_cast<float *>(x), e->y.data(), e->workspace.data()})))
               ctx->check(e->backward.run(cache->stream(),
                                          {const_cast<float *>(dy), e->workspace.data(), dx}));
           });
}

} // extern "C"
