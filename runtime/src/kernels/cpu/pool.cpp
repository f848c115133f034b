// pool.cpp — max and average pooling of the CNN family on the CPU: oneDNN's pooling primitives
// (its C API, plain layouts), made once per shape and kept in the context's DnnlCache, and a
// loop of its own for the common max pooling's backward (below).
//
// Max pooling reads -inf outside the input (oneDNN's max pooling ignores padding); average
// pooling counts the padding (dnnl_pooling_avg_include_padding: the divisor is the window's
// volume, PyTorch's count_include_pad). oneDNN's max pooling backward routes each gradient to
// the position its forward recorded in a workspace; the ABI's backward takes x instead of a
// workspace, so the entry runs the forward (training) itself into buffers it keeps. oneDNN
// records the first maximum of a window in window order (a later equal value does not replace
// it), which is what PyTorch does and what the tests check with ties.
//
// That forward plus backward cost 9.2 of the CNN step's 39.9 ms (bench/README.md, `cnn_step.py`)
// for its 2x2 windows of stride 2, so that geometry (2 spatial dims, windows that read no
// padding) has a pass of its own instead: each window finds its first maximum in x and writes
// its dy there and 0 at its three other positions, 8 windows per AVX2 step where the CPU has
// AVX2, with no y and no workspace; the windows tile x, so each dx element is written once.
// The forward of that geometry is the same search writing the maximum (oneDNN's took 2.0 ms).
// Both reproduce oneDNN 2.x's results exactly, NaN and -inf included (measured on its simple and
// jit implementations, and checked by the tests): the search starts at -FLT_MAX with the
// window's first position and a value replaces the best so far only if it is strictly larger
// (an ordered comparison: a NaN never does), so a window with no value above -FLT_MAX (all
// NaN, -inf or -FLT_MAX) has the maximum -FLT_MAX and sends its dy to its first position.
// A general loop of the same kind
// (any nsp, strides, padding, overlapping windows; zero dx, then add window by window,
// vectorised along the output rows) was 1.6-3x SLOWER than oneDNN's forward plus backward on
// the other geometries tried (3x3 / 1 and / 2 with padding, 3x3 / 3, 4x4 / 4, 2x2 / 2 with
// padding; oneDNN vectorises across 16 channels), so those stay with oneDNN.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/dnnl_cache.h"
#include "kernels/cpu/strided.h"
#include "kernels/window_check.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

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

// ---- max pooling of 2x2 windows of stride 2: forward and backward ---------------------------
// Where no window reads the padding (pad_lo = 0; pad_hi may be > 0 where no window reaches it).
bool isMax2x2(const WindowGeometry &g) {
  if (g.nsp != 2)
    return false;
  for (int i = 0; i < 2; ++i)
    if (g.w[2 + i] != 2 || g.stride[i] != 2 || g.padLo[i] != 0 || 2 * g.y[2 + i] > g.x[2 + i])
      return false;
  return true;
}

constexpr float kLowest = std::numeric_limits<float>::lowest(); // -FLT_MAX, oneDNN's start

// One window (a b / c d, window order): its dy g goes to its first maximum, 0 to the others.
inline void route2x2(float a, float b, float c, float d, float g, float *top, float *bottom) {
  float best = kLowest;
  int at = 0;
  const float v[4] = {a, b, c, d};
  for (int j = 0; j < 4; ++j)
    if (v[j] > best) {
      best = v[j];
      at = j;
    }
  top[0] = at == 0 ? g : 0.0f;
  top[1] = at == 1 ? g : 0.0f;
  bottom[0] = at == 2 ? g : 0.0f;
  bottom[1] = at == 3 ? g : 0.0f;
}

