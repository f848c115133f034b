// conv.cpp — the convolution kernels of the CNN family on the CPU: oneDNN's convolution
// forward, backward-data and backward-weights primitives (its C API), made once per shape and
// kept in the context's DnnlCache; also the fusions of meshc-fuse-conv, which are the same
// primitives with a bias (forward: added, with relu as an eltwise post-op; backward weights:
// its gradient, DNNL_ARG_DIFF_BIAS, reduced from the same dy).
//
// oneDNN counts dilation from 0 (0 = none); the ABI counts from 1 like the frameworks. An
// empty input (no input channels, no batch, an empty image) makes every sum empty: the output
// is zero-filled without oneDNN, which rejects some zero-sized shapes.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/dnnl_cache.h"
#include "kernels/window_check.h"

#include <algorithm>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

// Whether a convolution lets oneDNN choose its memory formats (`any`: blocked layouts such as
// nChw16c, with reorders from and to the caller's plain buffers around the primitive, as
// PyTorch's mkldnn path does) or runs on the plain buffers directly (oneDNN then takes its
// im2col + GEMM implementation). Measured with bench_conv_ref on the Fashion-MNIST CNN's shapes
// (3x3 same, medians of 10 calls; 2026-11-29, a loaded 2-core machine):
//  - 32 -> 64 channels at 14x14, batch 128, 2 threads: plain 7.0 / 8.1 / 6.7 ms (forward,
//    backward data, backward weights), blocked 5.1 / 4.1 / 4.1 ms; at 16x16, batch 64, 2 ranks
//    x 1 thread: plain 7.8 / 9.9 / 10.4 ms, blocked 4.6-5.0 / 4.9-5.2 / 4.9-5.1 ms;
//  - 1 -> 32 channels at 28x28, batch 128, 2 threads: forward plain 0.69 ms, blocked 1.87 ms
//    (a 1-channel input gains nothing from blocking; the output's reorder is the cost).
// So: blocked where both channel counts fill a 16-float vector, plain below.
bool useBlockedFormats(const WindowGeometry &g) { return g.w[0] >= 16 && g.w[1] >= 16; }

enum class Pass { Forward, BackwardData, BackwardWeights };

std::vector<int64_t> dims(const WindowGeometry &g, const int64_t *shape) {
  return std::vector<int64_t>(shape, shape + g.ndims());
}

// What a pass does besides the convolution: nothing, a bias (forward: added; backward weights:
// its gradient), or a bias and a relu post-op (forward only).
enum class Fusion { None, Bias, BiasRelu };

// The key of one pass on one geometry.
std::vector<int64_t> cacheKey(Pass pass, const WindowGeometry &g, Fusion fusion) {
  std::vector<int64_t> key = {kTagConvForward + static_cast<int64_t>(pass), g.nsp};
  for (const int64_t *shape : {g.x, g.w, g.y})
    key.insert(key.end(), shape, shape + g.ndims());
  for (const int64_t *v : {g.stride, g.dilation, g.padLo, g.padHi})
    key.insert(key.end(), v, v + g.nsp);
  key.push_back(static_cast<int64_t>(fusion));
  return key;
}

struct ConvEntry : DnnlEntry {
  DnnlOp op;
  // The relu is applied after the primitive, over y, instead of as its post-op: oneDNN 2.6's
  // GEMM convolution (the plain formats) applies an eltwise post-op about 10x slower than the
  // convolution itself (1 -> 32 channels at 32x32, batch 64, 1 thread: 12.5 ms with the post-op,
  // 1.2 ms without, 2026-11-30, loaded machine), while the blocked JIT kernels fuse it for
  // ~0.2 ms on 32 -> 64 channels at 16x16.
  bool reluAfter = false;
};

// The memory descriptors of x, w and y as the caller holds them (plain) and as the op
// descriptor names them (plain, or `any`).
struct ConvDescs {
  dnnl_memory_desc_t x, w, y, xOp, wOp, yOp, b; // b: the bias [F], plain (read where used)
  dnnl_dims_t strides, dilates, padL, padR;
};

Status makeDescs(const WindowGeometry &g, ConvDescs *d) {
  for (auto [user, op, shape] : {std::tuple{&d->x, &d->xOp, g.x}, std::tuple{&d->w, &d->wOp, g.w},
                                 std::tuple{&d->y, &d->yOp, g.y}}) {
    if (Status s = plainDesc(dims(g, shape), false, user); !s.ok())
      return s;
    if (Status s = plainDesc(dims(g, shape), useBlockedFormats(g), op); !s.ok())
      return s;
  }
  if (Status s = plainDesc({g.w[0]}, false, &d->b); !s.ok())
    return s;
  for (int i = 0; i < g.nsp; ++i) {
    d->strides[i] = g.stride[i];
    d->dilates[i] = g.dilation[i] - 1;
    d->padL[i] = g.padLo[i];
    d->padR[i] = g.padHi[i];
  }
  return Status::success();
}

