// elementwise.cu — CUDA strided copy (transpose/broadcast), binary ops, equal, unary ops, fill.
//
// As on the CPU, the iteration space is collapsed first (strided.cuh), so the common calls are
// flat loops; a 2-D or batched transpose gets a shared-memory tiled kernel so that both its reads
// and its writes are coalesced. Every kernel is a grid-stride loop over the contiguous output.
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/grid.cuh"
#include "device/cuda/kernels/strided.cuh"

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

template <typename T, typename Idx>
__global__ void stridedCopyKernel(Strided<1> c, int64_t count, T *out, const T *in) {
  for (int64_t i = firstIndex(); i < count; i += gridStride()) {
    int64_t off[1];
    c.offsets(static_cast<Idx>(i), off);
    out[i] = in[off[0]];
  }
}

// out[b][i][j] = in[b * batchStride + i + j * ld] for an out of [batch, rows, cols]: a tile of
// 32 x 32 goes through shared memory, read along i and written along j.
constexpr int kTile = 32, kTileRows = 8;
template <typename T>
__global__ void transposeKernel(int64_t batch, int64_t rows, int64_t cols, int64_t ld,
                                int64_t batchStride, T *out, const T *in) {
  __shared__ T tile[kTile][kTile + 1];
  const int64_t tilesR = (rows + kTile - 1) / kTile, tilesC = (cols + kTile - 1) / kTile;
  const int64_t perBatch = tilesR * tilesC, tiles = perBatch * batch;
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t b = t / perBatch, rem = t - b * perBatch;
    const int64_t r0 = rem / tilesC * kTile, c0 = rem % tilesC * kTile;
    const T *src = in + b * batchStride;
    T *dst = out + b * rows * cols;
    for (int jj = ty; jj < kTile; jj += kTileRows) {
      const int64_t i = r0 + tx, j = c0 + jj;
      if (i < rows && j < cols)
        tile[jj][tx] = src[i + j * ld];
    }
    __syncthreads();
    for (int ii = ty; ii < kTile; ii += kTileRows) {
      const int64_t i = r0 + ii, j = c0 + tx;
      if (i < rows && j < cols)
        dst[i * cols + j] = tile[tx][ii];
    }
    __syncthreads(); // the tile is rewritten by the next iteration
  }
}

template <typename T>
Status stridedCopyTyped(const Strided<1> &c, T *out, const T *in, cudaStream_t stream) {
  const int64_t count = c.count();
  if (count == 0)
    return Status::success();
  const int64_t s = c.strides[0][c.ndims - 1];
  if (c.ndims == 1 && s == 1)
    return checkCuda(cudaMemcpyAsync(out, in, static_cast<size_t>(count) * sizeof(T),
                                     cudaMemcpyDeviceToDevice, stream),
                     "cudaMemcpyAsync");
  // The CPU's blocked-transpose cases: [rows, cols] from strides [1, ld], or the batched
  // [batch, rows, cols] from [batchStride, 1, ld].
  const bool plain = c.ndims == 2 && s != 0 && s != 1 && c.strides[0][0] == 1;
  const bool batched = c.ndims == 3 && s != 0 && s != 1 && c.strides[0][1] == 1;
  if (plain || batched) {
    const int64_t batch = batched ? c.shape[0] : 1;
    const int64_t rows = c.shape[c.ndims - 2], cols = c.shape[c.ndims - 1];
    const int64_t batchStride = batched ? c.strides[0][0] : 0;
    const int64_t tiles = batch * ((rows + kTile - 1) / kTile) * ((cols + kTile - 1) / kTile);
    const unsigned blocks = static_cast<unsigned>(tiles < 65535 * 8 ? tiles : 65535 * 8);
    transposeKernel<T>
        <<<blocks, dim3(kTile, kTileRows), 0, stream>>>(batch, rows, cols, s, batchStride, out, in);
    return launched("transposeKernel");
  }
  if (fitsU32(count))
    stridedCopyKernel<T, uint32_t><<<gridFor(count), kBlock, 0, stream>>>(c, count, out, in);
  else
    stridedCopyKernel<T, int64_t><<<gridFor(count), kBlock, 0, stream>>>(c, count, out, in);
  return launched("stridedCopyKernel");
}