// 8 windows of one output row with AVX2, as route2x2. shuffle_ps of the 16 floats of a row
// takes the windows' left (0x88) or right (0xdd) column in the window order 0 1 4 5 2 3 6 7;
// dy is permuted into that order, and unpacklo/hi of the left and right results restore the
// row's order. _CMP_GT_OQ is false with a NaN, as `>` is.
__attribute__((target("avx2"))) inline void
route2x2Avx2(const float *top, const float *bottom, const float *g, float *dTop, float *dBottom) {
  const __m256 lowest = _mm256_set1_ps(kLowest);
  const __m256 t0 = _mm256_loadu_ps(top), t1 = _mm256_loadu_ps(top + 8);
  const __m256 u0 = _mm256_loadu_ps(bottom), u1 = _mm256_loadu_ps(bottom + 8);
  const __m256 gv =
      _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_loadu_ps(g)), 0xd8));
  const __m256 a = _mm256_shuffle_ps(t0, t1, 0x88), b = _mm256_shuffle_ps(t0, t1, 0xdd);
  const __m256 c = _mm256_shuffle_ps(u0, u1, 0x88), d = _mm256_shuffle_ps(u0, u1, 0xdd);
  const __m256 ma = _mm256_blendv_ps(lowest, a, _mm256_cmp_ps(a, lowest, _CMP_GT_OQ));
  const __m256 tb = _mm256_cmp_ps(b, ma, _CMP_GT_OQ); // b beats a
  const __m256 mb = _mm256_blendv_ps(ma, b, tb);
  const __m256 tc = _mm256_cmp_ps(c, mb, _CMP_GT_OQ); // c beats a and b
  const __m256 mc = _mm256_blendv_ps(mb, c, tc);
  const __m256 td = _mm256_cmp_ps(d, mc, _CMP_GT_OQ); // d beats a, b and c
  const __m256 vd = _mm256_and_ps(td, gv);
  const __m256 vc = _mm256_andnot_ps(td, _mm256_and_ps(tc, gv));
  const __m256 vb = _mm256_andnot_ps(_mm256_or_ps(tc, td), _mm256_and_ps(tb, gv));
  const __m256 va = _mm256_andnot_ps(_mm256_or_ps(tb, _mm256_or_ps(tc, td)), gv);
  _mm256_storeu_ps(dTop, _mm256_unpacklo_ps(va, vb));
  _mm256_storeu_ps(dTop + 8, _mm256_unpackhi_ps(va, vb));
  _mm256_storeu_ps(dBottom, _mm256_unpacklo_ps(vc, vd));
  _mm256_storeu_ps(dBottom + 8, _mm256_unpackhi_ps(vc, vd));
}

// Planes [p0, p1) of x [.., h, w] and dy [.., oh, ow]: the windows tile x, so each dx element
// is written once (the last column and row get 0 where w, h are odd).
template <bool kAvx2>
void max2x2Planes(int64_t p0, int64_t p1, int64_t h, int64_t w, int64_t oh, int64_t ow,
                  const float *x, const float *dy, float *dx) {
  for (int64_t p = p0; p < p1; ++p) {
    const float *xp = x + p * h * w;
    const float *gp = dy + p * oh * ow;
    float *dp = dx + p * h * w;
    for (int64_t r = 0; r < oh; ++r) {
      const float *top = xp + 2 * r * w, *bottom = top + w, *g = gp + r * ow;
      float *dTop = dp + 2 * r * w, *dBottom = dTop + w;
      int64_t c = 0;
      if constexpr (kAvx2)
        for (; c + 8 <= ow; c += 8)
          route2x2Avx2(top + 2 * c, bottom + 2 * c, g + c, dTop + 2 * c, dBottom + 2 * c);
      for (; c < ow; ++c)
        route2x2(top[2 * c], top[2 * c + 1], bottom[2 * c], bottom[2 * c + 1], g[c], dTop + 2 * c,
                 dBottom + 2 * c);
      for (int64_t col = 2 * ow; col < w; ++col)
        dTop[col] = dBottom[col] = 0.0f;
    }
    std::fill(dp + 2 * oh * w, dp + h * w, 0.0f);
  }
}

// Compiled for AVX2, so that route2x2Avx2 inlines into the loop.
__attribute__((target("avx2"))) void max2x2PlanesAvx2(int64_t p0, int64_t p1, int64_t h, int64_t w,
                                                      int64_t oh, int64_t ow, const float *x,
                                                      const float *dy, float *dx) {
  max2x2Planes<true>(p0, p1, h, w, oh, ow, x, dy, dx);
}

