// kernels_test.cpp — CPU kernels against naive reference loops written in the test.
#include "meshrt/bench.h"
#include "test_util.h"

#include <cmath>
#include <cstring>

using namespace meshrt_test;

namespace {

ContextPtr anyContext() { return makeContext(meshesForWorld().front()); }

// Offset of flat index `i` of a contiguous `shape` under `strides`.
int64_t stridedOffset(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides,
                      int64_t i) {
  int64_t off = 0;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    off += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return off;
}

std::vector<int64_t> contiguous(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size());
  int64_t st = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    s[d] = st;
    st *= shape[d];
  }
  return s;
}

} // namespace

TEST(Kernels, MatmulAllTransposesAgainstNaive) {
  ContextPtr ctx = anyContext();
  struct Shape {
    int64_t batch, m, n, k;
  };
  for (Shape s : {Shape{1, 5, 7, 9}, Shape{3, 64, 48, 33}, Shape{2, 1, 1, 1}, Shape{1, 130, 1, 70}})
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        SCOPED_TRACE(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                     " ta " + std::to_string(ta) + " tb " + std::to_string(tb));
        std::vector<float> a = pseudoVec(s.batch * s.m * s.k, 1);
        std::vector<float> b = pseudoVec(s.batch * s.k * s.n, 2);
        std::vector<float> c(s.batch * s.m * s.n, -99.0f);
        meshrt_matmul(ctx.get(), s.batch, s.m, s.n, s.k, a.data(), ta, b.data(), tb, c.data());
        ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
        for (int64_t bi = 0; bi < s.batch; ++bi)
          for (int64_t i = 0; i < s.m; ++i)
            for (int64_t j = 0; j < s.n; ++j) {
              double acc = 0;
              for (int64_t p = 0; p < s.k; ++p) {
                float av = ta ? a[bi * s.m * s.k + p * s.m + i] : a[bi * s.m * s.k + i * s.k + p];
                float bv = tb ? b[bi * s.k * s.n + j * s.k + p] : b[bi * s.k * s.n + p * s.n + j];
                acc += double(av) * bv;
              }
              ASSERT_NEAR(c[bi * s.m * s.n + i * s.n + j], acc, 1e-4 * (1 + std::fabs(acc)));
            }
      }
  // k = 0 is an empty sum.
  std::vector<float> c(6, 5.0f);
  meshrt_matmul(ctx.get(), 1, 2, 3, 0, nullptr, 0, nullptr, 0, c.data());
  for (float v : c)
    EXPECT_EQ(v, 0.0f);
}

