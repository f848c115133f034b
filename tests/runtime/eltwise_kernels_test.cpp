// eltwise_kernels_test.cpp — the CPU math functions of meshrt_unary (sigmoid, tanh, exp, log,
// sqrt, leaky relu: oneDNN eltwise primitives) and the binary div/max/min/ge-mask of
// meshrt_binary, against closed forms computed here in double precision with <cmath>.
#include "test_util.h"

#include <cmath>
#include <limits>

using namespace meshrt_test;

namespace {

ContextPtr anyContext() { return makeContext(meshesForWorld().front()); }

double reference(int op, double x, double alpha) {
  switch (op) {
  case MESHRT_SIGMOID:
    return 1.0 / (1.0 + std::exp(-x));
  case MESHRT_TANH:
    return std::tanh(x);
  case MESHRT_EXP:
    return std::exp(x);
  case MESHRT_LOG:
    return std::log(x);
  case MESHRT_SQRT:
    return std::sqrt(x);
  case MESHRT_LEAKY_RELU:
    return x > 0 ? x : alpha * x;
  }
  ADD_FAILURE() << "no reference for op " << op;
  return NAN;
}

const char *nameOf(int op) {
  switch (op) {
  case MESHRT_SIGMOID:
    return "sigmoid";
  case MESHRT_TANH:
    return "tanh";
  case MESHRT_EXP:
    return "exp";
  case MESHRT_LOG:
    return "log";
  case MESHRT_SQRT:
    return "sqrt";
  case MESHRT_LEAKY_RELU:
    return "leaky_relu";
  }
  return "?";
}

// f32 results of oneDNN's approximations against the exact value. Measured over 2e6 points
// (sigmoid, tanh, exp, sqrt, leaky relu: at most 5 ulp; log: at most 3.7e-6 absolute, which
// near x = 1, where log is ~0, is many ulp): the bounds below leave a margin of ~2x.
bool close(int op, float got, double want) {
  if (std::isnan(want))
    return std::isnan(got);
  if (std::isinf(want))
    return got == static_cast<float>(want);
  const double absolute = op == MESHRT_LOG ? 8e-6 : 1e-7;
  return std::fabs(got - want) <= 1e-6 * std::fabs(want) + absolute;
}

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

} // namespace

// Every op at odd sizes (1, one vector's worth and a tail, one large enough for several
// threads), on inputs spread over [-4, 4] (log and sqrt on |x| + 1e-3, inside their domain).
TEST(EltwiseKernels, UnaryMathAgainstClosedForms) {
  ContextPtr ctx = anyContext();
  for (int op :
       {MESHRT_SIGMOID, MESHRT_TANH, MESHRT_EXP, MESHRT_LOG, MESHRT_SQRT, MESHRT_LEAKY_RELU})
    for (int64_t n : {int64_t{1}, int64_t{17}, int64_t{1001}, int64_t{100003}}) {
      SCOPED_TRACE(std::string(nameOf(op)) + " n=" + std::to_string(n));
      std::vector<float> in = pseudoVec(n, 11), out(n, -7.0f);
      for (float &x : in)
        x = op == MESHRT_LOG || op == MESHRT_SQRT ? std::fabs(4 * x) + 1e-3f : 4 * x;
      const float alpha = 0.01f;
      meshrt_unary(ctx.get(), op, n, out.data(), in.data(), alpha);
      ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
      for (int64_t i = 0; i < n; ++i)
        ASSERT_TRUE(close(op, out[i], reference(op, in[i], alpha)))
            << "element " << i << ": " << nameOf(op) << "(" << in[i] << ") = " << out[i]
            << ", expected " << reference(op, in[i], alpha);
    }
}

