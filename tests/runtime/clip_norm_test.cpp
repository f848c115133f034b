// clip_norm_test.cpp — meshrt_clip_global_norm on 1, 2 and 4 ranks: the norm is the whole
// global gradient's (a replicated block counted once, split blocks summed over the ranks), so
// every rank scales by the same factor, computed here independently from the global values.
#include "test_util.h"

#include <cmath>

using namespace meshrt_test;

namespace {

ContextPtr worldContext() { return makeContext("w=" + std::to_string(worldSize())); }

// A replicated gradient r[3] (every rank the same values) and a gradient s[2 * world] split
// over the ranks (rank k holds s[2k], s[2k+1]); max_norm below the norm, so both are scaled.
TEST(ClipGlobalNorm, ScalesByTheGlobalNormOnEveryRank) {
  ContextPtr ctx = worldContext();
  const int p = worldSize(), k = worldRank();
  std::vector<float> r = {3.0f, -1.0f, 2.0f};
  std::vector<float> s = {float(k + 1), -0.5f * float(k)};
  double squares = 9 + 1 + 4; // the global norm from the global values
  for (int q = 0; q < p; ++q)
    squares += double(q + 1) * (q + 1) + 0.25 * q * q;
  const double norm = std::sqrt(squares), maxNorm = 1.5;
  const double scale = maxNorm / (norm + 1e-6);
  float *grads[] = {r.data(), s.data()};
  const int64_t counts[] = {3, 2}, replicas[] = {p, 1};
  meshrt_clip_global_norm(ctx.get(), 2, grads, counts, replicas, float(maxNorm));
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  EXPECT_NEAR(r[0], 3.0 * scale, 1e-6);
  EXPECT_NEAR(r[1], -1.0 * scale, 1e-6);
  EXPECT_NEAR(r[2], 2.0 * scale, 1e-6);
  EXPECT_NEAR(s[0], (k + 1) * scale, 1e-6);
  EXPECT_NEAR(s[1], -0.5 * k * scale, 1e-6);
}

// Below max_norm nothing changes; one buffer listed twice counts twice, is scaled once.
TEST(ClipGlobalNorm, LeavesSmallGradientsAndScalesSharedBuffersOnce) {
  ContextPtr ctx = worldContext();
  const int p = worldSize();
  std::vector<float> a = {0.3f, 0.4f}; // norm 0.5 (replicated everywhere)
  float *one[] = {a.data()};
  const int64_t counts[] = {2, 2}, replicas[] = {p, p};
  meshrt_clip_global_norm(ctx.get(), 1, one, counts, replicas, 1.0f);
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  EXPECT_EQ(a[0], 0.3f);
  EXPECT_EQ(a[1], 0.4f);
  float *twice[] = {a.data(), a.data()}; // norm sqrt(2) * 0.5
  meshrt_clip_global_norm(ctx.get(), 2, twice, counts, replicas, 0.5f);
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  const double scale = 0.5 / (std::sqrt(0.5) + 1e-6);
  EXPECT_NEAR(a[0], 0.3 * scale, 1e-6);
  EXPECT_NEAR(a[1], 0.4 * scale, 1e-6);
}

TEST(ClipGlobalNorm, RejectsANonPositiveMaxNorm) {
  ContextPtr ctx = worldContext();
  float a[1] = {1.0f};
  float *grads[] = {a};
  const int64_t counts[] = {1}, replicas[] = {1};
  meshrt_clip_global_norm(ctx.get(), 1, grads, counts, replicas, 0.0f);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  EXPECT_EQ(a[0], 1.0f);
}

} // namespace
