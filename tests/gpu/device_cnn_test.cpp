// device_cnn_test.cpp — the CNN family's kernels (cuDNN convolutions, with meshc-fuse-conv's
// bias, relu and bias gradient, pooling, batch norm, the halo exchange) on a CUDA context against
// the same kernels on a CPU context (oneDNN; itself checked against NumPy by tests/runtime/cnn), on
// the same inputs.
//
// Convolutions and their adjoints are sums over C x K products in another order: compared with
// a tolerance relative to the output's scale. Max pooling is a selection and its adjoint routes
// each dy to one position: inputs with ties (small integers) check that both pick the first
// maximum, exactly. Average pooling and the halo exchange's adjoint add multiples of 1/8:
// exact in any order. Sizes are odd, strides and dilations above 1, pads asymmetric.
#include "device_pair.h"

#include <array>

using namespace meshrt_gpu_test;

namespace {

class DeviceCnn : public CudaTest {
protected:
  void SetUp() override {
    CudaTest::SetUp();
    if (IsSkipped())
      return;
    ASSERT_NO_FATAL_FAILURE(pair.open(meshesForWorld().front(), /*seed=*/13));
  }
  Pair pair;
};

int64_t outSize(int64_t s, int64_t k, int64_t stride, int64_t dilation, int64_t lo, int64_t hi) {
  return (s + lo + hi - dilation * (k - 1) - 1) / stride + 1;
}

// Values k/8 for integers k in [-range, range]: sums of a few of them are exact in any order,
// and a small range makes ties.
std::vector<float> eighths(int64_t n, int salt, int range) {
  std::vector<float> v = pseudoVec(n, salt);
  for (float &x : v)
    x = std::round(x * static_cast<float>(range)) / 8.0f;
  return v;
}

struct ConvCase {
  const char *name;
  int64_t n, c, f;
  std::vector<int64_t> s, k, stride, dilation, lo, hi;
};

const std::vector<ConvCase> kConvCases = {
    {"1d stride2 dil2 asym", 3, 2, 5, {10}, {4}, {2}, {2}, {2}, {1}},
    {"2d valid odd", 3, 2, 5, {9, 7}, {2, 3}, {1, 2}, {1, 1}, {0, 0}, {0, 0}},
    {"2d stride2 dil2 explicit", 2, 3, 4, {9, 8}, {3, 3}, {2, 1}, {1, 2}, {0, 2}, {1, 1}},
    {"2d same, 17 -> 19 channels", 3, 17, 19, {9, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},
    {"3d", 2, 2, 3, {5, 6, 7}, {3, 2, 3}, {1, 2, 2}, {1, 1, 2}, {1, 0, 2}, {1, 1, 1}},
    {"fmnist conv2", 8, 32, 64, {16, 16}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},
};

struct PoolCase {
  const char *name;
  int32_t kind;
  int64_t n, c;
  std::vector<int64_t> s, window, stride, lo, hi;
};

const std::vector<PoolCase> kPoolCases = {
    {"1d max 2/2", MESHRT_POOL_MAX, 2, 3, {9}, {2}, {2}, {0}, {1}},
    {"2d max 3/2 pad", MESHRT_POOL_MAX, 2, 3, {9, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}},
    {"2d max 2/2", MESHRT_POOL_MAX, 3, 33, {16, 10}, {2, 2}, {2, 2}, {0, 0}, {0, 0}},
    {"2d avg 3/2 asym", MESHRT_POOL_AVG, 2, 3, {9, 8}, {3, 2}, {2, 1}, {1, 0}, {0, 1}},
    {"3d max", MESHRT_POOL_MAX, 2, 2, {5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {0, 1, 1}, {1, 1, 0}},
    {"3d avg", MESHRT_POOL_AVG, 2, 2, {5, 6, 7}, {3, 2, 2}, {1, 2, 2}, {1, 0, 0}, {1, 0, 1}},
};

// A conv case's x, w and y shapes and its geometry (strides, dilations, pad_lo, pad_hi).
std::array<std::vector<int64_t>, 4> shapesOf(const ConvCase &t) {
  std::vector<int64_t> x{t.n, t.c}, w{t.f, t.c}, y{t.n, t.f}, geometry;
  for (size_t i = 0; i < t.s.size(); ++i) {
    x.push_back(t.s[i]);
    w.push_back(t.k[i]);
    y.push_back(outSize(t.s[i], t.k[i], t.stride[i], t.dilation[i], t.lo[i], t.hi[i]));
  }
  for (const auto *v : {&t.stride, &t.dilation, &t.lo, &t.hi})
    geometry.insert(geometry.end(), v->begin(), v->end());
  return {x, w, y, geometry};
}

} // namespace

TEST_F(DeviceCnn, ConvolutionAndAdjoints) {
  for (const ConvCase &t : kConvCases) {
    SCOPED_TRACE(t.name);
    const int nsp = static_cast<int>(t.s.size());
    const std::array<std::vector<int64_t>, 4> shapes = shapesOf(t);
    const std::vector<int64_t> &x = shapes[0], &w = shapes[1], &y = shapes[2],
                               &geometry = shapes[3];
    Buffer xb = pair.upload(pseudoVec(count(x), 31)), wb = pair.upload(pseudoVec(count(w), 32));
    Buffer dyb = pair.upload(pseudoVec(count(y), 33));
    // Poisoned outputs: every element must be written.
    Buffer yb = pair.upload(std::vector<float>(count(y), -99.0f));
    Buffer dxb = pair.upload(std::vector<float>(count(x), -99.0f));
    Buffer dwb = pair.upload(std::vector<float>(count(w), -99.0f));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_conv_forward(ctx, nsp, x.data(), w.data(), y.data(), geometry.data(), xb.f(side),
                          wb.f(side), yb.f(side));
      meshrt_conv_backward_data(ctx, nsp, x.data(), w.data(), y.data(), geometry.data(), wb.f(side),
                                dyb.f(side), dxb.f(side));
      meshrt_conv_backward_weights(ctx, nsp, x.data(), w.data(), y.data(), geometry.data(),
                                   xb.f(side), dyb.f(side), dwb.f(side));
    });
    ASSERT_TRUE(pair.ok());
    for (auto [buffer, what] : {std::pair{&yb, "forward"}, std::pair{&dxb, "backward data"},
                                std::pair{&dwb, "backward weights"}}) {
      Results<float> r = pair.read<float>(*buffer);
      EXPECT_TRUE(near(r, 1e-4, maxAbs(r.cpu))) << what;
    }
  }
}