Status forwardDesc(const ConvDescs &d, bool bias, dnnl_convolution_desc_t *out) {
  return dnnlCheck(dnnl_dilated_convolution_forward_desc_init(
                       out, dnnl_forward_training, dnnl_convolution_direct, &d.xOp, &d.wOp,
                       bias ? &d.b : nullptr, &d.yOp, d.strides, d.dilates, d.padL, d.padR),
                   "dnnl_dilated_convolution_forward_desc_init");
}

// The attributes of a forward pass with a relu post-op (applied to the sum with the bias, in
// the primitive's output blocks while they are in cache).
struct ReluAttr {
  dnnl_primitive_attr_t attr = nullptr;
  dnnl_post_ops_t ops = nullptr;
  ~ReluAttr() {
    if (ops)
      dnnl_post_ops_destroy(ops);
    if (attr)
      dnnl_primitive_attr_destroy(attr);
  }
  Status make() {
    if (Status s = dnnlCheck(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create");
        !s.ok())
      return s;
    if (Status s = dnnlCheck(dnnl_post_ops_create(&ops), "dnnl_post_ops_create"); !s.ok())
      return s;
    if (Status s = dnnlCheck(dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f),
                             "dnnl_post_ops_append_eltwise");
        !s.ok())
      return s;
    return dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, ops),
                     "dnnl_primitive_attr_set_post_ops");
  }
};

// The entry of one pass: its primitive with the arguments in the order run() passes them
// (forward: x, w, [b,] y; backward data: dy, w, dx; backward weights: x, dy, dw[, db]).
Status makeEntry(DnnlCache &cache, Pass pass, const WindowGeometry &g, Fusion fusion,
                 std::unique_ptr<DnnlEntry> *out) {
  const bool bias = fusion != Fusion::None;
  ConvDescs d;
  if (Status s = makeDescs(g, &d); !s.ok())
    return s;
  dnnl_convolution_desc_t fwd;
  if (Status s = forwardDesc(d, bias, &fwd); !s.ok())
    return s;
  auto entry = std::make_unique<ConvEntry>();
  if (pass == Pass::Forward) {
    ReluAttr relu;
    entry->reluAfter = fusion == Fusion::BiasRelu && !useBlockedFormats(g);
    if (fusion == Fusion::BiasRelu && !entry->reluAfter)
      if (Status s = relu.make(); !s.ok())
        return s;
    std::vector<DnnlArgSpec> args = {{DNNL_ARG_SRC, false, &d.x}, {DNNL_ARG_WEIGHTS, false, &d.w}};
    if (bias)
      args.push_back({DNNL_ARG_BIAS, false, &d.b});
    args.push_back({DNNL_ARG_DST, true, &d.y});
    if (Status s = entry->op.init(cache.engine(), &fwd, nullptr, args, "oneDNN convolution forward",
                                  relu.attr);
        !s.ok())
      return s;
    *out = std::move(entry);
    return Status::success();
  }
  // A backward primitive needs the forward one's descriptor as its hint.
  dnnl_primitive_desc_t hint = nullptr;
  if (Status s =
          dnnlCheck(dnnl_primitive_desc_create(&hint, &fwd, nullptr, cache.engine(), nullptr),
                    "oneDNN convolution forward (hint)");
      !s.ok())
    return s;
  dnnl_convolution_desc_t bwd;
  Status s;
  if (pass == Pass::BackwardData) {
    s = dnnlCheck(dnnl_dilated_convolution_backward_data_desc_init(
                      &bwd, dnnl_convolution_direct, &d.xOp, &d.wOp, &d.yOp, d.strides, d.dilates,
                      d.padL, d.padR),
                  "dnnl_dilated_convolution_backward_data_desc_init");
    if (s.ok())
      s = entry->op.init(cache.engine(), &bwd, hint,
                         {{DNNL_ARG_DIFF_DST, false, &d.y},
                          {DNNL_ARG_WEIGHTS, false, &d.w},
                          {DNNL_ARG_DIFF_SRC, true, &d.x}},
                         "oneDNN convolution backward data");
  } else {
    s = dnnlCheck(dnnl_dilated_convolution_backward_weights_desc_init(
                      &bwd, dnnl_convolution_direct, &d.xOp, &d.wOp, bias ? &d.b : nullptr, &d.yOp,
                      d.strides, d.dilates, d.padL, d.padR),
                  "dnnl_dilated_convolution_backward_weights_desc_init");
    std::vector<DnnlArgSpec> args = {{DNNL_ARG_SRC, false, &d.x},
                                     {DNNL_ARG_DIFF_DST, false, &d.y},
                                     {DNNL_ARG_DIFF_WEIGHTS, true, &d.w}};
    if (bias)
      args.push_back({DNNL_ARG_DIFF_BIAS, true, &d.b});
    if (s.ok())
      s = entry->op.init(cache.engine(), &bwd, hint, args, "oneDNN convolution backward weights");
  }
  dnnl_primitive_desc_destroy(hint);
  if (!s.ok())
    return s;
  *out = std::move(entry);
  return Status::success();
}

