// nn_test.cpp — the NN-family kernels (layer norm, GELU, softmax, causal mask, dropout) and the
// Adam and momentum updates against naive loops written here; the causal mask and dropout on
// every mesh and layout that fits the world, slices assembled with raw MPI, against the
// tensor computed whole.
#include "test_util.h"

#include <cmath>
#include <cstring>

using namespace meshrt_test;

namespace {

ContextPtr anyContext(uint64_t seed = 0) { return makeContext(meshesForWorld().front(), seed); }

// Global flat index of local element e of this rank's slice (the test's model of a layout).
int64_t globalIndex(const std::vector<int64_t> &sizes, const std::vector<int64_t> &global,
                    const std::vector<int32_t> &axes, const std::vector<int64_t> &coords,
                    int64_t e) {
  const int nd = static_cast<int>(global.size());
  int64_t flat = 0, stride = 1;
  for (int d = nd - 1; d >= 0; --d) {
    const int64_t local = axes[d] < 0 ? global[d] : global[d] / sizes[axes[d]];
    const int64_t g = e % local + (axes[d] < 0 ? 0 : coords[axes[d]] * local);
    e /= local;
    flat += g * stride;
    stride *= global[d];
  }
  return flat;
}

// Layouts of a 3-D tensor over the mesh's axes (each axis at most once).
std::vector<std::vector<int32_t>> layoutsFor(int numAxes) {
  std::vector<std::vector<int32_t>> out = {{-1, -1, -1}};
  for (int a = 0; a < numAxes; ++a) {
    out.push_back({a, -1, -1});
    out.push_back({-1, a, -1});
    out.push_back({-1, -1, a});
    for (int b = 0; b < numAxes; ++b)
      if (b != a) {
        out.push_back({-1, a, b});
        out.push_back({a, -1, b});
      }
  }
  return out;
}

// Runs `kernel(global shape, axes, in, out)` on this rank's slice of `whole` for every mesh and
// layout that fits the world, and checks each element against `expected` (the whole result).
template <typename Kernel>
void checkSlices(const std::vector<int64_t> &global, const std::vector<float> &whole,
                 const std::vector<float> &expected, Kernel kernel) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec, /*seed=*/5);
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (const std::vector<int32_t> &axes : layoutsFor(static_cast<int>(sizes.size()))) {
      bool divisible = true;
      for (size_t d = 0; d < global.size(); ++d)
        divisible &= axes[d] < 0 || global[d] % sizes[axes[d]] == 0;
      if (!divisible)
        continue;
      SCOPED_TRACE(spec + " axes " + std::to_string(axes[0]) + "," + std::to_string(axes[1]) + "," +
                   std::to_string(axes[2]));
      const int64_t n = localCount(sizes, global, axes);
      std::vector<float> in(n), out(n);
      for (int64_t e = 0; e < n; ++e)
        in[e] = whole[globalIndex(sizes, global, axes, coords, e)];
      kernel(ctx.get(), global.data(), axes.data(), in.data(), out.data());
      ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
      for (int64_t e = 0; e < n; ++e)
        ASSERT_EQ(out[e], expected[globalIndex(sizes, global, axes, coords, e)]) << "element " << e;
    }
  }
}

uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

// Strided lines (inner 2) and contiguous ones (inner 1, the vectorised path) of odd lengths,
// shorter and longer than a vector, against sums in double.
TEST(NN, LayerNormAndGradAgainstNaive) {
  ContextPtr ctx = anyContext();
  const int64_t cases[][3] = {{3, 7, 2}, {5, 1, 1}, {4, 37, 1}, {3, 1027, 1}};
  for (const auto &c : cases) {
    const int64_t outer = c[0], n = c[1], inner = c[2], count = outer * n * inner;
    SCOPED_TRACE("outer " + std::to_string(outer) + " n " + std::to_string(n) + " inner " +
                 std::to_string(inner));
    std::vector<float> x = pseudoVec(count, 1), dy = pseudoVec(count, 2), y(count), dx(count);
    for (int64_t e = 0; e < count; ++e)
      x[e] = 3.0f * x[e] + 0.5f; // an offset mean, so that the statistics matter
    meshrt_layer_norm(ctx.get(), outer, n, inner, 1e-5f, x.data(), y.data());
    meshrt_layer_norm_grad(ctx.get(), outer, n, inner, 1e-5f, x.data(), dy.data(), dx.data());
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t k) { return (o * n + k) * inner + i; };
        double mean = 0, var = 0;
        for (int64_t k = 0; k < n; ++k)
          mean += x[at(k)];
        mean /= n;
        for (int64_t k = 0; k < n; ++k)
          var += (x[at(k)] - mean) * (x[at(k)] - mean);
        double inv = 1 / std::sqrt(var / n + 1e-5);
        double mdy = 0, mdyy = 0;
        for (int64_t k = 0; k < n; ++k) {
          mdy += dy[at(k)] / double(n);
          mdyy += dy[at(k)] * (x[at(k)] - mean) * inv / double(n);
        }
        for (int64_t k = 0; k < n; ++k) {
          double yk = (x[at(k)] - mean) * inv;
          ASSERT_NEAR(y[at(k)], yk, 1e-5) << "y at line " << o << "," << i << " element " << k;
          ASSERT_NEAR(dx[at(k)], (dy[at(k)] - mdy - yk * mdyy) * inv, 1e-4)
              << "dx at line " << o << "," << i << " element " << k;
        }
      }
  }
}