// meshc-fuse-conv's kernels: cuDNN's convolution then the bias (+ relu) pass, and backward
// weights with the bias-gradient reduction, against oneDNN's fused primitives.
TEST_F(DeviceCnn, ConvolutionWithBiasReluAndBiasGradient) {
  for (const ConvCase &t : kConvCases) {
    SCOPED_TRACE(t.name);
    const int nsp = static_cast<int>(t.s.size());
    const std::array<std::vector<int64_t>, 4> shapes = shapesOf(t);
    const std::vector<int64_t> &x = shapes[0], &w = shapes[1], &y = shapes[2],
                               &geometry = shapes[3];
    Buffer xb = pair.upload(pseudoVec(count(x), 51)), wb = pair.upload(pseudoVec(count(w), 52));
    Buffer bb = pair.upload(pseudoVec(t.f, 53)), dyb = pair.upload(pseudoVec(count(y), 54));
    Buffer yb = pair.upload(std::vector<float>(count(y), -99.0f));
    Buffer ab = pair.upload(std::vector<float>(count(y), -99.0f));
    Buffer dwb = pair.upload(std::vector<float>(count(w), -99.0f));
    Buffer dbb = pair.upload(std::vector<float>(t.f, -99.0f));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_conv_bias_act_forward(ctx, nsp, x.data(), w.data(), y.data(), geometry.data(), 0,
                                   xb.f(side), wb.f(side), bb.f(side), yb.f(side));
      meshrt_conv_bias_act_forward(ctx, nsp, x.data(), w.data(), y.data(), geometry.data(), 1,
                                   xb.f(side), wb.f(side), bb.f(side), ab.f(side));
      meshrt_conv_backward_weights_bias(ctx, nsp, x.data(), w.data(), y.data(), geometry.data(),
                                        xb.f(side), dyb.f(side), dwb.f(side), dbb.f(side));
    });
    ASSERT_TRUE(pair.ok());
    for (auto [buffer, what] : {std::pair{&yb, "conv + bias"}, std::pair{&ab, "conv + bias + relu"},
                                std::pair{&dwb, "dw"}, std::pair{&dbb, "db"}}) {
      Results<float> r = pair.read<float>(*buffer);
      EXPECT_TRUE(near(r, 1e-4, maxAbs(r.cpu))) << what;
    }
  }
}

