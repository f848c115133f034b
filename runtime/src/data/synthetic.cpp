// synthetic.cpp — synthetic, learnable classification data as a function of global indices.
//
// The formula is in synthetic_formula.h (shared with the CUDA kernel). Labels with more than
// one dim (e.g. [batch, seq]) take the sample index from the leading dim only: every position
// of a sample has that sample's label — simple, and consistent with the features' notion of a
// sample. On a device the data is generated there (a batch per step would otherwise cross the
// host link every step).
#include "abi_call.h"
#include "data/slice.h"
#include "data/synthetic_formula.h"
#include "device/device.h"

using namespace meshrt;
using namespace meshrt::synthetic;

extern "C" {

void meshrt_synthetic_labels(meshrt_context_t handle, int32_t *out, int32_t ndims,
                             const int64_t *global_shape, const int32_t *dim_axes, int64_t step,
                             int32_t classes) {
  AbiCall call(handle, ProfileKind::SyntheticLabels,
               {{"ndims", ndims}, {"step", step}, {"classes", classes}});
  Slice s;
  if (!call.require(classes > 0, "classes must be positive") ||
      !call.slice(ndims, global_shape, dim_axes, &s))
    return;
  Context *ctx = call.ctx();
  const Prefixes p = prefixesFor(ctx->seed());
  call.run([&](Device &dev) { return dev.synthetic(s, p, step, classes, /*labels=*/true, out); },
           [&](Context *) {
             if (ndims == 0) { // a single sample per step
               out[0] = sampleLabel(p, static_cast<uint64_t>(step), classes);
               return;
             }
             const uint64_t first =
                 static_cast<uint64_t>(step) * static_cast<uint64_t>(s.global[0]);
             forSliceRows(s, [&](int64_t local, const int64_t *coord, int64_t flat, int64_t len) {
               int32_t *dst = out + local;
               if (ndims == 1) { // each element is a sample; flat is its global coordinate
                 for (int64_t j = 0; j < len; ++j)
                   dst[j] = sampleLabel(p, first + flat + j, classes);
                 return;
               }
               const int32_t label = sampleLabel(p, first + coord[0], classes);
               for (int64_t j = 0; j < len; ++j)
                 dst[j] = label;
             });
           });
}

void meshrt_synthetic_features(meshrt_context_t handle, float *out, int32_t ndims,
                               const int64_t *global_shape, const int32_t *dim_axes, int64_t step,
                               int32_t classes) {
  AbiCall call(handle, ProfileKind::SyntheticFeatures,
               {{"ndims", ndims}, {"step", step}, {"classes", classes}});
  Slice s;
  if (!call.require(classes > 0, "classes must be positive") ||
      !call.require(ndims > 0, "features need a leading sample dim") ||
      !call.slice(ndims, global_shape, dim_axes, &s))
    return;
  Context *ctx = call.ctx();
  const Prefixes p = prefixesFor(ctx->seed());
  call.run([&](Device &dev) { return dev.synthetic(s, p, step, classes, /*labels=*/false, out); },
           [&](Context *) {
             const int64_t features = s.globalStride[0]; // F: elements per sample
             const uint64_t first =
                 static_cast<uint64_t>(step) * static_cast<uint64_t>(s.global[0]);
             // Noise is indexed by (sample index, f) flattened: first * F + global flat index.
             const uint64_t noiseBase = first * static_cast<uint64_t>(features);
             forSliceRows(s, [&](int64_t local, const int64_t *coord, int64_t flat, int64_t len) {
               float *dst = out + local;
               if (ndims == 1) { // one feature per sample
                 for (int64_t j = 0; j < len; ++j) {
                   const int32_t label = sampleLabel(p, first + flat + j, classes);
                   dst[j] = featureValue(p, centroidPrefix(p, label), 0, noiseBase + flat + j);
                 }
                 return;
               }
               // The row lies inside one sample, so the label and the centroid prefix are per row.
               const uint64_t centroid =
                   centroidPrefix(p, sampleLabel(p, first + coord[0], classes));
               const int64_t f0 = flat - coord[0] * features;
               for (int64_t j = 0; j < len; ++j)
                 dst[j] = featureValue(p, centroid, f0 + j, noiseBase + flat + j);
             });
           });
}

} // extern "C"
