// slice_desc.h — where this rank's slice of a distributed tensor sits in the global tensor, as
// plain data.
//
// Apart from slice.h so that CUDA kernels can take a Slice by value without pulling in the
// context and the CPU kernels' OpenMP machinery; slice.h computes it.
#ifndef MESHRT_SRC_DATA_SLICE_DESC_H
#define MESHRT_SRC_DATA_SLICE_DESC_H

#include <cstdint>

namespace meshrt {

// The most dims a sliced tensor has: the CPU kernels' limit (slice.h checks they agree).
constexpr int kMaxSliceDims = 16;

struct Slice {
  int ndims = 0;
  int64_t global[kMaxSliceDims];
  int64_t local[kMaxSliceDims];
  int64_t offset[kMaxSliceDims];       // global coordinate of local index 0
  int64_t globalStride[kMaxSliceDims]; // row-major strides of the global tensor

  int64_t localCount() const {
    int64_t n = 1;
    for (int d = 0; d < ndims; ++d)
      n *= local[d];
    return n;
  }
};

} // namespace meshrt

#endif // MESHRT_SRC_DATA_SLICE_DESC_H