TEST_F(DeviceCnn, PoolingAndAdjointWithTies) {
  for (const PoolCase &t : kPoolCases) {
    SCOPED_TRACE(t.name);
    const int nsp = static_cast<int>(t.s.size());
    std::vector<int64_t> x{t.n, t.c}, y{t.n, t.c}, geometry;
    for (int i = 0; i < nsp; ++i) {
      x.push_back(t.s[i]);
      y.push_back(outSize(t.s[i], t.window[i], t.stride[i], 1, t.lo[i], t.hi[i]));
    }
    for (const auto *v : {&t.window, &t.stride, &t.lo, &t.hi})
      geometry.insert(geometry.end(), v->begin(), v->end());
    // Integers in [-3, 3] / 8 in x: most windows hold equal maxima.
    Buffer xb = pair.upload(eighths(count(x), 41, 3)), dyb = pair.upload(eighths(count(y), 42, 8));
    Buffer yb = pair.upload(std::vector<float>(count(y), -99.0f));
    Buffer dxb = pair.upload(std::vector<float>(count(x), -99.0f));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_pool_forward(ctx, t.kind, nsp, x.data(), y.data(), geometry.data(), xb.f(side),
                          yb.f(side));
      meshrt_pool_backward(ctx, t.kind, nsp, x.data(), y.data(), geometry.data(), xb.f(side),
                           dyb.f(side), dxb.f(side));
    });
    ASSERT_TRUE(pair.ok());
    if (t.kind == MESHRT_POOL_MAX) {
      EXPECT_TRUE(same(pair.read<float>(yb))) << "max pool forward";
      EXPECT_TRUE(same(pair.read<float>(dxb))) << "max pool backward (first maximum)";
    } else {
      // The divisor (the window's volume) makes the averages inexact: compared within 1e-6.
      EXPECT_TRUE(near(pair.read<float>(yb), 1e-6, 1.0)) << "avg pool forward";
      EXPECT_TRUE(near(pair.read<float>(dxb), 1e-6, 1.0)) << "avg pool backward";
    }
  }
}