TEST(NN, GeluAndGradAgainstFormula) {
  ContextPtr ctx = anyContext();
  const int64_t n = 1000;
  std::vector<float> x = pseudoVec(n, 3), dy = pseudoVec(n, 4), y(n), dx(n);
  for (float &v : x)
    v *= 4.0f;
  meshrt_gelu(ctx.get(), n, x.data(), y.data());
  meshrt_gelu_grad(ctx.get(), n, x.data(), dy.data(), dx.data());
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  auto gelu = [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  };
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(y[i], gelu(x[i]), 1e-5);
    double h = 1e-4, slope = (gelu(x[i] + h) - gelu(x[i] - h)) / (2 * h);
    EXPECT_NEAR(dx[i], slope * dy[i], 1e-4);
  }
}

// The CPU kernels are oneDNN primitives, one per size: an odd size past any vector width, a
// range where tanh saturates, and both results written in place over their inputs.
TEST(NN, GeluInPlaceOnWideRange) {
  ContextPtr ctx = anyContext();
  const int64_t n = 100003;
  std::vector<float> x = pseudoVec(n, 7), dy = pseudoVec(n, 8);
  for (float &v : x)
    v *= 24.0f; // [-12, 12]
  std::vector<float> y = x, dx = dy;
  meshrt_gelu_grad(ctx.get(), n, x.data(), dx.data(), dx.data());
  meshrt_gelu(ctx.get(), n, y.data(), y.data());
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  for (int64_t i = 0; i < n; ++i) {
    const double v = x[i], t = std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v));
    const double slope =
        0.5 * (1 + t) + 0.5 * v * (1 - t * t) * std::sqrt(2 / M_PI) * (1 + 3 * 0.044715 * v * v);
    ASSERT_NEAR(y[i], 0.5 * v * (1 + t), 1e-5 * (1 + std::fabs(v))) << "x = " << v;
    ASSERT_NEAR(dx[i], slope * dy[i], 1e-5 * (1 + std::fabs(v))) << "x = " << v;
  }
}

TEST(NN, SoftmaxAgainstNaive) {
  ContextPtr ctx = anyContext();
  const int64_t outer = 2, n = 5, inner = 3, count = outer * n * inner;
  std::vector<float> x = pseudoVec(count, 5), y(count);
  for (float &v : x)
    v *= 30.0f; // large logits: the max shift matters
  meshrt_softmax(ctx.get(), outer, n, inner, x.data(), y.data());
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return (o * n + k) * inner + i; };
      double m = -INFINITY, sum = 0;
      for (int64_t k = 0; k < n; ++k)
        m = std::max(m, double(x[at(k)]));
      for (int64_t k = 0; k < n; ++k)
        sum += std::exp(x[at(k)] - m);
      for (int64_t k = 0; k < n; ++k)
        EXPECT_NEAR(y[at(k)], std::exp(x[at(k)] - m) / sum, 1e-6);
    }
}

