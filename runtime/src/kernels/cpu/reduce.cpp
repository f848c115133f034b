// reduce.cpp — CPU sum reduction of a contiguous tensor into a strided output.
//
// After collapsing, the reductions generated code emits are one of: a full sum (loss), a sum
// over the inner dim (per-row, e.g. over classes) or a sum over the outer dim (per-column, e.g.
// a bias gradient over the batch). Each has a parallel loop without write races; anything else
// takes the general serial loop. Row and full sums accumulate in double: they add up to
// millions of terms.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/strided.h"

#include <cstring>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

double sumContiguous(const float *in, int64_t n) {
  double acc = 0.0;
#pragma omp simd reduction(+ : acc)
  for (int64_t i = 0; i < n; ++i)
    acc += in[i];
  return acc;
}

void fullSum(const float *in, int64_t n, float *out) {
  const int threads = threadsFor(n);
  double acc = 0.0;
#pragma omp parallel for num_threads(threads) reduction(+ : acc) schedule(static) if (threads > 1)
  for (int64_t chunk = 0; chunk < threads; ++chunk)
    acc += sumContiguous(in + n * chunk / threads, n * (chunk + 1) / threads - n * chunk / threads);
  *out += static_cast<float>(acc);
}

// [rows, cols] -> out[r * stride] = sum over the row.
void rowSums(const float *in, int64_t rows, int64_t cols, float *out, int64_t stride) {
  const int threads = threadsFor(rows * cols);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t r = 0; r < rows; ++r)
    out[r * stride] += static_cast<float>(sumContiguous(in + r * cols, cols));
}

// [rows, cols] -> out[c] = sum over the column; threads own disjoint column ranges.
void columnSums(const float *in, int64_t rows, int64_t cols, float *out) {
  const int threads = cols >= 64 ? threadsFor(rows * cols) : 1;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t c0 = (cols * t / nt) & ~int64_t{15};
    const int64_t c1 = t == nt - 1 ? cols : (cols * (t + 1) / nt) & ~int64_t{15};
    float *__restrict dst = out;
    for (int64_t r = 0; r < rows; ++r) {
      const float *__restrict src = in + r * cols;
      for (int64_t c = c0; c < c1; ++c)
        dst[c] += src[c];
    }
  }
}

} // namespace

extern "C" void meshrt_reduce_sum(meshrt_context_t handle, int32_t ndims, const int64_t *in_shape,
                                  const float *in, float *out, const int64_t *out_strides,
                                  int64_t out_count) {
  AbiCall call(handle, ProfileKind::ReduceSum, {{"ndims", ndims}, {"out_count", out_count}});
  int64_t count = 0;
  // A reduction writes through out_strides: every output offset must land inside out.
  if (!call.shape("in_shape", ndims, in_shape, 4, &count) || !call.fits({out_count}, 4) ||
      !call.strides("out_strides", ndims, in_shape, out_strides, 4, out_count))
    return;
  const bool empty = count == 0;
  call.run(
      [&](Device &dev) { return dev.reduceSum(ndims, in_shape, in, out, out_strides, out_count); },
      [&](Context *) {
        std::memset(out, 0, static_cast<size_t>(out_count) * sizeof(float));
        if (empty)
          return;

        const int64_t *strides[1] = {out_strides};
        Collapsed<1> c = collapse<1>(ndims, in_shape, strides);
        const int64_t n = c.count();
        if (c.ndims == 1 && c.strides[0][0] == 0)
          return fullSum(in, n, out);
        if (c.ndims == 2 && c.strides[0][1] == 0)
          return rowSums(in, c.shape[0], c.shape[1], out, c.strides[0][0]);
        if (c.ndims == 2 && c.strides[0][0] == 0 && c.strides[0][1] == 1)
          return columnSums(in, c.shape[0], c.shape[1], out);

        // General case: serial, because different rows may write the same outputs.
        const int64_t s = c.innerStride(0);
        forSegments(c, 0, n, [&](int64_t i, const int64_t *off, int64_t len) {
          const float *src = in + i;
          float *dst = out + off[0];
          if (s == 0) {
            *dst += static_cast<float>(sumContiguous(src, len));
          } else {
            for (int64_t j = 0; j < len; ++j)
              dst[j * s] += src[j];
          }
        });
      });
}