TEST(Kernels, StridedCopyTransposeBroadcastAndElementSizes) {
  ContextPtr ctx = anyContext();
  struct Case {
    std::vector<int64_t> shape, strides;
    int64_t inCount;
  };
  const Case cases[] = {
      {{130, 70}, {1, 130}, 130 * 70}, // 2-D transpose (blocked path)
      {{4, 5, 6}, {30, 6, 1}, 120},    // plain copy
      {{4, 5, 6}, {1, 24, 4}, 120},    // 3-D permutation
      {{7, 300}, {0, 1}, 300},         // row broadcast
      {{300, 7}, {1, 0}, 300},         // column broadcast
      {{3, 1, 4}, {0, 0, 0}, 1},       // scalar broadcast
      {{2, 3, 64, 64}, {3 * 64 * 64, 64 * 64, 1, 64}, 2 * 3 * 64 * 64}, // batched transpose
      {{}, {}, 1},                                                      // rank 0
      {{3, 0, 2}, {0, 0, 0}, 1},                                        // empty
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.shape.size());
    int64_t n = 1;
    for (int64_t d : c.shape)
      n *= d;
    std::vector<int32_t> in(c.inCount);
    for (int64_t i = 0; i < c.inCount; ++i)
      in[i] = static_cast<int32_t>(i * 3 + 1);
    std::vector<int32_t> out(n + 1, -1);
    meshrt_strided_copy(ctx.get(), static_cast<int32_t>(c.shape.size()), c.shape.data(), out.data(),
                        in.data(), c.strides.data(), 4);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(out[i], in[stridedOffset(c.shape, c.strides, i)]) << "element " << i;
    EXPECT_EQ(out[n], -1);
  }
  // 1-, 2- and 8-byte elements through a transpose.
  const int64_t shape[2] = {3, 5}, strides[2] = {1, 3};
  std::vector<uint8_t> i8(15), o8(15);
  std::vector<uint16_t> i16(15), o16(15);
  std::vector<double> i64(15), o64(15);
  for (int i = 0; i < 15; ++i)
    i8[i] = static_cast<uint8_t>(i), i16[i] = static_cast<uint16_t>(i * 1000), i64[i] = i * 0.5;
  meshrt_strided_copy(ctx.get(), 2, shape, o8.data(), i8.data(), strides, 1);
  meshrt_strided_copy(ctx.get(), 2, shape, o16.data(), i16.data(), strides, 2);
  meshrt_strided_copy(ctx.get(), 2, shape, o64.data(), i64.data(), strides, 8);
  for (int r = 0; r < 3; ++r)
    for (int col = 0; col < 5; ++col) {
      EXPECT_EQ(o8[r * 5 + col], i8[r + col * 3]);
      EXPECT_EQ(o16[r * 5 + col], i16[r + col * 3]);
      EXPECT_EQ(o64[r * 5 + col], i64[r + col * 3]);
    }
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(Kernels, BinaryBroadcasting) {
  ContextPtr ctx = anyContext();
  struct Case {
    std::vector<int64_t> shape, aStrides, bStrides;
  };
  const std::vector<int64_t> big = {300, 257};
  const Case cases[] = {
      {{3, 4, 5}, {20, 5, 1}, {20, 5, 1}},  // same shape
      {{3, 4, 5}, {20, 5, 1}, {0, 0, 1}},   // row broadcast (bias add)
      {{3, 4, 5}, {20, 5, 1}, {4, 1, 0}},   // broadcast along the inner dim
      {{3, 4, 5}, {0, 0, 0}, {20, 5, 1}},   // scalar a
      {{3, 4, 5}, {1, 3, 12}, {20, 5, 1}},  // transposed a
      {big, {257, 1}, {257, 1}},            // large: parallel contiguous path
      {big, {257, 1}, {0, 1}},              // large row broadcast
      {{1 << 17}, {1}, {0}},                // one long row split among threads
      {{128, 96}, {1, 128}, {96, 1}},       // large transposed a: gathered via scratch
      {{128, 96}, {1, 128}, {1, 128}},      // both transposed
      {{4, 64, 48}, {0, 1, 64}, {0, 0, 1}}, // broadcast transposed a, row-broadcast b
  };
  for (const Case &c : cases)
    for (int op : {MESHRT_ADD, MESHRT_SUB, MESHRT_MUL, MESHRT_RELU_GRAD}) {
      SCOPED_TRACE(std::to_string(c.shape.size()) + " op " + std::to_string(op));
      int64_t n = 1, aSpan = 1, bSpan = 1;
      for (size_t d = 0; d < c.shape.size(); ++d) {
        n *= c.shape[d];
        aSpan += (c.shape[d] - 1) * c.aStrides[d];
        bSpan += (c.shape[d] - 1) * c.bStrides[d];
      }
      std::vector<float> a = pseudoVec(aSpan, 3), b = pseudoVec(bSpan, 4), out(n);
      meshrt_binary(ctx.get(), op, static_cast<int32_t>(c.shape.size()), c.shape.data(), out.data(),
                    a.data(), c.aStrides.data(), b.data(), c.bStrides.data());
      for (int64_t i = 0; i < n; ++i) {
        float x = a[stridedOffset(c.shape, c.aStrides, i)];
        float y = b[stridedOffset(c.shape, c.bStrides, i)];
        float expect = op == MESHRT_ADD   ? x + y
                       : op == MESHRT_SUB ? x - y
                       : op == MESHRT_MUL ? x * y
                                          : (x > 0 ? y : 0.0f);
        ASSERT_EQ(out[i], expect) << "element " << i;
      }
    }
  // In place: out aliases a.
  std::vector<float> a = pseudoVec(1000, 5), b = pseudoVec(1000, 6), ref(1000);
  for (int i = 0; i < 1000; ++i)
    ref[i] = a[i] + b[i];
  const int64_t shape[1] = {1000}, one[1] = {1};
  meshrt_binary(ctx.get(), MESHRT_ADD, 1, shape, a.data(), a.data(), one, b.data(), one);
  EXPECT_EQ(a, ref);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

// meshrt_equal: 1/0 masks of i32 (argmax against labels) and f32 operands, with broadcasts;
// values drawn from few levels so that both outcomes occur.
TEST(Kernels, EqualI32AndF32Broadcasting) {
  ContextPtr ctx = anyContext();
  struct Case {
    std::vector<int64_t> shape, aStrides, bStrides;
  };
  const Case cases[] = {
      {{64}, {1}, {1}},                    // per sample: argmax == label
      {{3, 4, 5}, {20, 5, 1}, {0, 0, 1}},  // row broadcast
      {{3, 4, 5}, {1, 3, 12}, {20, 5, 1}}, // transposed a
      {{300, 257}, {257, 1}, {1, 0}},      // large, b broadcast along the inner dim
      {{1 << 17}, {1}, {0}},               // one long row, scalar b
  };
  for (const Case &c : cases) {
    int64_t n = 1, aSpan = 1, bSpan = 1;
    for (size_t d = 0; d < c.shape.size(); ++d) {
      n *= c.shape[d];
      aSpan += (c.shape[d] - 1) * c.aStrides[d];
      bSpan += (c.shape[d] - 1) * c.bStrides[d];
    }
    std::vector<int32_t> ai(aSpan), bi(bSpan);
    std::vector<float> af(aSpan), bf(bSpan);
    for (int64_t i = 0; i < aSpan; ++i)
      af[i] = static_cast<float>(ai[i] = static_cast<int32_t>((i * 7919) % 3));
    for (int64_t i = 0; i < bSpan; ++i)
      bf[i] = static_cast<float>(bi[i] = static_cast<int32_t>((i * i + i / 5) % 3));
    for (int dtype : {MESHRT_DTYPE_I32, MESHRT_DTYPE_F32}) {
      SCOPED_TRACE(std::to_string(c.shape.size()) + " dims, dtype " + std::to_string(dtype));
      std::vector<float> out(n, -1.0f);
      const void *a = dtype == MESHRT_DTYPE_I32 ? static_cast<const void *>(ai.data()) : af.data();
      const void *b = dtype == MESHRT_DTYPE_I32 ? static_cast<const void *>(bi.data()) : bf.data();
      meshrt_equal(ctx.get(), dtype, static_cast<int32_t>(c.shape.size()), c.shape.data(),
                   out.data(), a, c.aStrides.data(), b, c.bStrides.data());
      int64_t ones = 0;
      for (int64_t i = 0; i < n; ++i) {
        int32_t x = ai[stridedOffset(c.shape, c.aStrides, i)];
        int32_t y = bi[stridedOffset(c.shape, c.bStrides, i)];
        ASSERT_EQ(out[i], x == y ? 1.0f : 0.0f) << "element " << i;
        ones += out[i] == 1.0f;
      }
      EXPECT_GT(ones, 0);
      EXPECT_LT(ones, n);
    }
  }
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  // An unknown element type is refused by name.
  const int64_t shape[1] = {4}, one[1] = {1};
  float out[4];
  int32_t v[4] = {0, 1, 2, 3};
  meshrt_equal(ctx.get(), 7, 1, shape, out, v, one, v, one);
  EXPECT_NE(meshrt_context_status(ctx.get()), MESHRT_OK);
  EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find("meshrt_equal"), std::string::npos)
      << meshrt_context_message(ctx.get());
}