// Outside the domain and at the extremes the results are IEEE's, not errors: log(0) = -inf,
// log(x < 0) and sqrt(x < 0) are NaN, exp overflows to +inf, sigmoid and tanh saturate.
TEST(EltwiseKernels, UnaryDomainEdges) {
  ContextPtr ctx = anyContext();
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    int op;
    float x;
    double want;
  };
  const Case cases[] = {
      {MESHRT_LOG, 0.0f, -INFINITY}, {MESHRT_LOG, -1.0f, NAN},       {MESHRT_LOG, inf, INFINITY},
      {MESHRT_LOG, 1.0f, 0.0},       {MESHRT_SQRT, -1.0f, NAN},      {MESHRT_SQRT, 0.0f, 0.0},
      {MESHRT_SQRT, inf, INFINITY},  {MESHRT_EXP, 100.0f, INFINITY}, {MESHRT_EXP, -inf, 0.0},
      {MESHRT_EXP, 0.0f, 1.0},       {MESHRT_SIGMOID, 100.0f, 1.0},  {MESHRT_SIGMOID, -100.0f, 0.0},
      {MESHRT_SIGMOID, 0.0f, 0.5},   {MESHRT_TANH, 20.0f, 1.0},      {MESHRT_TANH, -20.0f, -1.0},
      {MESHRT_TANH, 0.0f, 0.0},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::string(nameOf(c.op)) + "(" + std::to_string(c.x) + ")");
    // A vector's worth of the same value, so that the JIT's vector path computes it too.
    std::vector<float> in(37, c.x), out(37, 123.0f);
    meshrt_unary(ctx.get(), c.op, 37, out.data(), in.data(), 0.0f);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    for (float got : out)
      ASSERT_TRUE(close(c.op, got, c.want)) << "got " << got << ", expected " << c.want;
  }
}

