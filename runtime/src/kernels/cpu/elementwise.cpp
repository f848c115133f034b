// elementwise.cpp — CPU strided copy (transpose/broadcast), binary ops, equal, unary ops, fill.
//
// Each kernel collapses its iteration space (strided.h) and picks the inner loop by the inner
// strides, so the common cases — same-shape contiguous operands, a row broadcast, a scalar
// broadcast — run as plain vectorisable loops; a 2-D transpose gets a cache-blocked loop. The
// unary math functions (sigmoid, tanh, exp, log, sqrt, leaky relu) are oneDNN eltwise
// primitives (eltwise_primitives.h); oneDNN 2.x's binary primitive wants both operands in one
// shape with broadcasts only of size-1 dims, not our strided views, so div/max/min are loops here.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/eltwise_primitives.h"
#include "kernels/cpu/strided.h"

#include <cmath>
#include <cstring>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

// out[i, j] = in[i * 1 + j * ld] for an R x C output: the transpose of a C x R (ld >= R) input.
template <typename T>
void blockedTranspose(T *out, const T *in, int64_t rows, int64_t cols, int64_t ld) {
  constexpr int64_t kB = 32;
  const int64_t rowBlocks = (rows + kB - 1) / kB;
  const int threads = threadsFor(rows * cols);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t rb = 0; rb < rowBlocks; ++rb) {
    const int64_t i0 = rb * kB, i1 = i0 + kB < rows ? i0 + kB : rows;
    for (int64_t j0 = 0; j0 < cols; j0 += kB) {
      const int64_t j1 = j0 + kB < cols ? j0 + kB : cols;
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j)
          out[i * cols + j] = in[i + j * ld];
    }
  }
}

template <typename T> void stridedCopy(const Collapsed<1> &c, T *out, const T *in) {
  const int64_t s = c.innerStride(0);
  if (c.ndims == 2 && s != 0 && s != 1 && c.strides[0][0] == 1) {
    blockedTranspose(out, in, c.shape[0], c.shape[1], s);
    return;
  }
  if (c.ndims == 3 && s != 0 && s != 1 && c.strides[0][1] == 1) { // batched transpose
    const int64_t rows = c.shape[1], cols = c.shape[2];
    for (int64_t b = 0; b < c.shape[0]; ++b)
      blockedTranspose(out + b * rows * cols, in + b * c.strides[0][0], rows, cols, s);
    return;
  }
  parallelSegments(c, [&](int64_t o, const int64_t *off, int64_t len) {
    T *dst = out + o;
    const T *src = in + off[0];
    if (s == 1) {
      std::memcpy(dst, src, static_cast<size_t>(len) * sizeof(T));
    } else if (s == 0) {
      const T v = *src;
      for (int64_t j = 0; j < len; ++j)
        dst[j] = v;
    } else {
      for (int64_t j = 0; j < len; ++j)
        dst[j] = src[j * s];
    }
  });
}

struct AddOp {
  float operator()(float a, float b) const { return a + b; }
};
struct SubOp {
  float operator()(float a, float b) const { return a - b; }
};
struct MulOp {
  float operator()(float a, float b) const { return a * b; }
};
struct ReluGradOp {
  float operator()(float a, float b) const { return a > 0.0f ? b : 0.0f; }
};
struct DivOp {
  float operator()(float a, float b) const { return a / b; }
};
// NaN in either operand gives NaN (as PyTorch's maximum/minimum): `a != a` is true for NaN a,
// and a NaN b fails the comparison, so b is taken.
struct MaxOp {
  float operator()(float a, float b) const { return a != a || a >= b ? a : b; }
};
struct MinOp {
  float operator()(float a, float b) const { return a != a || a <= b ? a : b; }
};
struct GeMaskOp {
  float operator()(float a, float b) const { return a >= b ? 1.0f : 0.0f; }
};

template <typename Op>
void binary(const Collapsed<2> &c, float *out, const float *a, const float *b) {
  const int64_t sa = c.innerStride(0), sb = c.innerStride(1);
  const Op op;
  parallelSegments(c, [&](int64_t o, const int64_t *off, int64_t len) {
    float *__restrict dst = out + o;
    const float *__restrict pa = a + off[0];
    const float *__restrict pb = b + off[1];
    // Specialised so that the compiler vectorises the three broadcast patterns that matter.
    if (sa == 1 && sb == 1) {
      for (int64_t j = 0; j < len; ++j)
        dst[j] = op(pa[j], pb[j]);
    } else if (sa == 1 && sb == 0) {
      const float vb = *pb;
      for (int64_t j = 0; j < len; ++j)
        dst[j] = op(pa[j], vb);
    } else if (sa == 0 && sb == 1) {
      const float va = *pa;
      for (int64_t j = 0; j < len; ++j)
        dst[j] = op(va, pb[j]);
    } else {
      for (int64_t j = 0; j < len; ++j)
        dst[j] = op(pa[j * sa], pb[j * sb]);
    }
  });
}