TEST(Kernels, UnaryAndFill) {
  ContextPtr ctx = anyContext();
  const int64_t n = 100000;
  std::vector<float> in = pseudoVec(n, 7), relu(n), scaled(n), filled(n);
  meshrt_unary(ctx.get(), MESHRT_RELU, n, relu.data(), in.data(), 0.0f);
  meshrt_unary(ctx.get(), MESHRT_SCALE, n, scaled.data(), in.data(), -2.5f);
  meshrt_fill(ctx.get(), n, filled.data(), 0.75f);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(relu[i], in[i] > 0 ? in[i] : 0.0f);
    ASSERT_EQ(scaled[i], -2.5f * in[i]);
    ASSERT_EQ(filled[i], 0.75f);
  }
}

TEST(Kernels, ReduceSumAnyOutputStrides) {
  ContextPtr ctx = anyContext();
  struct Case {
    std::vector<int64_t> shape, outStrides;
    int64_t outCount;
  };
  const Case cases[] = {
      {{6, 7}, {0, 0}, 1},        // full sum
      {{6, 7}, {1, 0}, 6},        // over the inner dim
      {{6, 7}, {0, 1}, 7},        // over the outer dim (bias gradient)
      {{4, 5, 6}, {6, 0, 1}, 24}, // over the middle dim
      {{4, 5, 6}, {1, 0, 4}, 24}, // over the middle dim, transposed output
      {{4, 5, 6}, {0, 1, 0}, 5},  // keep the middle dim
      {{512, 300}, {0, 1}, 300},  // large column sums (parallel)
      {{300, 512}, {1, 0}, 300},  // large row sums (parallel)
      {{1 << 18}, {0}, 1},        // large full sum (parallel)
      {{3, 4}, {4, 1}, 12},       // no reduction
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::to_string(c.shape.size()) + " dims, out " + std::to_string(c.outCount));
    int64_t n = 1;
    for (int64_t d : c.shape)
      n *= d;
    std::vector<float> in = pseudoVec(n, 8), out(c.outCount, 123.0f);
    std::vector<double> ref(c.outCount, 0.0);
    for (int64_t i = 0; i < n; ++i)
      ref[stridedOffset(c.shape, c.outStrides, i)] += in[i];
    meshrt_reduce_sum(ctx.get(), static_cast<int32_t>(c.shape.size()), c.shape.data(), in.data(),
                      out.data(), c.outStrides.data(), c.outCount);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    for (int64_t o = 0; o < c.outCount; ++o)
      ASSERT_NEAR(out[o], ref[o], 1e-4 * (1 + std::sqrt(double(n))));
  }
  // An output stride past out_count is rejected, not written.
  const int64_t shape[1] = {4}, strides[1] = {1};
  float in[4] = {1, 2, 3, 4}, out[2] = {0, 0};
  meshrt_reduce_sum(ctx.get(), 1, shape, in, out, strides, 2);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
}