// Calls run(p0, p1) on the planes (N * C) in static blocks, in parallel where x is large.
template <typename F> void forPlanes(const WindowGeometry &g, F &&run) {
  const int64_t planes = g.x[0] * g.x[1];
  const int threads = static_cast<int>(std::min<int64_t>(threadsFor(g.xCount()), planes));
  if (threads <= 1) {
    run(0, planes);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    run(planes * t / nt, planes * (t + 1) / nt);
  }
}

bool haveAvx2() {
  static const bool yes = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  return yes;
}

void max2x2Backward(const WindowGeometry &g, const float *x, const float *dy, float *dx) {
  forPlanes(g, [&](int64_t p0, int64_t p1) {
    if (haveAvx2())
      max2x2PlanesAvx2(p0, p1, g.x[2], g.x[3], g.y[2], g.y[3], x, dy, dx);
    else
      max2x2Planes<false>(p0, p1, g.x[2], g.x[3], g.y[2], g.y[3], x, dy, dx);
  });
}

// The forward: each window's maximum as oneDNN's forward computes it (the same search as
// route2x2: -FLT_MAX where no value is above it, a NaN never).
inline float max2x2(float a, float b, float c, float d) {
  float best = kLowest;
  for (float v : {a, b, c, d})
    best = v > best ? v : best;
  return best;
}

// 8 windows with AVX2, as route2x2Avx2; permute4x64 0xd8 (an involution) restores the order.
__attribute__((target("avx2"))) inline void max2x2Avx2(const float *top, const float *bottom,
                                                       float *y) {
  const __m256 t0 = _mm256_loadu_ps(top), t1 = _mm256_loadu_ps(top + 8);
  const __m256 u0 = _mm256_loadu_ps(bottom), u1 = _mm256_loadu_ps(bottom + 8);
  __m256 best = _mm256_set1_ps(kLowest);
  for (__m256 v : {_mm256_shuffle_ps(t0, t1, 0x88), _mm256_shuffle_ps(t0, t1, 0xdd),
                   _mm256_shuffle_ps(u0, u1, 0x88), _mm256_shuffle_ps(u0, u1, 0xdd)})
    best = _mm256_blendv_ps(best, v, _mm256_cmp_ps(v, best, _CMP_GT_OQ));
  _mm256_storeu_ps(y, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(best), 0xd8)));
}

template <bool kAvx2>
void max2x2ForwardPlanes(int64_t p0, int64_t p1, int64_t h, int64_t w, int64_t oh, int64_t ow,
                         const float *x, float *y) {
  for (int64_t p = p0; p < p1; ++p)
    for (int64_t r = 0; r < oh; ++r) {
      const float *top = x + p * h * w + 2 * r * w, *bottom = top + w;
      float *out = y + (p * oh + r) * ow;
      int64_t c = 0;
      if constexpr (kAvx2)
        for (; c + 8 <= ow; c += 8)
          max2x2Avx2(top + 2 * c, bottom + 2 * c, out + c);
      for (; c < ow; ++c)
        out[c] = max2x2(top[2 * c], top[2 * c + 1], bottom[2 * c], bottom[2 * c + 1]);
    }
}

__attribute__((target("avx2"))) void max2x2ForwardPlanesAvx2(int64_t p0, int64_t p1, int64_t h,
                                                             int64_t w, int64_t oh, int64_t ow,
                                                             const float *x, float *y) {
  max2x2ForwardPlanes<true>(p0, p1, h, w, oh, ow, x, y);
}

void max2x2Forward(const WindowGeometry &g, const float *x, float *y) {
  forPlanes(g, [&](int64_t p0, int64_t p1) {
    if (haveAvx2())
      max2x2ForwardPlanesAvx2(p0, p1, g.x[2], g.x[3], g.y[2], g.y[3], x, y);
    else
      max2x2ForwardPlanes<false>(p0, p1, g.x[2], g.x[3], g.y[2], g.y[3], x, y);
  });
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
             if (kind == MESHRT_POOL_MAX && isMax2x2(g)) {
               max2x2Forward(g, x, y);
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
             if (kind == MESHRT_POOL_MAX && isMax2x2(g)) {
               max2x2Backward(g, x, dy, dx);
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
