// precision_test.cpp — the matmul precision on the CPU (meshrt_context_use_device("cpu", P)):
// bf16 rounds the inputs to bf16 and accumulates in fp32 (checked against a reference that does
// exactly that, and shown to differ from fp32); tf32 is exact fp32 and says so; an unknown
// precision is refused by name.
#include "test_util.h"

#include <cmath>
#include <cstring>
#include <string>

using namespace meshrt_test;

namespace {

// f32 -> bf16 -> f32, round to nearest even (finite inputs), computed here independently of
// oneDNN.
float toBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  bits &= 0xffff0000u;
  float y;
  std::memcpy(&y, &bits, sizeof y);
  return y;
}

struct Problem {
  int64_t batch, m, n, k;
  bool transA, transB;
};

// C[b] = op(A[b]) op(B[b]) in double, with `round` applied to every input element.
template <typename Round>
std::vector<double> reference(const Problem &p, const std::vector<float> &a,
                              const std::vector<float> &b, Round round) {
  std::vector<double> c(static_cast<size_t>(p.batch * p.m * p.n), 0.0);
  for (int64_t t = 0; t < p.batch; ++t)
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < p.n; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < p.k; ++l) {
          const float x = a[t * p.m * p.k + (p.transA ? l * p.m + i : i * p.k + l)];
          const float y = b[t * p.k * p.n + (p.transB ? j * p.k + l : l * p.n + j)];
          acc += double(round(x)) * double(round(y));
        }
        c[t * p.m * p.n + i * p.n + j] = acc;
      }
  return c;
}

std::vector<float> runMatmul(meshrt_context_t ctx, const Problem &p, const std::vector<float> &a,
                             const std::vector<float> &b) {
  std::vector<float> c(static_cast<size_t>(p.batch * p.m * p.n), -1.0f);
  meshrt_matmul(ctx, p.batch, p.m, p.n, p.k, a.data(), p.transA, b.data(), p.transB, c.data());
  return c;
}

const Problem kProblems[] = {{1, 17, 9, 33, false, false},
                             {2, 8, 12, 64, true, false},
                             {3, 5, 7, 129, false, true},
                             {1, 31, 16, 40, true, true}};

} // namespace

TEST(CpuPrecision, Bf16RoundsTheInputsAndAccumulatesInFp32) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  if (meshrt_context_use_device(ctx.get(), "cpu", "bf16", nullptr) != MESHRT_OK) {
    const std::string why = meshrt_context_message(ctx.get());
    ASSERT_NE(why.find("no bf16 matmul"), std::string::npos) << why;
    GTEST_SKIP() << why;
  }
  EXPECT_NE(std::string(meshrt_context_device_name(ctx.get())).find("matmul bf16"),
            std::string::npos)
      << meshrt_context_device_name(ctx.get());
  for (const Problem &p : kProblems) {
    SCOPED_TRACE(::testing::Message() << "batch " << p.batch << " m " << p.m << " n " << p.n
                                      << " k " << p.k << " trans " << p.transA << p.transB);
    const std::vector<float> a = pseudoVec(p.batch * p.m * p.k, 1);
    const std::vector<float> b = pseudoVec(p.batch * p.k * p.n, 2);
    const std::vector<float> c = runMatmul(ctx.get(), p, a, b);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    const std::vector<double> bf = reference(p, a, b, toBf16);
    const std::vector<double> exact = reference(p, a, b, [](float x) { return x; });
    double offExact = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      // Products of bf16 values are exact in fp32; only the fp32 sums round.
      EXPECT_NEAR(c[i], bf[i], 1e-5 * p.k) << "element " << i;
      offExact = std::max(offExact, std::fabs(c[i] - exact[i]));
    }
    // bf16 keeps 8 bits of mantissa: the result visibly departs from the fp32 product.
    EXPECT_GT(offExact, 1e-4) << "bf16 matmul equals the fp32 one: the inputs were not rounded";
  }
}

TEST(CpuPrecision, Tf32IsExactFp32AndSaysSo) {
  ContextPtr fp32 = makeContext(meshesForWorld().front());
  ContextPtr tf32 = makeContext(meshesForWorld().front());
  ASSERT_EQ(meshrt_context_use_device(tf32.get(), "cpu", "tf32", nullptr), MESHRT_OK)
      << meshrt_context_message(tf32.get());
  EXPECT_NE(std::string(meshrt_context_device_name(tf32.get())).find("exact fp32"),
            std::string::npos)
      << meshrt_context_device_name(tf32.get());
  for (const Problem &p : kProblems) {
    const std::vector<float> a = pseudoVec(p.batch * p.m * p.k, 3);
    const std::vector<float> b = pseudoVec(p.batch * p.k * p.n, 4);
    EXPECT_EQ(runMatmul(fp32.get(), p, a, b), runMatmul(tf32.get(), p, a, b));
  }
  EXPECT_EQ(meshrt_context_status(tf32.get()), MESHRT_OK) << meshrt_context_message(tf32.get());
}

TEST(CpuPrecision, UnknownPrecisionIsNamed) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  EXPECT_EQ(meshrt_context_use_device(ctx.get(), "cpu", "fp8", nullptr), MESHRT_INVALID_ARGUMENT);
  EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find("'fp8'"), std::string::npos)
      << meshrt_context_message(ctx.get());
}