// Leaky relu's alpha is part of a cached primitive's identity: two slopes on one size must not
// share a primitive; and the op works in place (out == in), as the lowering may ask.
TEST(EltwiseKernels, LeakyReluSlopesAndInPlace) {
  ContextPtr ctx = anyContext();
  const int64_t n = 513;
  const std::vector<float> in = pseudoVec(n, 12);
  for (float alpha : {0.01f, 0.2f, -0.5f, 0.01f}) {
    SCOPED_TRACE("alpha " + std::to_string(alpha));
    std::vector<float> out = in;
    meshrt_unary(ctx.get(), MESHRT_LEAKY_RELU, n, out.data(), out.data(), alpha);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(out[i], in[i] > 0 ? in[i] : alpha * in[i]) << "element " << i;
  }
  std::vector<float> sig = in;
  meshrt_unary(ctx.get(), MESHRT_SIGMOID, n, sig.data(), sig.data(), 0.0f);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_TRUE(close(MESHRT_SIGMOID, sig[i], 1.0 / (1.0 + std::exp(-double(in[i])))))
        << "element " << i;
  // n = 0 is nothing to do, not an error.
  meshrt_unary(ctx.get(), MESHRT_TANH, 0, nullptr, nullptr, 0.0f);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(EltwiseKernels, UnaryRejectsUnknownOpAndNonFiniteAlpha) {
  float x[4] = {1, 2, 3, 4}, y[4];
  {
    ContextPtr ctx = anyContext();
    meshrt_unary(ctx.get(), 99, 4, y, x, 0.0f);
    EXPECT_NE(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::string message = meshrt_context_message(ctx.get());
    EXPECT_NE(message.find("meshrt_unary"), std::string::npos) << message;
    EXPECT_NE(message.find("unknown op"), std::string::npos) << message;
  }
  {
    ContextPtr ctx = anyContext();
    meshrt_unary(ctx.get(), MESHRT_LEAKY_RELU, 4, y, x, NAN);
    EXPECT_NE(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::string message = meshrt_context_message(ctx.get());
    EXPECT_NE(message.find("finite alpha"), std::string::npos) << message;
  }
}

// div, max, min and the >= mask with the broadcast patterns of the lowering (same shape, row
// broadcast, inner broadcast, scalar, transposed), on values from few levels so that ties occur.
TEST(EltwiseKernels, BinaryDivMaxMinGeMaskBroadcasting) {
  ContextPtr ctx = anyContext();
  struct Case {
    std::vector<int64_t> shape, aStrides, bStrides;
  };
  const Case cases[] = {
      {{3, 4, 5}, {20, 5, 1}, {20, 5, 1}}, // same shape
      {{3, 4, 5}, {20, 5, 1}, {0, 0, 1}},  // row broadcast
      {{3, 4, 5}, {20, 5, 1}, {4, 1, 0}},  // broadcast along the inner dim
      {{3, 4, 5}, {0, 0, 0}, {20, 5, 1}},  // scalar a
      {{3, 4, 5}, {1, 3, 12}, {20, 5, 1}}, // transposed a
      {{301, 257}, {257, 1}, {0, 1}},      // large row broadcast: threads
      {{128, 97}, {1, 128}, {97, 1}},      // large transposed a: gathered via scratch
  };
  for (const Case &c : cases)
    for (int op : {MESHRT_DIV, MESHRT_MAX, MESHRT_MIN, MESHRT_GE_MASK}) {
      SCOPED_TRACE(std::to_string(c.shape.size()) + " dims, op " + std::to_string(op));
      int64_t n = 1, aSpan = 1, bSpan = 1;
      for (size_t d = 0; d < c.shape.size(); ++d) {
        n *= c.shape[d];
        aSpan += (c.shape[d] - 1) * c.aStrides[d];
        bSpan += (c.shape[d] - 1) * c.bStrides[d];
      }
      std::vector<float> a(aSpan), b(bSpan), out(n, -99.0f);
      for (int64_t i = 0; i < aSpan; ++i)
        a[i] = static_cast<float>((i * 7919) % 5) - 2.0f; // -2..2
      for (int64_t i = 0; i < bSpan; ++i)
        b[i] = static_cast<float>((i * i + i / 3) % 5) - 1.5f; // -1.5..2.5, never 0
      for (int64_t i = 0; i < bSpan; i += 3)
        b[i] = std::round(b[i]); // integers too (-2, -1, 1, 2, 3), to tie with a
      meshrt_binary(ctx.get(), op, static_cast<int32_t>(c.shape.size()), c.shape.data(), out.data(),
                    a.data(), c.aStrides.data(), b.data(), c.bStrides.data());
      ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
      int64_t ties = 0;
      for (int64_t i = 0; i < n; ++i) {
        const float x = a[stridedOffset(c.shape, c.aStrides, i)];
        const float y = b[stridedOffset(c.shape, c.bStrides, i)];
        ties += x == y;
        const float want = op == MESHRT_DIV   ? x / y
                           : op == MESHRT_MAX ? (x > y ? x : y)
                           : op == MESHRT_MIN ? (x < y ? x : y)
                                              : (x >= y ? 1.0f : 0.0f);
        if (std::isnan(want))
          ASSERT_TRUE(std::isnan(out[i])) << "element " << i;
        else
          ASSERT_EQ(out[i], want) << "element " << i << ": a " << x << ", b " << y;
      }
      if (c.shape.size() == 3 && c.aStrides[0] != 0)
        EXPECT_GT(ties, 0) << "the case has no tie: it does not test the >= of the mask";
    }
}

// maximum/minimum propagate NaN from either operand (as PyTorch's do); the mask is 0 there.
TEST(EltwiseKernels, MaxMinPropagateNaN) {
  ContextPtr ctx = anyContext();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float a[4] = {nan, 1.0f, nan, -3.0f}, b[4] = {1.0f, nan, nan, -3.0f};
  const int64_t shape[1] = {4}, one[1] = {1};
  float mx[4], mn[4], ge[4];
  meshrt_binary(ctx.get(), MESHRT_MAX, 1, shape, mx, a, one, b, one);
  meshrt_binary(ctx.get(), MESHRT_MIN, 1, shape, mn, a, one, b, one);
  meshrt_binary(ctx.get(), MESHRT_GE_MASK, 1, shape, ge, a, one, b, one);
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::isnan(mx[i])) << "max element " << i;
    EXPECT_TRUE(std::isnan(mn[i])) << "min element " << i;
    EXPECT_EQ(ge[i], 0.0f) << "mask element " << i;
  }
  EXPECT_EQ(mx[3], -3.0f);
  EXPECT_EQ(mn[3], -3.0f);
  EXPECT_EQ(ge[3], 1.0f); // a tie: the first operand's
}