struct AddOp {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct SubOp {
  __device__ float operator()(float a, float b) const { return a - b; }
};
struct MulOp {
  __device__ float operator()(float a, float b) const { return a * b; }
};
struct ReluGradOp {
  __device__ float operator()(float a, float b) const { return a > 0.0f ? b : 0.0f; }
};
struct DivOp {
  __device__ float operator()(float a, float b) const { return a / b; }
};
// NaN in either operand gives NaN, as on the CPU (elementwise.cpp).
struct MaxOp {
  __device__ float operator()(float a, float b) const { return a != a || a >= b ? a : b; }
};
struct MinOp {
  __device__ float operator()(float a, float b) const { return a != a || a <= b ? a : b; }
};
struct GeMaskOp {
  __device__ float operator()(float a, float b) const { return a >= b ? 1.0f : 0.0f; }
};

template <typename Op>
__global__ void binaryFlatKernel(int64_t count, float *out, const float *a, const float *b) {
  const Op op;
  for (int64_t i = firstIndex(); i < count; i += gridStride())
    out[i] = op(a[i], b[i]);
}

template <typename Op, typename Idx>
__global__ void binaryStridedKernel(Strided<2> c, int64_t count, float *out, const float *a,
                                    const float *b) {
  const Op op;
  for (int64_t i = firstIndex(); i < count; i += gridStride()) {
    int64_t off[2];
    c.offsets(static_cast<Idx>(i), off);
    out[i] = op(a[off[0]], b[off[1]]);
  }
}

template <typename Op>
Status binaryTyped(const Strided<2> &c, float *out, const float *a, const float *b,
                   cudaStream_t stream) {
  const int64_t count = c.count();
  if (count == 0)
    return Status::success();
  if (c.ndims == 1 && c.strides[0][0] == 1 && c.strides[1][0] == 1) {
    binaryFlatKernel<Op><<<gridFor(count), kBlock, 0, stream>>>(count, out, a, b);
    return launched("binaryFlatKernel");
  }
  if (fitsU32(count))
    binaryStridedKernel<Op, uint32_t><<<gridFor(count), kBlock, 0, stream>>>(c, count, out, a, b);
  else
    binaryStridedKernel<Op, int64_t><<<gridFor(count), kBlock, 0, stream>>>(c, count, out, a, b);
  return launched("binaryStridedKernel");
}

template <typename T, typename Idx>
__global__ void equalKernel(Strided<2> c, int64_t count, float *out, const T *a, const T *b) {
  for (int64_t i = firstIndex(); i < count; i += gridStride()) {
    int64_t off[2];
    c.offsets(static_cast<Idx>(i), off);
    out[i] = a[off[0]] == b[off[1]] ? 1.0f : 0.0f;
  }
}

template <typename T>
Status equalTyped(const Strided<2> &c, float *out, const T *a, const T *b, cudaStream_t stream) {
  const int64_t count = c.count();
  if (count == 0)
    return Status::success();
  if (fitsU32(count))
    equalKernel<T, uint32_t><<<gridFor(count), kBlock, 0, stream>>>(c, count, out, a, b);
  else
    equalKernel<T, int64_t><<<gridFor(count), kBlock, 0, stream>>>(c, count, out, a, b);
  return launched("equalKernel");
}

__global__ void reluKernel(int64_t n, float *out, const float *in) {
  for (int64_t i = firstIndex(); i < n; i += gridStride())
    out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

__global__ void scaleKernel(int64_t n, float *out, const float *in, float alpha) {
  for (int64_t i = firstIndex(); i < n; i += gridStride())
    out[i] = alpha * in[i];
}

// The math functions of meshrt_unary, in CUDA's accurate (not --use_fast_math) libdevice
// versions; leaky relu's alpha is the slope below 0.
struct SigmoidFn {
  __device__ float operator()(float x, float) const { return 1.0f / (1.0f + expf(-x)); }
};
struct TanhFn {
  __device__ float operator()(float x, float) const { return tanhf(x); }
};
struct ExpFn {
  __device__ float operator()(float x, float) const { return expf(x); }
};
struct LogFn {
  __device__ float operator()(float x, float) const { return logf(x); }
};
struct SqrtFn {
  __device__ float operator()(float x, float) const { return sqrtf(x); }
};
struct LeakyReluFn {
  __device__ float operator()(float x, float alpha) const { return x > 0.0f ? x : alpha * x; }
};

template <typename Fn>
__global__ void mathKernel(int64_t n, float *out, const float *in, float alpha) {
  const Fn fn;
  for (int64_t i = firstIndex(); i < n; i += gridStride())
    out[i] = fn(in[i], alpha);
}

template <typename Fn>
Status launchMath(int64_t n, float *out, const float *in, float alpha, cudaStream_t stream) {
  mathKernel<Fn><<<gridFor(n), kBlock, 0, stream>>>(n, out, in, alpha);
  return launched("mathKernel");
}

__global__ void fillKernel(int64_t n, float *out, float value) {
  for (int64_t i = firstIndex(); i < n; i += gridStride())
    out[i] = value;
}

} // namespace

namespace meshrt::cuda {

Status CudaDevice::stridedCopy(int ndims, const int64_t *shape, void *out, const void *in,
                               const int64_t *inStrides, int elemSize) {
  const int64_t *strides[1] = {inStrides};
  const Strided<1> c = collapseStrided<1>(ndims, shape, strides);
  switch (elemSize) {
  case 1:
    return stridedCopyTyped(c, static_cast<uint8_t *>(out), static_cast<const uint8_t *>(in),
                            compute_);
  case 2:
    return stridedCopyTyped(c, static_cast<uint16_t *>(out), static_cast<const uint16_t *>(in),
                            compute_);
  case 4:
    return stridedCopyTyped(c, static_cast<uint32_t *>(out), static_cast<const uint32_t *>(in),
                            compute_);
  case 8:
    return stridedCopyTyped(c, static_cast<uint64_t *>(out), static_cast<const uint64_t *>(in),
                            compute_);
  default:
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("strided_copy with unsupported element size %d", elemSize));
  }
}

Status CudaDevice::binary(int op, int ndims, const int64_t *shape, float *out, const float *a,
                          const int64_t *aStrides, const float *b, const int64_t *bStrides) {
  const int64_t *strides[2] = {aStrides, bStrides};
  const Strided<2> c = collapseStrided<2>(ndims, shape, strides);
  switch (op) {
  case MESHRT_ADD:
    return binaryTyped<AddOp>(c, out, a, b, compute_);
  case MESHRT_SUB:
    return binaryTyped<SubOp>(c, out, a, b, compute_);
  case MESHRT_MUL:
    return binaryTyped<MulOp>(c, out, a, b, compute_);
  case MESHRT_RELU_GRAD:
    return binaryTyped<ReluGradOp>(c, out, a, b, compute_);
  case MESHRT_DIV:
    return binaryTyped<DivOp>(c, out, a, b, compute_);
  case MESHRT_MAX:
    return binaryTyped<MaxOp>(c, out, a, b, compute_);
  case MESHRT_MIN:
    return binaryTyped<MinOp>(c, out, a, b, compute_);
  case MESHRT_GE_MASK:
    return binaryTyped<GeMaskOp>(c, out, a, b, compute_);
  default:
    return Status::error(MESHRT_INVALID_ARGUMENT, strformat("binary with unknown op %d", op));
  }
}

Status CudaDevice::equal(bool isInt, int ndims, const int64_t *shape, float *out, const void *a,
                         const int64_t *aStrides, const void *b, const int64_t *bStrides) {
  const int64_t *strides[2] = {aStrides, bStrides};
  const Strided<2> c = collapseStrided<2>(ndims, shape, strides);
  if (isInt)
    return equalTyped(c, out, static_cast<const int32_t *>(a), static_cast<const int32_t *>(b),
                      compute_);
  return equalTyped(c, out, static_cast<const float *>(a), static_cast<const float *>(b), compute_);
}

Status CudaDevice::unary(int op, int64_t n, float *out, const float *in, float alpha) {
  if (op < MESHRT_RELU || op > MESHRT_LEAKY_RELU)
    return Status::error(MESHRT_INVALID_ARGUMENT, strformat("unary with unknown op %d", op));
  if (n == 0)
    return Status::success();
  switch (op) {
  case MESHRT_RELU:
    reluKernel<<<gridFor(n), kBlock, 0, compute_>>>(n, out, in);
    return launched("reluKernel");
  case MESHRT_SCALE:
    scaleKernel<<<gridFor(n), kBlock, 0, compute_>>>(n, out, in, alpha);
    return launched("scaleKernel");
  case MESHRT_SIGMOID:
    return launchMath<SigmoidFn>(n, out, in, alpha, compute_);
  case MESHRT_TANH:
    return launchMath<TanhFn>(n, out, in, alpha, compute_);
  case MESHRT_EXP:
    return launchMath<ExpFn>(n, out, in, alpha, compute_);
  case MESHRT_LOG:
    return launchMath<LogFn>(n, out, in, alpha, compute_);
  case MESHRT_SQRT:
    return launchMath<SqrtFn>(n, out, in, alpha, compute_);
  default: // MESHRT_LEAKY_RELU
    return launchMath<LeakyReluFn>(n, out, in, alpha, compute_);
  }
}

Status CudaDevice::fill(int64_t n, float *out, float value) {
  if (n == 0)
    return Status::success();
  fillKernel<<<gridFor(n), kBlock, 0, compute_>>>(n, out, value);
  return launched("fillKernel");
}

} // namespace meshrt::cuda