// Runs one pass's primitive on `buffers` (in the entry's argument order); its entry, or null
// after an error (recorded in the context).
ConvEntry *runDnnl(Context *ctx, Pass pass, const WindowGeometry &g, Fusion fusion,
                   const std::vector<void *> &buffers) {
  DnnlCache *cache = ctx->dnnlCache();
  if (!cache)
    return nullptr;
  Status made;
  DnnlEntry *entry =
      cache->find(cacheKey(pass, g, fusion), &made, [&](std::unique_ptr<DnnlEntry> *e) {
        return makeEntry(*cache, pass, g, fusion, e);
      });
  if (!ctx->check(made))
    return nullptr;
  auto *conv = static_cast<ConvEntry *>(entry);
  return ctx->check(conv->op.run(cache->stream(), buffers)) ? conv : nullptr;
}

// One pass on the CPU: out (outCount elements) from in0 and in1 (in the entry's argument
// order); zeros where an input is empty.
void runCpu(Context *ctx, Pass pass, const WindowGeometry &g, const void *in0, int64_t in0Count,
            const void *in1, int64_t in1Count, float *out, int64_t outCount) {
  if (outCount == 0)
    return;
  if (in0Count == 0 || in1Count == 0) {
    std::fill(out, out + outCount, 0.0f);
    return;
  }
  runDnnl(ctx, pass, g, Fusion::None, {const_cast<void *>(in0), const_cast<void *>(in1), out});
}

// y [N, F, S] as lines of S per (n, f): the size of S.
int64_t lineOf(const WindowGeometry &g) {
  int64_t s = 1;
  for (int i = 0; i < g.nsp; ++i)
    s *= g.y[2 + i];
  return s;
}

// The fused forward: y = act(conv(x, w) + b); where x or w is empty the sums are, and y is
// act(b) broadcast.
void runBiasActCpu(Context *ctx, const WindowGeometry &g, const float *x, const float *w,
                   const float *b, bool relu, float *y) {
  if (g.yCount() == 0)
    return;
  if (g.xCount() == 0 || g.wCount() == 0) {
    const int64_t f = g.y[1], s = lineOf(g);
    for (int64_t i = 0; i < g.yCount(); ++i) {
      const float v = b[(i / s) % f];
      y[i] = relu ? std::max(v, 0.0f) : v;
    }
    return;
  }
  ConvEntry *entry =
      runDnnl(ctx, Pass::Forward, g, relu ? Fusion::BiasRelu : Fusion::Bias,
              {const_cast<float *>(x), const_cast<float *>(w), const_cast<float *>(b), y});
  if (entry && entry->reluAfter)
    for (int64_t i = 0, n = g.yCount(); i < n; ++i)
      y[i] = y[i] > 0.0f ? y[i] : 0.0f;
}

// db[f] = the sum of dy [N, F, S] over N and S: each line of S in 16 float lanes (which the
// compiler vectorises; a single float accumulator it may not reorder), the lines in double.
void biasGradient(const WindowGeometry &g, const float *dy, float *db) {
  const int64_t f = g.y[1], s = lineOf(g);
  for (int64_t c = 0; c < f; ++c) {
    double sum = 0.0;
    for (int64_t n = 0; n < g.y[0]; ++n) {
      const float *line = dy + (n * f + c) * s;
      float lanes[16] = {};
      int64_t k = 0;
      for (; k + 16 <= s; k += 16)
        for (int j = 0; j < 16; ++j)
          lanes[j] += line[k + j];
      float part = 0.0f;
      for (float lane : lanes)
        part += lane;
      for (; k < s; ++k)
        part += line[k];
      sum += part;
    }
    db[c] = static_cast<float>(sum);
  }
}

