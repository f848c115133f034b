// attention_shape.h — what the fused attention kernels (meshrt_attention and its adjoint) know
// about their problem, checked once by the entry point and passed to the CPU kernel and to the
// Device.
//
// q [outer, sq, d], k [outer, sk, d], v [outer, sk, dv], out [outer, sq, dv], lse [outer, sq],
// contiguous. `probs` is this rank's slice of the unfused program's probabilities P: its dims
// other than queryDim and keyDim flatten (in P's order, local sizes) to `outer`. The global
// position of (o, i, j) in P, which decides the causal mask and the dropout draw, is
// globalIndex(o) + (offset[queryDim] + i) * globalStride[queryDim] + j * globalStride[keyDim]
// (the key dim is whole).
#ifndef MESHRT_SRC_KERNELS_ATTENTION_SHAPE_H
#define MESHRT_SRC_KERNELS_ATTENTION_SHAPE_H

#include "data/slice_desc.h"
#include "host_device.h"

#include <cstdint>

namespace meshrt {

struct AttentionShape {
  Slice probs;
  int queryDim = 0, keyDim = 0;
  int64_t outer = 0, sq = 0, sk = 0, d = 0, dv = 0;
  bool causal = false;
  float rate = 0.0f;       // dropout rate, 0 = none
  uint64_t prefix = 0;     // random::hashAt(random::hashPrefix(seed, key), step), as for dropout
  int64_t queryOffset = 0; // global position of local query 0

  // P's global row-major index of element (o, 0, 0): o's digits are P's other dims, last
  // fastest, each offset by where this rank's slice starts.
  MESHRT_HOST_DEVICE int64_t globalIndex(int64_t o) const {
    int64_t flat = 0;
    for (int dim = probs.ndims - 1; dim >= 0; --dim) {
      if (dim == queryDim || dim == keyDim)
        continue;
      flat += (o % probs.local[dim] + probs.offset[dim]) * probs.globalStride[dim];
      o /= probs.local[dim];
    }
    return flat + queryOffset * probs.globalStride[queryDim];
  }
  MESHRT_HOST_DEVICE int64_t queryStride() const { return probs.globalStride[queryDim]; }
  MESHRT_HOST_DEVICE int64_t keyStride() const { return probs.globalStride[keyDim]; }
};

} // namespace meshrt

#endif // MESHRT_SRC_KERNELS_ATTENTION_SHAPE_H
