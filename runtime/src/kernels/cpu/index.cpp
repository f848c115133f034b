// index.cpp — CPU kernels of the Index family: embedding lookups and their scatter-add
// gradient, one-hot, argmax, max reductions and their gradient, cumsum, and window copies
// (concat, slice, pad).
//
// A tensor split along the dim an op indexes holds a slice whose global offset is this rank's
// coordinate along the dim's mesh axis times the local size (as in meshrt_init_param); the
// kernels take the axis (-1: not split) and compute the offset themselves.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/strided.h"
#include "kernels/cpu/xent_labels.h"

#include <cstring>
#include <vector>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

// Global index of this rank's first element along a dim of `local` elements split on `axis`
// (-1: not split).
bool sliceOffset(AbiCall &call, int32_t axis, int64_t local, int64_t *offset) {
  if (axis == -1) {
    *offset = 0;
    return call.ok();
  }
  if (!call.require(call.ctx() && call.ctx()->validAxis(axis), "mesh axis %d does not exist", axis))
    return false;
  *offset = call.ctx()->coord(axis) * local;
  return true;
}

// MESHRT_ONE_HOT_XENT_LABELS: the n labels of this rank's rows all lie in the whole class dim,
// [0, local classes x the size of the class axis); else the cross-entropy kernel's failure. On
// a device the labels are read back first: a synchronisation, as the device's
// meshrt_softmax_xent waits for its own label check.
bool checkXentLabels(AbiCall &call, int64_t n, int64_t localClasses, int32_t axis,
                     const int32_t *labels) {
  if (n == 0)
    return true;
  int64_t classes = localClasses;
  if (axis != -1 && !call.require(checkedMul(localClasses, call.ctx()->axisSize(axis), &classes),
                                  "classes x the size of mesh axis %d overflow int64", axis))
    return false;
  Context *ctx = call.ctx();
  std::vector<int32_t> host;
  if (Device *dev = ctx->device()) {
    host.resize(static_cast<size_t>(n));
    if (!ctx->check(dev->download(host.data(), labels, n * int64_t{sizeof(int32_t)})))
      return false;
    labels = host.data();
  }
  bool bad = false;
  for (int64_t i = 0; i < n; ++i)
    bad |= labels[i] < 0 || labels[i] >= classes;
  if (bad)
    failXentLabel(ctx, classes);
  return !bad;
}

// Shared walk of a max reduction: calls f(inIndex, outOffset) for every element of the
// contiguous `in_shape`, in row-major order.
template <typename F>
void forEachStrided(int32_t ndims, const int64_t *in_shape, const int64_t *out_strides, F &&f) {
  const int64_t *strides[1] = {out_strides};
  Collapsed<1> c = collapse<1>(ndims, in_shape, strides);
  const int64_t s = c.innerStride(0);
  forSegments(c, 0, c.count(), [&](int64_t i, const int64_t *off, int64_t len) {
    for (int64_t j = 0; j < len; ++j)
      f(i + j, off[0] + j * s);
  });
}

// A max reduction of in_shape into out_strides over `count` outputs (as meshrt_reduce_sum).
bool checkReduce(AbiCall &call, int32_t ndims, const int64_t *in_shape, const char *stridesName,
                 const int64_t *out_strides, int64_t out_count, int64_t *inCount) {
  return call.shape("in_shape", ndims, in_shape, 4, inCount) && call.fits({out_count}, 4) &&
         call.strides(stridesName, ndims, in_shape, out_strides, 4, out_count);
}

// First position of the maximum of each reduced group: first[outOffset] = input index.
std::vector<int64_t> firstMax(int32_t ndims, const int64_t *in_shape, const float *in,
                              const int64_t *out_strides, int64_t out_count) {
  std::vector<int64_t> first(static_cast<size_t>(out_count), -1);
  forEachStrided(ndims, in_shape, out_strides, [&](int64_t i, int64_t o) {
    if (first[o] < 0 || in[i] > in[first[o]])
      first[o] = i;
  });
  return first;
}

} // namespace

