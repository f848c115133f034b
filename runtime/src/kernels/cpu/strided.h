// strided.h — shared machinery of the strided CPU kernels (copy, binary, reduce).
//
// The kernels run on tensors of up to millions of elements in the step loop, so they first
// collapse the iteration space (kernels/collapse.h). Most calls then become one long contiguous
// loop or a loop over rows whose inner stride is 1 (vectorised) or 0 (broadcast). What remains
// is split into segments (a row, or a chunk of a single long row) that threads take in static
// blocks.
#ifndef MESHRT_SRC_KERNELS_CPU_STRIDED_H
#define MESHRT_SRC_KERNELS_CPU_STRIDED_H

#include "kernels/collapse.h"

#include <omp.h>

#include <cstdint>

namespace meshrt::cpu {

using meshrt::kMaxDims;
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelElements = 1 << 15;

inline int threadsFor(int64_t elements) {
  if (elements < kParallelElements)
    return 1;
  int t = omp_get_max_threads();
  int64_t useful = elements / (kParallelElements / 2);
  return static_cast<int>(useful < t ? useful : t);
}

using meshrt::collapse;
using meshrt::Collapsed;

// Calls f(outOffset, offsets[K], len) for output elements [begin, end) where begin and end lie
// on row boundaries or inside a single-row space: each call covers part of one row, in which
// operand k advances by innerStride(k) per element.
template <int K, typename F>
void forSegments(const Collapsed<K> &c, int64_t begin, int64_t end, F &&f) {
  const int n = c.ndims;
  const int64_t inner = c.inner();
  int64_t idx[kMaxDims];
  int64_t off[K];
  int64_t row = begin / inner;
  int64_t col = begin % inner;
  // Decompose the starting row into the outer multi-index.
  int64_t rem = row;
  for (int d = n - 2; d >= 0; --d) {
    idx[d] = rem % c.shape[d];
    rem /= c.shape[d];
  }
  for (int k = 0; k < K; ++k) {
    off[k] = col * c.strides[k][n - 1];
    for (int d = 0; d <= n - 2; ++d)
      off[k] += idx[d] * c.strides[k][d];
  }
  int64_t pos = begin;
  while (pos < end) {
    int64_t len = inner - col;
    if (len > end - pos)
      len = end - pos;
    f(pos, off, len);
    pos += len;
    if (pos >= end)
      break;
    // Next row: undo this row's column offset, advance the odometer.
    for (int k = 0; k < K; ++k)
      off[k] -= col * c.strides[k][n - 1];
    col = 0;
    for (int d = n - 2; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < K; ++k)
        off[k] += c.strides[k][d];
      if (idx[d] < c.shape[d])
        break;
      for (int k = 0; k < K; ++k)
        off[k] -= idx[d] * c.strides[k][d];
      idx[d] = 0;
    }
  }
}

// forSegments over the whole space, split among threads in contiguous static blocks (whole rows
// when there are enough rows, else chunks of the row).
template <int K, typename F> void parallelSegments(const Collapsed<K> &c, F &&f) {
  const int64_t total = c.count();
  if (total == 0)
    return;
  const int threads = threadsFor(total);
  if (threads <= 1) {
    forSegments(c, 0, total, f);
    return;
  }
  const int64_t rows = c.rows(), inner = c.inner();
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t begin, end;
    if (rows >= nt) {
      begin = rows * t / nt * inner;
      end = rows * (t + 1) / nt * inner;
    } else {
      // Few long rows: cut the flat range, 16-element aligned to keep vector loops whole.
      begin = (total * t / nt) & ~int64_t{15};
      end = t == nt - 1 ? total : (total * (t + 1) / nt) & ~int64_t{15};
    }
    if (begin < end)
      forSegments(c, begin, end, f);
  }
}

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_STRIDED_H