TEST_F(DeviceCnn, BatchNormAndGrad) {
  struct Case {
    int64_t n, c, s;
    float epsilon;
  };
  for (Case t : {Case{3, 5, 7, 1e-5f}, Case{4, 3, 1, 1e-3f}, Case{8, 32, 196, 1e-5f}}) {
    SCOPED_TRACE(std::to_string(t.n) + "x" + std::to_string(t.c) + "x" + std::to_string(t.s));
    const int64_t total = t.n * t.c * t.s;
    std::vector<float> xv = pseudoVec(total, 51), var = pseudoVec(t.c, 53);
    for (float &v : xv)
      v = 2.0f * v + 0.5f;
    for (float &v : var)
      v = v * v + 0.25f; // positive
    Buffer x = pair.upload(xv), mean = pair.upload(pseudoVec(t.c, 52)), vb = pair.upload(var);
    Buffer scale = pair.upload(pseudoVec(t.c, 54)), shift = pair.upload(pseudoVec(t.c, 55));
    Buffer dy = pair.upload(pseudoVec(total, 56)), y = pair.alloc(total * 4);
    Buffer dx = pair.alloc(total * 4), dmean = pair.alloc(t.c * 4), dvar = pair.alloc(t.c * 4);
    Buffer dscale = pair.alloc(t.c * 4), dshift = pair.alloc(t.c * 4);
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_batch_norm(ctx, t.n, t.c, t.s, t.epsilon, x.f(side), mean.f(side), vb.f(side),
                        scale.f(side), shift.f(side), y.f(side));
      meshrt_batch_norm_grad(ctx, t.n, t.c, t.s, t.epsilon, x.f(side), mean.f(side), vb.f(side),
                             scale.f(side), dy.f(side), dx.f(side), dmean.f(side), dvar.f(side),
                             dscale.f(side), dshift.f(side));
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(near(pair.read<float>(y), 1e-5, 1.0)) << "batch_norm";
    EXPECT_TRUE(near(pair.read<float>(dx), 1e-5, 1.0)) << "dx";
    // Sums over n x s terms of size ~1.
    const double sumScale = static_cast<double>(t.n * t.s);
    for (auto [buffer, what] : {std::pair{&dmean, "dmean"}, std::pair{&dvar, "dvar"},
                                std::pair{&dscale, "dscale"}, std::pair{&dshift, "dshift"}})
      EXPECT_TRUE(near(pair.read<float>(*buffer), 1e-5, sumScale)) << what;
  }
}

// On every mesh of the world, along each axis: the CUDA context's exchange and its adjoint equal
// the CPU context's (row copies, and sums of multiples of 1/8), at the edges too.
TEST_F(DeviceCnn, HaloExchangeAndGradOnEveryMesh) {
  for (const std::string &spec : meshesForWorld()) {
    SCOPED_TRACE(spec);
    Pair mesh;
    ASSERT_NO_FATAL_FAILURE(mesh.open(spec, /*seed=*/17));
    const int32_t axes = static_cast<int32_t>(meshSizes(spec).size());
    const int64_t outer = 3, local = 4, inner = 5;
    for (int32_t axis = 0; axis < axes; ++axis)
      for (std::pair<int64_t, int64_t> halo :
           {std::pair<int64_t, int64_t>{1, 1}, {2, 0}, {0, 3}, {4, 4}}) {
        const int64_t lo = halo.first, hi = halo.second;
        SCOPED_TRACE("axis " + std::to_string(axis) + " lo " + std::to_string(lo) + " hi " +
                     std::to_string(hi));
        const int64_t wide = outer * (lo + local + hi) * inner;
        Buffer in = mesh.upload(eighths(outer * local * inner, 61 + worldRank(), 8));
        Buffer out = mesh.upload(std::vector<float>(wide, -99.0f));
        Buffer grad = mesh.upload(eighths(wide, 71 + worldRank(), 8));
        Buffer back = mesh.upload(std::vector<float>(outer * local * inner, -99.0f));
        mesh.run([&](meshrt_context_t ctx, int side) {
          meshrt_halo_exchange(ctx, axis, in.f(side), out.f(side), outer, local, inner, lo, hi,
                               -INFINITY);
          meshrt_halo_exchange_grad(ctx, axis, grad.f(side), back.f(side), outer, local, inner, lo,
                                    hi);
        });
        ASSERT_TRUE(mesh.ok());
        EXPECT_TRUE(same(mesh.read<float>(out))) << "halo_exchange";
        EXPECT_TRUE(same(mesh.read<float>(back))) << "halo_exchange_grad";
      }
  }
}