// out = 1 where a == b, else 0 (a 0/1 f32 mask for accuracy metrics), with broadcast strides.
template <typename T> void equal(const Collapsed<2> &c, float *out, const T *a, const T *b) {
  const int64_t sa = c.innerStride(0), sb = c.innerStride(1);
  parallelSegments(c, [&](int64_t o, const int64_t *off, int64_t len) {
    float *__restrict dst = out + o;
    const T *pa = a + off[0];
    const T *pb = b + off[1];
    for (int64_t j = 0; j < len; ++j)
      dst[j] = pa[j * sa] == pb[j * sb] ? 1.0f : 0.0f;
  });
}

// For flat element-wise loops over n elements.
template <typename F> void parallelFlat(int64_t n, F &&f) {
  const int threads = threadsFor(n);
  if (threads <= 1) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t begin = (n * t / nt) & ~int64_t{15};
    int64_t end = t == nt - 1 ? n : (n * (t + 1) / nt) & ~int64_t{15};
    if (begin < end)
      f(begin, end);
  }
}

} // namespace

extern "C" {

void meshrt_strided_copy(meshrt_context_t handle, int32_t ndims, const int64_t *shape, void *out,
                         const void *in, const int64_t *in_strides, int32_t elem_size) {
  AbiCall call(handle, ProfileKind::StridedCopy, {{"ndims", ndims}, {"elem_size", elem_size}});
  if (!call.require(elem_size == 1 || elem_size == 2 || elem_size == 4 || elem_size == 8,
                    "unsupported element size") ||
      !call.shape("shape", ndims, shape, elem_size) ||
      !call.strides("in_strides", ndims, shape, in_strides, elem_size))
    return;
  call.run(
      [&](Device &dev) { return dev.stridedCopy(ndims, shape, out, in, in_strides, elem_size); },
      [&](Context *context) {
        const int64_t *strides[1] = {in_strides};
        Collapsed<1> c = collapse<1>(ndims, shape, strides);
        switch (elem_size) {
        case 1:
          return stridedCopy(c, static_cast<uint8_t *>(out), static_cast<const uint8_t *>(in));
        case 2:
          return stridedCopy(c, static_cast<uint16_t *>(out), static_cast<const uint16_t *>(in));
        case 4:
          return stridedCopy(c, static_cast<uint32_t *>(out), static_cast<const uint32_t *>(in));
        case 8:
          return stridedCopy(c, static_cast<uint64_t *>(out), static_cast<const uint64_t *>(in));
        }
      });
}

void meshrt_binary(meshrt_context_t handle, int32_t op, int32_t ndims, const int64_t *shape,
                   float *out, const float *a, const int64_t *a_strides, const float *b,
                   const int64_t *b_strides) {
  AbiCall call(handle, ProfileKind::Binary, {{"op", op}, {"ndims", ndims}});
  if (!call.require(op >= MESHRT_ADD && op <= MESHRT_GE_MASK, "unknown op") ||
      !call.shape("shape", ndims, shape, 4) ||
      !call.strides("a_strides", ndims, shape, a_strides, 4) ||
      !call.strides("b_strides", ndims, shape, b_strides, 4))
    return;
  call.run(
      [&](Device &dev) { return dev.binary(op, ndims, shape, out, a, a_strides, b, b_strides); },
      [&](Context *context) {
        const int64_t *strides[2] = {a_strides, b_strides};
        Collapsed<2> c = collapse<2>(ndims, shape, strides);
        // An operand read with a large inner stride (a transposed view) would walk memory column by
        // column, ~20x slower than a cache-blocked transpose: copy it contiguous into scratch
        // first.
        const int64_t n = c.count();
        const bool gatherA = c.innerStride(0) > 1, gatherB = c.innerStride(1) > 1;
        if ((gatherA || gatherB) && c.ndims > 1 && n >= 4096) {
          float *tmp = static_cast<float *>(
              context->scratch(static_cast<size_t>(n) * 4 * (gatherA + gatherB)));
          if (!tmp)
            return;
          int64_t contiguousStrides[kMaxDims];
          int64_t st = 1;
          for (int d = ndims - 1; d >= 0; --d) {
            contiguousStrides[d] = st;
            st *= shape[d];
          }
          float *tmpB = tmp + (gatherA ? n : 0);
          for (int k = 0; k < 2; ++k) {
            if (!(k == 0 ? gatherA : gatherB))
              continue;
            const int64_t *own[1] = {k == 0 ? a_strides : b_strides};
            float *dst = k == 0 ? tmp : tmpB;
            stridedCopy(collapse<1>(ndims, shape, own), reinterpret_cast<uint32_t *>(dst),
                        reinterpret_cast<const uint32_t *>(k == 0 ? a : b));
            (k == 0 ? a : b) = dst;
            strides[k] = contiguousStrides;
          }
          c = collapse<2>(ndims, shape, strides);
        }
        switch (op) {
        case MESHRT_ADD:
          return binary<AddOp>(c, out, a, b);
        case MESHRT_SUB:
          return binary<SubOp>(c, out, a, b);
        case MESHRT_MUL:
          return binary<MulOp>(c, out, a, b);
        case MESHRT_RELU_GRAD:
          return binary<ReluGradOp>(c, out, a, b);
        case MESHRT_DIV:
          return binary<DivOp>(c, out, a, b);
        case MESHRT_MAX:
          return binary<MaxOp>(c, out, a, b);
        case MESHRT_MIN:
          return binary<MinOp>(c, out, a, b);
        case MESHRT_GE_MASK:
          return binary<GeMaskOp>(c, out, a, b);
        }
      });
}

void meshrt_equal(meshrt_context_t handle, int32_t elem_dtype, int32_t ndims, const int64_t *shape,
                  float *out, const void *a, const int64_t *a_strides, const void *b,
                  const int64_t *b_strides) {
  AbiCall call(handle, ProfileKind::Equal, {{"elem_dtype", elem_dtype}, {"ndims", ndims}});
  if (!call.require(elem_dtype == MESHRT_DTYPE_F32 || elem_dtype == MESHRT_DTYPE_I32,
                    "unknown elem_dtype") ||
      !call.shape("shape", ndims, shape, 4) ||
      !call.strides("a_strides", ndims, shape, a_strides, 4) ||
      !call.strides("b_strides", ndims, shape, b_strides, 4))
    return;
  call.run(
      [&](Device &dev) {
        return dev.equal(elem_dtype == MESHRT_DTYPE_I32, ndims, shape, out, a, a_strides, b,
                         b_strides);
      },
      [&](Context *context) {
        const int64_t *strides[2] = {a_strides, b_strides};
        Collapsed<2> c = collapse<2>(ndims, shape, strides);
        if (elem_dtype == MESHRT_DTYPE_I32)
          return equal(c, out, static_cast<const int32_t *>(a), static_cast<const int32_t *>(b));
        return equal(c, out, static_cast<const float *>(a), static_cast<const float *>(b));
      });
}

void meshrt_unary(meshrt_context_t handle, int32_t op, int64_t n, float *out, const float *in,
                  float alpha) {
  AbiCall call(handle, ProfileKind::Unary, {{"op", op}, {"n", n}});
  const bool math = cpu::isEltwiseOp(op);
  if (!call.require(op == MESHRT_RELU || op == MESHRT_SCALE || math, "unknown op") ||
      !call.require(!(op == MESHRT_LEAKY_RELU && !std::isfinite(alpha)),
                    "leaky relu needs a finite alpha") ||
      !call.fits({n}, 4))
    return;
  call.run([&](Device &dev) { return dev.unary(op, n, out, in, alpha); },
           [&](Context *context) {
             if (math) {
               if (cpu::DnnlCache *cache = context->dnnlCache())
                 context->check(cpu::runEltwise(*cache, op, n, out, in, alpha));
               return;
             }
             parallelFlat(n, [&](int64_t begin, int64_t end) {
               float *__restrict dst = out;
               const float *__restrict src = in;
               if (op == MESHRT_RELU) {
                 for (int64_t i = begin; i < end; ++i)
                   dst[i] = src[i] > 0.0f ? src[i] : 0.0f;
               } else {
                 for (int64_t i = begin; i < end; ++i)
                   dst[i] = alpha * src[i];
               }
             });
           });
}

void meshrt_fill(meshrt_context_t handle, int64_t n, float *out, float value) {
  AbiCall call(handle, ProfileKind::Fill, {{"n", n}});
  if (!call.fits({n}, 4))
    return;
  call.run([&](Device &dev) { return dev.fill(n, out, value); },
           [&](Context *context) {
             parallelFlat(n, [&](int64_t begin, int64_t end) {
               for (int64_t i = begin; i < end; ++i)
                 out[i] = value;
             });
           });
}

} // extern "C"
