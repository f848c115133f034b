// data_test.cpp — parameters and synthetic data: a tensor's slices on any mesh and layout,
// assembled with raw MPI, equal the tensor computed whole (replicated), which is what a 1-rank
// run computes.
#include "test_util.h"

#include <cmath>
#include <cstring>

using namespace meshrt_test;

namespace {

// Gathers every rank's local slice (raw MPI) and places it in the global tensor using the
// test's own model of the layout.
template <typename T>
std::vector<T> assemble(const std::vector<int64_t> &sizes, const std::vector<int64_t> &global,
                        const std::vector<int32_t> &axes, const std::vector<T> &local) {
  const int nd = static_cast<int>(global.size());
  std::vector<int64_t> localShape(nd);
  for (int d = 0; d < nd; ++d)
    localShape[d] = axes[d] < 0 ? global[d] : global[d] / sizes[axes[d]];
  const int64_t localCount = product(localShape);
  std::vector<T> all(localCount * worldSize());
  MPI_Allgather(local.data(), static_cast<int>(localCount * sizeof(T)), MPI_BYTE, all.data(),
                static_cast<int>(localCount * sizeof(T)), MPI_BYTE, MPI_COMM_WORLD);
  std::vector<T> out(product(global));
  for (int r = 0; r < worldSize(); ++r) {
    std::vector<int64_t> coords = coordsOf(sizes, r);
    for (int64_t e = 0; e < localCount; ++e) {
      int64_t rem = e, flat = 0, stride = 1;
      std::vector<int64_t> idx(nd);
      for (int d = nd - 1; d >= 0; --d) {
        idx[d] = rem % localShape[d];
        rem /= localShape[d];
      }
      for (int d = nd - 1; d >= 0; --d) {
        int64_t g = idx[d] + (axes[d] < 0 ? 0 : coords[axes[d]] * localShape[d]);
        flat += g * stride;
        stride *= global[d];
      }
      out[flat] = all[r * localCount + e];
    }
  }
  return out;
}

// Layouts of a 3-D [8, 12, 4] tensor over the mesh's axes (each axis at most once).
std::vector<std::vector<int32_t>> layoutsFor(int numAxes) {
  std::vector<std::vector<int32_t>> out = {{-1, -1, -1}};
  for (int a = 0; a < numAxes; ++a) {
    out.push_back({a, -1, -1});
    out.push_back({-1, a, -1});
    out.push_back({-1, -1, a});
    for (int b = 0; b < numAxes; ++b)
      if (b != a)
        out.push_back({a, -1, b});
  }
  return out;
}

const std::vector<int64_t> kGlobal = {8, 12, 4}; // divisible by every axis size used
const std::vector<int32_t> kReplicated = {-1, -1, -1};

} // namespace

TEST(Data, InitParamSlicesAssembleToTheGlobalTensor) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec, /*seed=*/42);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int kind : {MESHRT_INIT_UNIFORM, MESHRT_INIT_NORMAL, MESHRT_INIT_CONSTANT}) {
      std::vector<float> whole(product(kGlobal));
      meshrt_init_param(ctx.get(), whole.data(), 3, kGlobal.data(), kReplicated.data(), 1234, kind,
                        0.5f);
      for (const std::vector<int32_t> &axes : layoutsFor(static_cast<int>(sizes.size()))) {
        SCOPED_TRACE(spec + " kind " + std::to_string(kind) + " axes " + std::to_string(axes[0]) +
                     "," + std::to_string(axes[1]) + "," + std::to_string(axes[2]));
        std::vector<float> local(localCount(sizes, kGlobal, axes));
        meshrt_init_param(ctx.get(), local.data(), 3, kGlobal.data(), axes.data(), 1234, kind,
                          0.5f);
        std::vector<float> global = assemble(sizes, kGlobal, axes, local);
        ASSERT_EQ(0, std::memcmp(global.data(), whole.data(), whole.size() * sizeof(float)));
      }
    }
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(Data, InitParamDistributions) {
  ContextPtr ctx = makeContext(meshesForWorld().front(), 7);
  const int64_t n = 1 << 16;
  const int32_t axes[1] = {-1};
  std::vector<float> u(n), g(n), z(n, 1.0f), c(n);
  meshrt_init_param(ctx.get(), u.data(), 1, &n, axes, 1, MESHRT_INIT_UNIFORM, 0.1f);
  meshrt_init_param(ctx.get(), g.data(), 1, &n, axes, 2, MESHRT_INIT_NORMAL, 2.0f);
  meshrt_init_param(ctx.get(), z.data(), 1, &n, axes, 3, MESHRT_INIT_ZEROS, 2.0f);
  meshrt_init_param(ctx.get(), c.data(), 1, &n, axes, 4, MESHRT_INIT_CONSTANT, 3.0f);
  double su = 0, sg = 0, sg2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_LE(std::fabs(u[i]), 0.1f);
    su += u[i];
    sg += g[i];
    sg2 += double(g[i]) * g[i];
    ASSERT_EQ(z[i], 0.0f);
    ASSERT_EQ(c[i], 3.0f);
  }
  EXPECT_NEAR(su / n, 0.0, 0.002);
  EXPECT_NEAR(sg / n, 0.0, 0.05);
  EXPECT_NEAR(std::sqrt(sg2 / n), 2.0, 0.05);
  // Different names and seeds give different tensors.
  std::vector<float> u2(n);
  meshrt_init_param(ctx.get(), u2.data(), 1, &n, axes, 5, MESHRT_INIT_UNIFORM, 0.1f);
  EXPECT_NE(0, std::memcmp(u.data(), u2.data(), n * sizeof(float)));
}

