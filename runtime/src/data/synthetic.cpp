// synthetic.cpp — synthetic, learnable classification data as a function of global indices.
//
// The leading dim indexes samples: sample s (global coordinate in dim 0) of step t has global
// index t * global_shape[0] + s. Its label is hash(seed ^ kDataset, index) % classes. Its
// features (the remaining dims, flattened row-major to a feature index f < F) are
//   centroid(label, f) + 0.5 * noise(index, f),
// centroid uniform in [-1, 1) from hash(label, f) and noise uniform in [-1, 1), so classes are
// separable and a model's loss falls. Labels with more than one dim (e.g. [batch, seq]) take
// the sample index from the leading dim only: every position of a sample has that sample's
// label — simple, and consistent with the features' notion of a sample.
#include "data/random.h"
#include "data/slice.h"
#include "profile.h"

using namespace meshrt;

namespace {

// Keeps the data streams apart from each other and from parameter name hashes.
constexpr uint64_t kDataset = 0x6d65736863646174ULL; // "meshcdat"
constexpr uint64_t kLabelKey = 0x6c6162656c73ULL;
constexpr uint64_t kNoiseKey = 0x6e6f697365ULL;
constexpr uint64_t kCentroidKey = 0x63656e74726f6964ULL;

inline int32_t sampleLabel(uint64_t labelPrefix, uint64_t sampleIndex, int32_t classes) {
  return static_cast<int32_t>(random::hashAt(labelPrefix, sampleIndex) %
                              static_cast<uint64_t>(classes));
}

bool checkCommon(Context *ctx, const char *what, int32_t ndims, int64_t step, int32_t classes) {
  if (classes > 0 && step >= 0 && ndims >= 0)
    return true;
  ctx->fail(MESHRT_INVALID_ARGUMENT, strformat("%s with %d dims, step %lld and %d classes", what,
                                               ndims, static_cast<long long>(step), classes));
  return false;
}

} // namespace

extern "C" {

void meshrt_synthetic_labels(meshrt_context_t handle, int32_t *out, int32_t ndims,
                             const int64_t *global_shape, const int32_t *dim_axes, int64_t step,
                             int32_t classes) {
  ProfileScope profileScope(ProfileKind::Data);
  Context *ctx = activeContext(handle);
  if (!ctx || !checkCommon(ctx, "synthetic_labels", ndims, step, classes))
    return;
  Slice s;
  if (!ctx->check(computeSlice(*ctx, "synthetic_labels", ndims, global_shape, dim_axes, &s)))
    return;
  const uint64_t prefix = random::hashPrefix(ctx->seed() ^ kDataset, kLabelKey);
  const int64_t bytes = s.localCount() * static_cast<int64_t>(sizeof(int32_t));
  int32_t *host = static_cast<int32_t *>(ctx->beginHostWrite(out, bytes));
  if (ndims == 0) { // a single sample per step
    host[0] = sampleLabel(prefix, static_cast<uint64_t>(step), classes);
    ctx->finishHostWrite(out, host, bytes);
    return;
  }
  const uint64_t first = static_cast<uint64_t>(step) * static_cast<uint64_t>(s.global[0]);
  forSliceRows(s, [&](int64_t local, const int64_t *coord, int64_t flat, int64_t len) {
    int32_t *dst = host + local;
    if (ndims == 1) { // each element is a sample; flat is its global coordinate
      for (int64_t j = 0; j < len; ++j)
        dst[j] = sampleLabel(prefix, first + flat + j, classes);
      return;
    }
    const int32_t label = sampleLabel(prefix, first + coord[0], classes);
    for (int64_t j = 0; j < len; ++j)
      dst[j] = label;
  });
  ctx->finishHostWrite(out, host, bytes);
}

void meshrt_synthetic_features(meshrt_context_t handle, float *out, int32_t ndims,
                               const int64_t *global_shape, const int32_t *dim_axes, int64_t step,
                               int32_t classes) {
  ProfileScope profileScope(ProfileKind::Data);
  Context *ctx = activeContext(handle);
  if (!ctx || !checkCommon(ctx, "synthetic_features", ndims, step, classes))
    return;
  if (ndims == 0) {
    ctx->fail(MESHRT_INVALID_ARGUMENT, "synthetic_features needs a leading sample dim");
    return;
  }
  Slice s;
  if (!ctx->check(computeSlice(*ctx, "synthetic_features", ndims, global_shape, dim_axes, &s)))
    return;
  const uint64_t dataSeed = ctx->seed() ^ kDataset;
  const uint64_t labelPrefix = random::hashPrefix(dataSeed, kLabelKey);
  const uint64_t noisePrefix = random::hashPrefix(dataSeed, kNoiseKey);
  const int64_t features = s.globalStride[0]; // F: elements per sample
  const uint64_t first = static_cast<uint64_t>(step) * static_cast<uint64_t>(s.global[0]);
  // Noise is indexed by (sample index, f) flattened: first * F + global flat index.
  const uint64_t noiseBase = first * static_cast<uint64_t>(features);
  const int64_t bytes = s.localCount() * static_cast<int64_t>(sizeof(float));
  float *host = static_cast<float *>(ctx->beginHostWrite(out, bytes));

  forSliceRows(s, [&](int64_t local, const int64_t *coord, int64_t flat, int64_t len) {
    float *dst = host + local;
    if (ndims == 1) { // one feature per sample
      for (int64_t j = 0; j < len; ++j) {
        const int32_t label = sampleLabel(labelPrefix, first + flat + j, classes);
        const float centroid = random::uniformSym(
            random::hash(dataSeed, kCentroidKey + static_cast<uint64_t>(label), 0));
        const float noise = random::uniformSym(random::hashAt(noisePrefix, noiseBase + flat + j));
        dst[j] = centroid + 0.5f * noise;
      }
      return;
    }
    // The row lies inside one sample, so the label and the centroid prefix are per row.
    const int32_t label = sampleLabel(labelPrefix, first + coord[0], classes);
    const uint64_t centroidPrefix =
        random::hashPrefix(dataSeed, kCentroidKey + static_cast<uint64_t>(label));
    const int64_t f0 = flat - coord[0] * features;
    for (int64_t j = 0; j < len; ++j) {
      const float centroid = random::uniformSym(random::hashAt(centroidPrefix, f0 + j));
      const float noise = random::uniformSym(random::hashAt(noisePrefix, noiseBase + flat + j));
      dst[j] = centroid + 0.5f * noise;
    }
  });
  ctx->finishHostWrite(out, host, bytes);
}

} // extern "C"
