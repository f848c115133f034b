// data.cu — the synthetic batch of a step, generated on the GPU from the formulas the CPU uses
// (data/synthetic_formula.h), so a device run trains on bit-identical data without a host copy
// per step.
#include "data/slice_desc.h"
#include "data/synthetic_formula.h"
#include "device/cuda/cuda_device.h"

namespace meshrt::cuda {
namespace {

// Global coordinate of the local element `i` along dim 0 and its global row-major flat index.
__device__ void globalPosition(const Slice &s, int64_t i, int64_t *coord0, int64_t *flat) {
  int64_t f = 0;
  for (int d = s.ndims - 1; d >= 0; --d) {
    const int64_t idx = i % s.local[d] + s.offset[d];
    i /= s.local[d];
    f += idx * s.globalStride[d];
    if (d == 0)
      *coord0 = idx;
  }
  *flat = f;
}

__global__ void syntheticLabelsKernel(Slice s, synthetic::Prefixes p, uint64_t step,
                                      int32_t classes, int64_t count, int32_t *out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    if (s.ndims == 0) { // a single sample per step
      out[i] = synthetic::sampleLabel(p, step, classes);
      continue;
    }
    int64_t coord0 = 0, flat = 0;
    globalPosition(s, i, &coord0, &flat);
    const uint64_t first = step * static_cast<uint64_t>(s.global[0]);
    out[i] = synthetic::sampleLabel(p, first + static_cast<uint64_t>(coord0), classes);
  }
}

__global__ void syntheticFeaturesKernel(Slice s, synthetic::Prefixes p, uint64_t step,
                                        int32_t classes, int64_t count, float *out) {
  const int64_t features = s.globalStride[0]; // F: elements per sample
  const uint64_t first = step * static_cast<uint64_t>(s.global[0]);
  const uint64_t noiseBase = first * static_cast<uint64_t>(features);
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t coord0 = 0, flat = 0;
    globalPosition(s, i, &coord0, &flat);
    const int32_t label = synthetic::sampleLabel(p, first + static_cast<uint64_t>(coord0), classes);
    const uint64_t f = static_cast<uint64_t>(flat - coord0 * features);
    out[i] = synthetic::featureValue(p, synthetic::centroidPrefix(p, label), f,
                                     noiseBase + static_cast<uint64_t>(flat));
  }
}

} // namespace

Status CudaDevice::synthetic(const Slice &slice, const synthetic::Prefixes &prefixes, int64_t step,
                             int32_t classes, bool labels, void *out) {
  const int64_t count = slice.localCount();
  if (count == 0)
    return Status::success();
  if (labels) {
    syntheticLabelsKernel<<<gridFor(count), kBlock, 0, compute_>>>(
        slice, prefixes, static_cast<uint64_t>(step), classes, count, static_cast<int32_t *>(out));
    return launched("synthetic_labels");
  }
  syntheticFeaturesKernel<<<gridFor(count), kBlock, 0, compute_>>>(
      slice, prefixes, static_cast<uint64_t>(step), classes, count, static_cast<float *>(out));
  return launched("synthetic_features");
}

} // namespace meshrt::cuda
