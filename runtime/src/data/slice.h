// slice.h — where this rank's slice of a distributed tensor sits in the global tensor.
#ifndef MESHRT_SRC_DATA_SLICE_H
#define MESHRT_SRC_DATA_SLICE_H

#include "context.h"
#include "data/slice_desc.h"
#include "kernels/cpu/strided.h"

#include <cstdint>

namespace meshrt {

static_assert(kMaxSliceDims == cpu::kMaxDims, "a Slice must fit every tensor a kernel takes");

// A dim split on axis a has local size global / size(a) and starts at coord(a) * local.
// Checks the axes exist, are used once, and divide their dims.
inline Status computeSlice(const Context &ctx, const char *what, int32_t ndims,
                           const int64_t *globalShape, const int32_t *dimAxes, Slice *out) {
  if (ndims < 0 || ndims > cpu::kMaxDims)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("%s with %d dims (at most %d)", what, ndims, cpu::kMaxDims));
  Slice s;
  s.ndims = ndims;
  int used = 0;
  for (int d = 0; d < ndims; ++d) {
    const int64_t g = globalShape[d];
    const int32_t axis = dimAxes ? dimAxes[d] : -1;
    if (g < 0)
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("%s with negative size in dim %d", what, d));
    s.global[d] = g;
    s.local[d] = g;
    s.offset[d] = 0;
    if (axis < 0)
      continue;
    if (!ctx.validAxis(axis) || (used & (1 << axis)))
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("%s: dim %d is on mesh axis %d, which does not exist or is "
                                     "used by another dim",
                                     what, d, axis));
    used |= 1 << axis;
    const int64_t p = ctx.axisSize(axis);
    if (g % p != 0)
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("%s: dim %d of size %lld is not divisible by mesh axis '%s' "
                                     "of size %lld",
                                     what, d, static_cast<long long>(g),
                                     ctx.mesh().names[axis].c_str(), static_cast<long long>(p)));
    s.local[d] = g / p;
    s.offset[d] = ctx.coord(axis) * s.local[d];
  }
  int64_t stride = 1;
  for (int d = ndims - 1; d >= 0; --d) {
    s.globalStride[d] = stride;
    stride *= s.global[d];
  }
  *out = s;
  return Status::success();
}

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