TEST(NN, CausalMaskOnEveryLayout) {
  // [key=8, head=2, query=8]: the key dim before the query dim, neither last.
  const std::vector<int64_t> global = {8, 2, 8};
  std::vector<float> whole = pseudoVec(128, 6), expected(128);
  for (int64_t k = 0; k < 8; ++k)
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t q = 0; q < 8; ++q) {
        int64_t i = (k * 2 + h) * 8 + q;
        expected[i] = k > q ? -7.0f : whole[i];
      }
  checkSlices(global, whole, expected,
              [](meshrt_context_t ctx, const int64_t *shape, const int32_t *axes, const float *in,
                 float *out) {
                meshrt_causal_mask(ctx, 3, shape, axes, /*query_dim=*/2, /*key_dim=*/0, -7.0f, in,
                                   out);
              });
  // [head=2, query=8, key=8]: the usual order, key last.
  std::vector<float> expected2(128);
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t q = 0; q < 8; ++q)
      for (int64_t k = 0; k < 8; ++k) {
        int64_t i = (h * 8 + q) * 8 + k;
        expected2[i] = k > q ? -1e9f : whole[i];
      }
  checkSlices({2, 8, 8}, whole, expected2,
              [](meshrt_context_t ctx, const int64_t *shape, const int32_t *axes, const float *in,
                 float *out) { meshrt_causal_mask(ctx, 3, shape, axes, 1, 2, -1e9f, in, out); });
}

TEST(NN, DropoutOnEveryLayoutFollowsTheDocumentedHash) {
  const std::vector<int64_t> global = {4, 8, 8};
  const uint64_t seed = 5, key = 3;
  const int64_t step = 2;
  const float rate = 0.25f;
  std::vector<float> whole = pseudoVec(256, 7), expected(256);
  int64_t kept = 0;
  const uint64_t prefix = mix64(mix64(mix64(seed) ^ key) ^ uint64_t(step));
  for (int64_t i = 0; i < 256; ++i) {
    float u = float(mix64(prefix ^ uint64_t(i)) >> 40) / 16777216.0f;
    expected[i] = u >= rate ? whole[i] * (1.0f / (1.0f - rate)) : 0.0f;
    kept += u >= rate;
  }
  EXPECT_GT(kept, 256 * 0.6);
  EXPECT_LT(kept, 256 * 0.9);
  checkSlices(global, whole, expected,
              [&](meshrt_context_t ctx, const int64_t *shape, const int32_t *axes, const float *in,
                  float *out) { meshrt_dropout(ctx, 3, shape, axes, key, step, rate, in, out); });
}

TEST(NN, DropoutRejectsABadRate) {
  ContextPtr ctx = anyContext();
  const int64_t shape[1] = {4};
  const int32_t axes[1] = {-1};
  float in[4] = {1, 2, 3, 4}, out[4];
  meshrt_dropout(ctx.get(), 1, shape, axes, 1, 0, 1.0f, in, out);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
}

// With AdamW's decoupled weight decay (0.05): param -= lr (adam step + wd param).
TEST(Optimizers, AdamAgainstNaiveOverSteps) {
  ContextPtr ctx = anyContext();
  const int64_t n = 37;
  std::vector<float> p = pseudoVec(n, 8), m(n, 0.0f), v(n, 0.0f);
  std::vector<double> rp(p.begin(), p.end()), rm(n, 0.0), rv(n, 0.0);
  for (int64_t step = 0; step < 4; ++step) {
    std::vector<float> g = pseudoVec(n, 10 + int(step));
    meshrt_adam_update(ctx.get(), n, p.data(), g.data(), m.data(), v.data(), 0.01f, 0.9f, 0.99f,
                       1e-6f, 0.05f, step);
    double t = double(step + 1);
    for (int64_t i = 0; i < n; ++i) {
      rm[i] = 0.9 * rm[i] + 0.1 * g[i];
      rv[i] = 0.99 * rv[i] + 0.01 * double(g[i]) * g[i];
      rp[i] -= 0.01 * ((rm[i] / (1 - std::pow(0.9, t))) /
                           (std::sqrt(rv[i] / (1 - std::pow(0.99, t))) + 1e-6) +
                       0.05 * rp[i]);
    }
  }
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_NEAR(p[i], rp[i], 1e-5) << i;
}

TEST(Optimizers, MomentumAgainstNaiveOverSteps) {
  ContextPtr ctx = anyContext();
  const int64_t n = 37;
  std::vector<float> p = pseudoVec(n, 9), vel(n, 0.0f);
  std::vector<double> rp(p.begin(), p.end()), rv(n, 0.0);
  for (int64_t step = 0; step < 3; ++step) {
    std::vector<float> g = pseudoVec(n, 20 + int(step));
    meshrt_momentum_update(ctx.get(), n, p.data(), g.data(), vel.data(), 0.1f, 0.9f);
    for (int64_t i = 0; i < n; ++i) {
      rv[i] = 0.9 * rv[i] + g[i];
      rp[i] -= 0.1 * rv[i];
    }
  }
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_NEAR(p[i], rp[i], 1e-5) << i;
}
