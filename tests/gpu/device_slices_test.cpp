// device_slices_test.cpp — the kernels that locate this rank's slice in a global tensor
// (causal mask, dropout, parameter init, synthetic data, split-vocabulary embedding and one-hot)
// on a CUDA context against a CPU context, on every mesh and layout that fits the world. The
// CPU kernels are checked against the whole tensor by tests/runtime; here each rank's slice
// must be the CPU's slice: equal for selections, bit for bit for generated data and dropout
// (the same mask and the same values on every device and layout).
#include "device_pair.h"

using namespace meshrt_gpu_test;

namespace {

class DeviceSlices : public CudaTest {};

// Every layout of an ndims tensor on a mesh of numAxes axes: each dim replicated (-1) or on an
// axis, no axis twice.
std::vector<std::vector<int32_t>> layoutsFor(int ndims, int numAxes) {
  std::vector<std::vector<int32_t>> out;
  std::vector<int32_t> cur(ndims, -1);
  auto rec = [&](auto &&self, int d) -> void {
    if (d == ndims) {
      out.push_back(cur);
      return;
    }
    for (int a = -1; a < numAxes; ++a) {
      bool used = false;
      for (int e = 0; e < d; ++e)
        used |= a >= 0 && cur[e] == a;
      if (used)
        continue;
      cur[d] = a;
      self(self, d + 1);
    }
    cur[d] = -1;
  };
  rec(rec, 0);
  return out;
}

std::string str(const std::vector<int32_t> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return "axes [" + s + "]";
}

// Calls f(pair, axes, localCount) for every mesh of the world and every layout of
// `global` whose split dims divide.
template <typename F> void forEachSlice(const std::vector<int64_t> &global, uint64_t seed, F f) {
  for (const std::string &spec : meshesForWorld()) {
    SCOPED_TRACE(spec);
    Pair pair;
    ASSERT_NO_FATAL_FAILURE(pair.open(spec, seed));
    std::vector<int64_t> sizes = meshSizes(spec);
    for (const std::vector<int32_t> &axes :
         layoutsFor(static_cast<int>(global.size()), static_cast<int>(sizes.size()))) {
      bool divisible = true;
      for (size_t d = 0; d < global.size(); ++d)
        divisible &= axes[d] < 0 || global[d] % sizes[axes[d]] == 0;
      if (!divisible)
        continue;
      SCOPED_TRACE(str(axes));
      f(pair, axes, localCount(sizes, global, axes));
      EXPECT_TRUE(pair.ok());
    }
  }
}

} // namespace

TEST_F(DeviceSlices, CausalMask) {
  struct Case {
    std::vector<int64_t> global;
    int32_t queryDim, keyDim;
    float value;
  };
  for (const Case &c : {Case{{8, 3, 12}, 2, 0, -7.0f}, Case{{2, 12, 12}, 1, 2, -1e9f},
                        Case{{4, 36, 36}, 1, 2, -1e9f}}) {
    forEachSlice(c.global, 5, [&](Pair &pair, const std::vector<int32_t> &axes, int64_t n) {
      Buffer in = pair.upload(pseudoVec(n, 1));
      Buffer out = pair.upload(std::vector<float>(n, 99.0f));
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_causal_mask(ctx, 3, c.global.data(), axes.data(), c.queryDim, c.keyDim, c.value,
                           in.f(side), out.f(side));
      });
      EXPECT_TRUE(same(pair.read<float>(out)));
    });
  }
}

TEST_F(DeviceSlices, DropoutBitIdentical) {
  const std::vector<int64_t> global = {8, 12, 37};
  for (float rate : {0.25f, 0.0f, 0.9f}) {
    SCOPED_TRACE(rate);
    forEachSlice(global, 5, [&](Pair &pair, const std::vector<int32_t> &axes, int64_t n) {
      Buffer in = pair.upload(pseudoVec(n, 2)), out = pair.alloc(n * 4);
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_dropout(ctx, 3, global.data(), axes.data(), /*key=*/3, /*step=*/2, rate, in.f(side),
                       out.f(side));
      });
      EXPECT_TRUE(bitIdentical(pair.read<float>(out)));
    });
  }
}