// The fused backward weights: dw and db = the sum of dy over N and S. On the blocked formats
// one oneDNN pass computes both (DNNL_ARG_DIFF_BIAS: +0.1 ms over dw alone, 32 -> 64 channels at
// 16x16, batch 64, 1 thread); oneDNN 2.6's GEMM backward weights (the plain formats) reduces
// the bias slower than a pass over dy here (1 -> 32 channels at 32x32: +0.9 ms vs +0.2 ms;
// 2026-11-30, loaded machine), so there dw is the plain primitive's and db summed here, as it is
// where x or dy is empty (dw zero then).
void runWeightsBiasCpu(Context *ctx, const WindowGeometry &g, const float *x, const float *dy,
                       float *dw, float *db) {
  if (g.xCount() == 0 || g.yCount() == 0 || g.wCount() == 0 || !useBlockedFormats(g)) {
    runCpu(ctx, Pass::BackwardWeights, g, x, g.xCount(), dy, g.yCount(), dw, g.wCount());
    biasGradient(g, dy, db);
    return;
  }
  runDnnl(ctx, Pass::BackwardWeights, g, Fusion::Bias,
          {const_cast<float *>(x), const_cast<float *>(dy), dw, db});
}

} // namespace

extern "C" {

void meshrt_conv_forward(meshrt_context_t handle, int32_t nsp, const int64_t *x_shape,
                         const int64_t *w_shape, const int64_t *y_shape, const int64_t *geometry,
                         const float *x, const float *w, float *y) {
  AbiCall call(handle, ProfileKind::ConvForward, {{"nsp", nsp}});
  WindowGeometry g;
  if (!checkConvGeometry(call, nsp, x_shape, w_shape, y_shape, geometry, &g))
    return;
  call.run([&](Device &dev) { return dev.convForward(g, x, w, y); },
           [&](Context *ctx) {
             runCpu(ctx, Pass::Forward, g, x, g.xCount(), w, g.wCount(), y, g.yCount());
           });
}

void meshrt_conv_backward_data(meshrt_context_t handle, int32_t nsp, const int64_t *x_shape,
                               const int64_t *w_shape, const int64_t *y_shape,
                               const int64_t *geometry, const float *w, const float *dy,
                               float *dx) {
  AbiCall call(handle, ProfileKind::ConvBackwardData, {{"nsp", nsp}});
  WindowGeometry g;
  if (!checkConvGeometry(call, nsp, x_shape, w_shape, y_shape, geometry, &g))
    return;
  call.run([&](Device &dev) { return dev.convBackwardData(g, w, dy, dx); },
           [&](Context *ctx) {
             runCpu(ctx, Pass::BackwardData, g, dy, g.yCount(), w, g.wCount(), dx, g.xCount());
           });
}

void meshrt_conv_backward_weights(meshrt_context_t handle, int32_t nsp, const int64_t *x_shape,
                                  const int64_t *w_shape, const int64_t *y_shape,
                                  const int64_t *geometry, const float *x, const float *dy,
                                  float *dw) {
  AbiCall call(handle, ProfileKind::ConvBackwardWeights, {{"nsp", nsp}});
  WindowGeometry g;
  if (!checkConvGeometry(call, nsp, x_shape, w_shape, y_shape, geometry, &g))
    return;
  call.run([&](Device &dev) { return dev.convBackwardWeights(g, x, dy, dw); },
           [&](Context *ctx) {
             runCpu(ctx, Pass::BackwardWeights, g, x, g.xCount(), dy, g.yCount(), dw, g.wCount());
           });
}

void meshrt_conv_bias_act_forward(meshrt_context_t handle, int32_t nsp, const int64_t *x_shape,
                                  const int64_t *w_shape, const int64_t *y_shape,
                                  const int64_t *geometry, int32_t relu, const float *x,
                                  const float *w, const float *b, float *y) {
  AbiCall call(handle, ProfileKind::ConvBiasActForward, {{"nsp", nsp}, {"relu", relu}});
  WindowGeometry g;
  if (!checkConvGeometry(call, nsp, x_shape, w_shape, y_shape, geometry, &g) ||
      !call.require(relu == 0 || relu == 1, "relu must be 0 or 1, not %d", relu))
    return;
  call.run([&](Device &dev) { return dev.convBiasActForward(g, x, w, b, relu != 0, y); },
           [&](Context *ctx) { runBiasActCpu(ctx, g, x, w, b, relu != 0, y); });
}

void meshrt_conv_backward_weights_bias(meshrt_context_t handle, int32_t nsp, const int64_t *x_shape,
                                       const int64_t *w_shape, const int64_t *y_shape,
                                       const int64_t *geometry, const float *x, const float *dy,
                                       float *dw, float *db) {
  AbiCall call(handle, ProfileKind::ConvBackwardWeightsBias, {{"nsp", nsp}});
  WindowGeometry g;
  if (!checkConvGeometry(call, nsp, x_shape, w_shape, y_shape, geometry, &g))
    return;
  call.run([&](Device &dev) { return dev.convBackwardWeightsBias(g, x, dy, dw, db); },
           [&](Context *ctx) { runWeightsBiasCpu(ctx, g, x, dy, dw, db); });
}

} // extern "C"