extern "C" {

void meshrt_embedding(meshrt_context_t handle, int64_t n, int64_t local_vocab, int64_t row,
                      int32_t vocab_axis, const float *table, const int32_t *ids, float *out) {
  AbiCall call(
      handle, ProfileKind::Embedding,
      {{"n", n}, {"local_vocab", local_vocab}, {"row", row}, {"vocab_axis", vocab_axis, true}});
  int64_t offset = 0;
  if (!call.fits({n, row}, 4) || !call.fits({local_vocab, row}, 4) ||
      !sliceOffset(call, vocab_axis, local_vocab, &offset))
    return;
  call.run([&](Device &dev) { return dev.embedding(n, local_vocab, row, offset, table, ids, out); },
           [&](Context *ctx) {
             const int threads = threadsFor(n * row);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
             for (int64_t i = 0; i < n; ++i) {
               const int64_t v = static_cast<int64_t>(ids[i]) - offset;
               float *dst = out + i * row;
               if (v >= 0 && v < local_vocab)
                 std::memcpy(dst, table + v * row, static_cast<size_t>(row) * sizeof(float));
               else
                 std::memset(dst, 0, static_cast<size_t>(row) * sizeof(float));
             }
           });
}

void meshrt_embedding_grad(meshrt_context_t handle, int64_t n, int64_t local_vocab, int64_t row,
                           int32_t vocab_axis, const int32_t *ids, const float *grad,
                           float *table_grad) {
  AbiCall call(
      handle, ProfileKind::EmbeddingGrad,
      {{"n", n}, {"local_vocab", local_vocab}, {"row", row}, {"vocab_axis", vocab_axis, true}});
  int64_t offset = 0;
  if (!call.fits({n, row}, 4) || !call.fits({local_vocab, row}, 4) ||
      !sliceOffset(call, vocab_axis, local_vocab, &offset))
    return;
  call.run(
      [&](Device &dev) {
        return dev.embeddingGrad(n, local_vocab, row, offset, ids, grad, table_grad);
      },
      [&](Context *ctx) {
        std::memset(table_grad, 0, static_cast<size_t>(local_vocab * row) * sizeof(float));
        // Threads own disjoint column ranges of the table, so repeated ids never race; every
        // thread adds the rows in id order, which keeps the sums deterministic.
        const int threads = row >= 64 ? threadsFor(n * row) : 1;
#pragma omp parallel num_threads(threads) if (threads > 1)
        {
          const int t = omp_get_thread_num(), nt = omp_get_num_threads();
          const int64_t c0 = row * t / nt, c1 = row * (t + 1) / nt;
          for (int64_t i = 0; i < n; ++i) {
            const int64_t v = static_cast<int64_t>(ids[i]) - offset;
            if (v < 0 || v >= local_vocab)
              continue;
            float *__restrict dst = table_grad + v * row;
            const float *__restrict src = grad + i * row;
            for (int64_t c = c0; c < c1; ++c)
              dst[c] += src[c];
          }
        }
      });
}

void meshrt_one_hot(meshrt_context_t handle, int64_t outer, int64_t classes, int64_t inner,
                    int32_t class_axis, const void *in, int32_t in_kind, float *out) {
  AbiCall call(handle, ProfileKind::OneHot,
               {{"outer", outer},
                {"classes", classes},
                {"inner", inner},
                {"class_axis", class_axis, true},
                {"in_kind", in_kind, true}});
  int64_t offset = 0;
  if (!call.fits({outer, classes, inner}, 4) || !sliceOffset(call, class_axis, classes, &offset) ||
      !call.require(in_kind == MESHRT_ONE_HOT_F32 || in_kind == MESHRT_ONE_HOT_I32 ||
                        in_kind == MESHRT_ONE_HOT_XENT_LABELS,
                    "in_kind %d is not a meshrt_one_hot_input_t", in_kind))
    return;
  if (in_kind == MESHRT_ONE_HOT_XENT_LABELS &&
      !checkXentLabels(call, outer * inner, classes, class_axis, static_cast<const int32_t *>(in)))
    return;
  const bool isInt = in_kind != MESHRT_ONE_HOT_F32;
  call.run([&](Device &dev) { return dev.oneHot(outer, classes, inner, offset, in, isInt, out); },
           [&](Context *ctx) {
             std::memset(out, 0, static_cast<size_t>(outer * classes * inner) * sizeof(float));
             const int32_t *ints = static_cast<const int32_t *>(in);
             const float *floats = static_cast<const float *>(in);
             for (int64_t o = 0; o < outer; ++o)
               for (int64_t i = 0; i < inner; ++i) {
                 const int64_t at = o * inner + i;
                 int64_t c;
                 if (isInt) {
                   c = ints[at];
                 } else {
                   // f32 holding integers; anything else (NaN, fractions) has no class.
                   const float x = floats[at];
                   if (!(x >= -1e18f && x <= 1e18f) ||
                       x != static_cast<float>(static_cast<int64_t>(x)))
                     continue;
                   c = static_cast<int64_t>(x);
                 }
                 c -= offset;
                 if (c >= 0 && c < classes)
                   out[(o * classes + c) * inner + i] = 1.0f;
               }
           });
}

void meshrt_argmax(meshrt_context_t handle, int64_t outer, int64_t n, int64_t inner,
                   const float *in, int32_t *out) {
  AbiCall call(handle, ProfileKind::Argmax, {{"outer", outer}, {"n", n}, {"inner", inner}});
  if (!call.fits({outer, n, inner}, 4) ||
      !call.require(n > 0 || outer == 0 || inner == 0, "argmax over an empty dim"))
    return;
  call.run([&](Device &dev) { return dev.argmax(outer, n, inner, in, out); },
           [&](Context *ctx) {
             for (int64_t o = 0; o < outer; ++o)
               for (int64_t i = 0; i < inner; ++i) {
                 const float *x = in + o * n * inner + i;
                 int64_t best = 0;
                 for (int64_t k = 1; k < n; ++k)
                   if (x[k * inner] > x[best * inner])
                     best = k;
                 out[o * inner + i] = static_cast<int32_t>(best);
               }
           });
}

void meshrt_reduce_max(meshrt_context_t handle, int32_t ndims, const int64_t *in_shape,
                       const float *in, float *out, const int64_t *out_strides, int64_t out_count) {
  AbiCall call(handle, ProfileKind::ReduceMax, {{"ndims", ndims}, {"out_count", out_count}});
  int64_t count = 0;
  if (!checkReduce(call, ndims, in_shape, "out_strides", out_strides, out_count, &count) ||
      !call.require(count > 0, "reduce_max over an empty tensor"))
    return;
  call.run(
      [&](Device &dev) { return dev.reduceMax(ndims, in_shape, in, out, out_strides, out_count); },
      [&](Context *ctx) {
        std::vector<int64_t> first = firstMax(ndims, in_shape, in, out_strides, out_count);
        for (int64_t o = 0; o < out_count; ++o)
          out[o] = first[o] >= 0 ? in[first[o]] : 0.0f;
      });
}

void meshrt_reduce_max_grad(meshrt_context_t handle, int32_t ndims, const int64_t *in_shape,
                            const float *in, const float *grad, const int64_t *grad_strides,
                            int64_t grad_count, float *out) {
  AbiCall call(handle, ProfileKind::ReduceMaxGrad, {{"ndims", ndims}, {"grad_count", grad_count}});
  int64_t count = 0;
  if (!checkReduce(call, ndims, in_shape, "grad_strides", grad_strides, grad_count, &count))
    return;
  const bool empty = count == 0;
  call.run(
      [&](Device &dev) {
        return dev.reduceMaxGrad(ndims, in_shape, in, grad, grad_strides, grad_count, out);
      },
      [&](Context *) {
        std::memset(out, 0, static_cast<size_t>(count) * sizeof(float));
        if (empty)
          return;
        std::vector<int64_t> first = firstMax(ndims, in_shape, in, grad_strides, grad_count);
        for (int64_t o = 0; o < grad_count; ++o)
          if (first[o] >= 0)
            out[first[o]] = grad[o];
      });
}

void meshrt_cumsum(meshrt_context_t handle, int64_t outer, int64_t n, int64_t inner,
                   int32_t exclusive, int32_t reverse, const float *in, float *out) {
  AbiCall call(handle, ProfileKind::Cumsum, {{"outer", outer}, {"n", n}, {"inner", inner}});
  if (!call.fits({outer, n, inner}, 4))
    return;
  call.run(
      [&](Device &dev) {
        return dev.cumsum(outer, n, inner, exclusive != 0, reverse != 0, in, out);
      },
      [&](Context *ctx) {
        const int threads = threadsFor(outer * n * inner);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) {
            const float *x = in + o * n * inner + i;
            float *y = out + o * n * inner + i;
            // Double accumulation: counts of tokens per expert must stay exact integers.
            double acc = 0.0;
            for (int64_t j = 0; j < n; ++j) {
              const int64_t k = reverse ? n - 1 - j : j;
              const float v = x[k * inner];
              if (!exclusive)
                acc += v;
              y[k * inner] = static_cast<float>(acc);
              if (exclusive)
                acc += v;
            }
          }
      });
}