TEST_F(DeviceSlices, InitParamBitIdentical) {
  const std::vector<int64_t> global = {8, 12, 37};
  for (int kind :
       {MESHRT_INIT_ZEROS, MESHRT_INIT_UNIFORM, MESHRT_INIT_NORMAL, MESHRT_INIT_CONSTANT}) {
    SCOPED_TRACE(kind);
    forEachSlice(global, 42, [&](Pair &pair, const std::vector<int32_t> &axes, int64_t n) {
      Buffer out = pair.upload(std::vector<float>(n, 99.0f));
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_init_param(ctx, out.f(side), 3, global.data(), axes.data(), /*name_hash=*/1234, kind,
                          0.5f);
      });
      EXPECT_TRUE(bitIdentical(pair.read<float>(out)));
    });
  }
}

TEST_F(DeviceSlices, SyntheticFeaturesAndLabelsBitIdentical) {
  const int32_t classes = 5;
  for (const std::vector<int64_t> &global :
       {std::vector<int64_t>{8, 12, 4}, std::vector<int64_t>{16, 37}, std::vector<int64_t>{16},
        std::vector<int64_t>{}})
    for (int64_t step : {0, 3}) {
      SCOPED_TRACE("step " + std::to_string(step) + ", " + std::to_string(global.size()) + " dims");
      const int32_t nd = static_cast<int32_t>(global.size());
      forEachSlice(global, 3, [&](Pair &pair, const std::vector<int32_t> &axes, int64_t n) {
        Buffer labels = pair.upload(std::vector<int32_t>(n, -1));
        pair.run([&](meshrt_context_t ctx, int side) {
          meshrt_synthetic_labels(ctx, labels.i(side), nd, global.data(), axes.data(), step,
                                  classes);
        });
        EXPECT_TRUE(bitIdentical(pair.read<int32_t>(labels))) << "labels";
        if (nd == 0)
          return; // features have a sample dim
        Buffer features = pair.upload(std::vector<float>(n, 99.0f));
        pair.run([&](meshrt_context_t ctx, int side) {
          meshrt_synthetic_features(ctx, features.f(side), nd, global.data(), axes.data(), step,
                                    classes);
        });
        EXPECT_TRUE(bitIdentical(pair.read<float>(features))) << "features";
      });
    }
}

// The vocabulary (and the one-hot classes) split over each axis of each mesh in turn: a rank's
// rows start at coord * local; ids outside them give zeros (lookup) or are dropped (gradient).
TEST_F(DeviceSlices, SplitVocabEmbeddingAndOneHot) {
  for (const std::string &spec : meshesForWorld()) {
    SCOPED_TRACE(spec);
    Pair pair;
    ASSERT_NO_FATAL_FAILURE(pair.open(spec, 5));
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis) {
      SCOPED_TRACE("axis " + std::to_string(axis));
      const int64_t local = 5, vocab = sizes[axis] * local, row = 19, n = 41;
      std::vector<int32_t> idv(n);
      std::vector<float> idf(n);
      for (int64_t i = 0; i < n; ++i) {
        idv[i] = static_cast<int32_t>((i * 7) % (vocab + 4)) - 2;
        idf[i] = static_cast<float>(idv[i]);
      }
      Buffer ids = pair.upload(idv), idsF = pair.upload(idf);
      Buffer table = pair.upload(pseudoVec(local * row, 3 + worldRank()));
      Buffer out = pair.upload(std::vector<float>(n * row, 99.0f));
      Buffer grad = pair.upload(dyadicVec(n * row, 4));
      Buffer tableGrad = pair.upload(std::vector<float>(local * row, 99.0f));
      // one_hot as [outer 1, classes local, inner n].
      Buffer hot = pair.upload(std::vector<float>(local * n, 7.0f));
      Buffer hotF = pair.upload(std::vector<float>(local * n, 7.0f));
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_embedding(ctx, n, local, row, axis, table.f(side), ids.i(side), out.f(side));
        meshrt_embedding_grad(ctx, n, local, row, axis, ids.i(side), grad.f(side),
                              tableGrad.f(side));
        meshrt_one_hot(ctx, 1, local, n, axis, ids.v(side), 1, hot.f(side));
        meshrt_one_hot(ctx, 1, local, n, axis, idsF.v(side), 0, hotF.f(side));
      });
      EXPECT_TRUE(pair.ok());
      EXPECT_TRUE(same(pair.read<float>(out))) << "embedding";
      EXPECT_TRUE(same(pair.read<float>(tableGrad))) << "embedding_grad";
      EXPECT_TRUE(same(pair.read<float>(hot))) << "one_hot of i32";
      EXPECT_TRUE(same(pair.read<float>(hotF))) << "one_hot of f32";
    }
  }
}