TEST(Data, InitParamRejectsIndivisibleSplit) {
  for (const std::string &spec : meshesForWorld()) {
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int a = 0; a < static_cast<int>(sizes.size()); ++a) {
      if (sizes[a] == 1)
        continue;
      ContextPtr ctx = makeContext(spec);
      const int64_t shape[1] = {sizes[a] + 1};
      const int32_t axes[1] = {a};
      std::vector<float> out(shape[0]);
      meshrt_init_param(ctx.get(), out.data(), 1, shape, axes, 1, MESHRT_INIT_UNIFORM, 1.0f);
      EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
      EXPECT_NE(std::strstr(meshrt_context_message(ctx.get()), "not divisible"), nullptr);
    }
  }
}

TEST(Data, SyntheticSlicesAssembleAndLabelsAgree) {
  const int32_t classes = 5;
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec, 3);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int64_t step : {0, 1, 5}) {
      std::vector<float> whole(product(kGlobal));
      meshrt_synthetic_features(ctx.get(), whole.data(), 3, kGlobal.data(), kReplicated.data(),
                                step, classes);
      const int64_t labelShape[2] = {kGlobal[0], 3};
      const int32_t labelRep[2] = {-1, -1};
      std::vector<int32_t> wholeLabels(kGlobal[0] * 3);
      meshrt_synthetic_labels(ctx.get(), wholeLabels.data(), 2, labelShape, labelRep, step,
                              classes);
      for (const std::vector<int32_t> &axes : layoutsFor(static_cast<int>(sizes.size()))) {
        std::vector<float> local(localCount(sizes, kGlobal, axes));
        meshrt_synthetic_features(ctx.get(), local.data(), 3, kGlobal.data(), axes.data(), step,
                                  classes);
        std::vector<float> global = assemble(sizes, kGlobal, axes, local);
        ASSERT_EQ(0, std::memcmp(global.data(), whole.data(), whole.size() * sizeof(float)));

        // Labels split like the features' leading dim.
        std::vector<int64_t> lshape = {kGlobal[0], 3};
        std::vector<int32_t> laxes = {axes[0], -1};
        std::vector<int32_t> llocal(localCount(sizes, lshape, laxes));
        meshrt_synthetic_labels(ctx.get(), llocal.data(), 2, lshape.data(), laxes.data(), step,
                                classes);
        std::vector<int32_t> lglobal = assemble(sizes, lshape, laxes, llocal);
        ASSERT_EQ(lglobal, wholeLabels);
      }
      // 1-D labels equal the per-sample labels of the 2-D ones.
      std::vector<int32_t> flat(kGlobal[0]);
      const int32_t rep1[1] = {-1};
      meshrt_synthetic_labels(ctx.get(), flat.data(), 1, kGlobal.data(), rep1, step, classes);
      for (int64_t s = 0; s < kGlobal[0]; ++s) {
        EXPECT_EQ(flat[s], wholeLabels[s * 3]);
        EXPECT_EQ(flat[s], wholeLabels[s * 3 + 2]);
        EXPECT_GE(flat[s], 0);
        EXPECT_LT(flat[s], classes);
      }
    }
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(Data, SyntheticFeaturesClusterByLabel) {
  // Same-label samples are closer to each other than different-label samples: the task is
  // learnable. Sample index t*B + s: step 1 of batch 64 equals samples 64..127.
  ContextPtr ctx = makeContext(meshesForWorld().front(), 0);
  const int64_t shape[2] = {64, 32};
  const int32_t rep[2] = {-1, -1};
  const int32_t classes = 4;
  std::vector<float> x(64 * 32);
  std::vector<int32_t> y(64);
  meshrt_synthetic_features(ctx.get(), x.data(), 2, shape, rep, 1, classes);
  meshrt_synthetic_labels(ctx.get(), y.data(), 1, shape, rep, 1, classes);
  double same = 0, diff = 0;
  int64_t nSame = 0, nDiff = 0;
  for (int64_t i = 0; i < 64; ++i)
    for (int64_t j = i + 1; j < 64; ++j) {
      double d = 0;
      for (int64_t f = 0; f < 32; ++f)
        d += std::pow(x[i * 32 + f] - x[j * 32 + f], 2);
      (y[i] == y[j] ? same : diff) += d;
      ++(y[i] == y[j] ? nSame : nDiff);
    }
  ASSERT_GT(nSame, 0);
  ASSERT_GT(nDiff, 0);
  EXPECT_LT(same / nSame, 0.5 * diff / nDiff);
  // Different steps are different samples.
  std::vector<float> x0(64 * 32);
  meshrt_synthetic_features(ctx.get(), x0.data(), 2, shape, rep, 0, classes);
  EXPECT_NE(0, std::memcmp(x0.data(), x.data(), x.size() * sizeof(float)));
}