void meshrt_copy_window(meshrt_context_t handle, int64_t outer, int64_t inner, const void *in,
                        int64_t in_n, int64_t in_start, void *out, int64_t out_n, int64_t out_start,
                        int64_t len, int32_t elem_size) {
  AbiCall call(handle, ProfileKind::CopyWindow,
               {{"outer", outer},
                {"inner", inner},
                {"in_n", in_n},
                {"in_start", in_start},
                {"out_n", out_n},
                {"out_start", out_start},
                {"len", len},
                {"elem_size", elem_size}});
  // Written as differences: in_start + len could itself overflow.
  if (!call.require(elem_size > 0, "elem_size must be positive") ||
      !call.fits({outer, in_n, inner}, elem_size) || !call.fits({outer, out_n, inner}, elem_size) ||
      !call.require(in_start <= in_n && len <= in_n - in_start && out_start <= out_n &&
                        len <= out_n - out_start,
                    "the window lies outside its tensors"))
    return;
  call.run(
      [&](Device &dev) {
        return dev.copyWindow(outer, inner, in, in_n, in_start, out, out_n, out_start, len,
                              elem_size);
      },
      [&](Context *ctx) {
        const size_t bytes = static_cast<size_t>(len * inner * elem_size);
        const char *src = static_cast<const char *>(in);
        char *dst = static_cast<char *>(out);
        const int threads = threadsFor(outer * len * inner);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
        for (int64_t o = 0; o < outer; ++o)
          std::memcpy(dst + ((o * out_n + out_start) * inner) * elem_size,
                      src + ((o * in_n + in_start) * inner) * elem_size, bytes);
      });
}

} // extern "C"