namespace {

double naiveXent(const float *logits, int64_t classes, int64_t inner, int32_t label) {
  double m = -1e300, s = 0;
  for (int64_t c = 0; c < classes; ++c)
    m = std::max(m, double(logits[c * inner]));
  for (int64_t c = 0; c < classes; ++c)
    s += std::exp(double(logits[c * inner]) - m);
  return std::log(s) + m - logits[label * inner];
}

} // namespace

TEST(Kernels, SoftmaxXentAgainstNaiveAndStable) {
  ContextPtr ctx = anyContext();
  for (int64_t inner : {1, 3}) {
    const int64_t outer = 50, classes = 7;
    std::vector<float> logits = pseudoVec(outer * classes * inner, 9);
    for (float &v : logits)
      v *= 4.0f;
    logits[0] = 80.0f; // would overflow exp() without the max shift
    logits[1] = -80.0f;
    std::vector<int32_t> labels(outer * inner);
    for (int64_t i = 0; i < outer * inner; ++i)
      labels[i] = static_cast<int32_t>((i * 5) % classes);
    std::vector<float> loss(outer * inner);
    meshrt_softmax_xent(ctx.get(), outer, classes, inner, logits.data(), labels.data(),
                        loss.data());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        double ref =
            naiveXent(&logits[o * classes * inner + i], classes, inner, labels[o * inner + i]);
        ASSERT_TRUE(std::isfinite(loss[o * inner + i]));
        ASSERT_NEAR(loss[o * inner + i], ref, 1e-4 * (1 + std::fabs(ref)));
      }
  }
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  int32_t bad = 9;
  float logit[2] = {0, 0}, loss = 0;
  meshrt_softmax_xent(ctx.get(), 1, 2, 1, logit, &bad, &loss);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
}

TEST(Kernels, SoftmaxXentGradMatchesFiniteDifferences) {
  ContextPtr ctx = anyContext();
  const int64_t outer = 4, classes = 5, inner = 2, n = outer * classes * inner;
  std::vector<float> logits = pseudoVec(n, 10), dloss = pseudoVec(outer * inner, 11);
  std::vector<int32_t> labels(outer * inner);
  for (int64_t i = 0; i < outer * inner; ++i)
    labels[i] = static_cast<int32_t>((i * 3 + 1) % classes);
  std::vector<float> grad(n);
  meshrt_softmax_xent_grad(ctx.get(), outer, classes, inner, logits.data(), labels.data(),
                           dloss.data(), grad.data());
  // f(logits) = sum(loss * dloss); df/dlogit by central differences through the forward kernel.
  auto f = [&](const std::vector<float> &x) {
    std::vector<float> loss(outer * inner);
    meshrt_softmax_xent(ctx.get(), outer, classes, inner, x.data(), labels.data(), loss.data());
    double s = 0;
    for (int64_t i = 0; i < outer * inner; ++i)
      s += double(loss[i]) * dloss[i];
    return s;
  };
  const float eps = 1e-2f;
  for (int64_t j = 0; j < n; ++j) {
    std::vector<float> plus = logits, minus = logits;
    plus[j] += eps;
    minus[j] -= eps;
    double fd = (f(plus) - f(minus)) / (2.0 * eps);
    ASSERT_NEAR(grad[j], fd, 2e-3) << "logit " << j;
  }
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(Kernels, SgdUpdate) {
  ContextPtr ctx = anyContext();
  const int64_t n = 70000;
  std::vector<float> p = pseudoVec(n, 12), g = pseudoVec(n, 13), ref(n);
  for (int64_t i = 0; i < n; ++i)
    ref[i] = p[i] - 0.1f * g[i];
  meshrt_sgd_update(ctx.get(), n, p.data(), g.data(), 0.1f);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_FLOAT_EQ(p[i], ref[i]);
}

TEST(Kernels, BenchMatmulReportsATime) {
  EXPECT_GT(meshrt_bench_matmul_ms(64, 32, 16, 0, 1, 3), 0.0);
  EXPECT_LT(meshrt_bench_matmul_ms(0, 32, 16, 0, 0, 3), 0.0);
}
