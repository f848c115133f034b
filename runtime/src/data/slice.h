// slice.h — walking this rank's slice of a distributed tensor (AbiCall::slice computes it).
#ifndef MESHRT_SRC_DATA_SLICE_H
#define MESHRT_SRC_DATA_SLICE_H

#include "data/slice_desc.h"
#include "kernels/cpu/strided.h"

#include <cstdint>

namespace meshrt {

// Calls f(localRowStart, globalCoordOfRow[ndims-1 entries], globalFlatOfRowStart, rowLength)
// for every row of the local slice (a row runs along the last dim, contiguous both locally and
// globally), threads splitting the rows.
template <typename F> void forSliceRows(const Slice &s, F &&f) {
  const int n = s.ndims;
  const int64_t inner = n ? s.local[n - 1] : 1;
  const int64_t total = s.localCount();
  if (total == 0)
    return;
  const int64_t rows = total / inner;
  const int threads = cpu::threadsFor(total);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t coord[cpu::kMaxDims];
    int64_t rem = r, flat = 0;
    for (int d = n - 2; d >= 0; --d) {
      coord[d] = rem % s.local[d] + s.offset[d];
      rem /= s.local[d];
      flat += coord[d] * s.globalStride[d];
    }
    if (n > 0)
      flat += s.offset[n - 1];
    f(r * inner, coord, flat, inner);
  }
}

} // namespace meshrt

#endif // MESHRT_SRC_DATA_SLICE_H
