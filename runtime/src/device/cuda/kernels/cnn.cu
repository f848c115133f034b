// cnn.cu — the CNN family on the GPU: cuDNN's convolution (forward, backward data, backward
// filter) and pooling, cuDNN's batch normalisation (inference form: the statistics are operands)
// for the forward, and two kernels here for the batch norm gradient, whose contract (the part
// through x only, the statistics taken as inputs) is not cuDNN's training backward, which always
// differentiates through batch statistics.
//
// cuDNN pads symmetrically; a geometry with pad_lo != pad_hi along some dim is run on an
// explicitly padded copy of the input (padValue: 0, or -inf for max pooling) with no padding,
// and a backward pass's padded gradient is cropped back. 1-D problems get a trailing spatial dim
// of 1 (cuDNN's N-d descriptors start at 2 spatial dims). Workspaces and padded copies come
// from the caching allocator and are released as soon as the work using them is queued (all
// later work is on the same stream). Matmul precision fp32 keeps cuDNN off TF32 tensor ops.
// The fusions of meshc-fuse-conv run cuDNN's convolution and then a bias (+ relu) pass or a
// bias-gradient reduction here.
//
// Compiled, never run on the build machines (no GPU there).
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/block_reduce.cuh"
#include "kernels/window.h"

#include <climits>
#include <cmath>

namespace meshrt::cuda {
namespace {

Status checkCudnn(cudnnStatus_t status, const char *call) {
  if (status == CUDNN_STATUS_SUCCESS)
    return Status::success();
  return Status::error(status == CUDNN_STATUS_ALLOC_FAILED ? MESHRT_OUT_OF_MEMORY
                                                           : MESHRT_KERNEL_ERROR,
                       strformat("%s failed: %s", call, cudnnGetErrorString(status)));
}

// Owned cuDNN descriptors.
template <typename T, cudnnStatus_t (*Create)(T *), cudnnStatus_t (*Destroy)(T)> struct Desc {
  T d = nullptr;
  Status create(const char *what) { return checkCudnn(Create(&d), what); }
  ~Desc() {
    if (d)
      (void)Destroy(d);
  }
};
using TensorDesc =
    Desc<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDesc =
    Desc<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvDesc = Desc<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                      cudnnDestroyConvolutionDescriptor>;
using PoolDesc =
    Desc<cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor, cudnnDestroyPoolingDescriptor>;

constexpr int kMaxDims = WindowGeometry::kMaxSpatial + 2;

// The geometry as cuDNN takes it (int sizes, at least 2 spatial dims, symmetric padding).
struct Plan {
  int nd = 0; // nsp + 2 (nsp >= 2)
  int x[kMaxDims], xp[kMaxDims], w[kMaxDims], y[kMaxDims];
  int stride[kMaxDims], dil[kMaxDims], pad[kMaxDims], window[kMaxDims];
  bool explicitPad = false;  // x is padded into xp first
  int64_t lo[kMaxDims] = {}; // per dim of x (0 for N, C)
  int64_t xpCount = 0;
};

Status makePlan(const WindowGeometry &g, Plan *p) {
  const int nsp = g.nsp < 2 ? 2 : g.nsp;
  p->nd = nsp + 2;
  bool fits = true;
  auto toInt = [&](int64_t v) {
    fits = fits && v <= INT_MAX;
    return static_cast<int>(v);
  };
  for (int i = 0; i < p->nd; ++i) {
    const bool real = i < g.ndims();
    p->x[i] = real ? toInt(g.x[i]) : 1;
    p->w[i] = real ? toInt(g.w[i]) : 1;
    p->y[i] = real ? toInt(g.y[i]) : 1;
    p->lo[i] = 0;
  }
  for (int i = 0; i < nsp; ++i) {
    const bool real = i < g.nsp;
    p->stride[i] = real ? toInt(g.stride[i]) : 1;
    p->dil[i] = real ? toInt(g.dilation[i]) : 1;
    p->window[i] = p->w[2 + i];
    p->explicitPad = p->explicitPad || (real && g.padLo[i] != g.padHi[i]);
  }
  p->xpCount = 1;
  for (int i = 0; i < p->nd; ++i) {
    const int s = i - 2;
    const bool spatial = s >= 0 && s < g.nsp;
    p->xp[i] = p->x[i];
    if (spatial && p->explicitPad) {
      p->xp[i] = toInt(g.x[i] + g.padLo[s] + g.padHi[s]);
      p->lo[i] = g.padLo[s];
    }
    if (s >= 0)
      p->pad[s] = spatial && !p->explicitPad ? toInt(g.padLo[s]) : 0;
    p->xpCount *= p->xp[i];
  }
  if (!fits)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         "a dimension of the CNN kernel exceeds cuDNN's int sizes");
  return Status::success();
}

Status tensorDesc(TensorDesc &t, int nd, const int *dims) {
  if (Status s = t.create("cudnnCreateTensorDescriptor"); !s.ok())
    return s;
  int strides[kMaxDims];
  int stride = 1;
  for (int i = nd - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= dims[i];
  }
  return checkCudnn(cudnnSetTensorNdDescriptor(t.d, CUDNN_DATA_FLOAT, nd, dims, strides),
                    "cudnnSetTensorNdDescriptor");
}

// out (shape outDims, count elements) = in (shape inDims) read at out's coordinate - lo, or
// `value` outside in: padding (lo >= 0) and cropping (lo <= 0) in one.
struct Reindex {
  int nd;
  int64_t out[kMaxDims], in[kMaxDims], lo[kMaxDims];
};

__global__ void reindexKernel(Reindex r, int64_t count, const float *in, float *out, float value) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, src = 0, scale = 1;
    bool inside = true;
    for (int d = r.nd - 1; d >= 0; --d) {
      const int64_t c = rest % r.out[d] - r.lo[d];
      rest /= r.out[d];
      inside = inside && c >= 0 && c < r.in[d];
      src += c * scale;
      scale *= r.in[d];
    }
    out[i] = inside ? in[src] : value;
  }
}

// xp = x padded by p.lo with `value` (sign = +1), or x = xp cropped (sign = -1).
Status reindex(cudaStream_t stream, const Plan &p, bool pad, const float *in, float *out,
               float value) {
  Reindex r;
  r.nd = p.nd;
  int64_t count = 1;
  for (int i = 0; i < p.nd; ++i) {
    r.out[i] = pad ? p.xp[i] : p.x[i];
    r.in[i] = pad ? p.x[i] : p.xp[i];
    r.lo[i] = pad ? p.lo[i] : -p.lo[i];
    count *= r.out[i];
  }
  reindexKernel<<<gridFor(count), kBlock, 0, stream>>>(r, count, in, out, value);
  return launched(pad ? "reindexKernel (pad)" : "reindexKernel (crop)");
}

// The descriptors of one convolution.
struct ConvDescs {
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;
};

Status convDescs(const Plan &p, MatmulPrecision precision, ConvDescs *d) {
  Status s = tensorDesc(d->x, p.nd, p.xp);
  if (s.ok())
    s = tensorDesc(d->y, p.nd, p.y);
  if (s.ok())
    s = d->w.create("cudnnCreateFilterDescriptor");
  if (s.ok())
    s = checkCudnn(
        cudnnSetFilterNdDescriptor(d->w.d, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, p.nd, p.w),
        "cudnnSetFilterNdDescriptor");
  if (s.ok())
    s = d->conv.create("cudnnCreateConvolutionDescriptor");
  if (s.ok())
    s = checkCudnn(cudnnSetConvolutionNdDescriptor(d->conv.d, p.nd - 2, p.pad, p.stride, p.dil,
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                   "cudnnSetConvolutionNdDescriptor");
  if (s.ok())
    s = checkCudnn(cudnnSetConvolutionMathType(d->conv.d, precision == MatmulPrecision::FP32
                                                              ? CUDNN_FMA_MATH
                                                              : CUDNN_DEFAULT_MATH),
                   "cudnnSetConvolutionMathType");
  return s;
}

Status poolDesc(const Plan &p, int kind, PoolDesc *d) {
  if (Status s = d->create("cudnnCreatePoolingDescriptor"); !s.ok())
    return s;
  return checkCudnn(cudnnSetPoolingNdDescriptor(
                        d->d,
                        kind == MESHRT_POOL_MAX ? CUDNN_POOLING_MAX_DETERMINISTIC
                                                : CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING,
                        CUDNN_NOT_PROPAGATE_NAN, p.nd - 2, p.window, p.pad, p.stride),
                    "cudnnSetPoolingNdDescriptor");
}

// The batch norm gradient (meshrt.h): dx = scale * rstd * dy over [n, c, s].
__global__ void batchNormGradDxKernel(int64_t count, int64_t c, int64_t s, float epsilon,
                                      const float *var, const float *scale, const float *dy,
                                      float *dx) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ch = (i / s) % c;
    dx[i] = dy[i] * scale[ch] * (1.0f / sqrtf(var[ch] + epsilon));
  }
}

// A block per channel: the sums over n and s (a fixed tree: deterministic), then the four
// per-channel gradients.
__global__ void batchNormGradChannelKernel(int64_t n, int64_t c, int64_t s, float epsilon,
                                           const float *x, const float *mean, const float *var,
                                           const float *scale, const float *dy, float *dmean,
                                           float *dvar, float *dscale, float *dshift) {
  for (int64_t ch = blockIdx.x; ch < c; ch += gridDim.x) {
    const float rstd = 1.0f / sqrtf(var[ch] + epsilon);
    double sumDy = 0, sumDyXhat = 0;
    for (int64_t k = threadIdx.x; k < n * s; k += blockDim.x) {
      const int64_t at = ((k / s) * c + ch) * s + k % s;
      sumDy += dy[at];
      sumDyXhat += double(dy[at]) * ((x[at] - mean[ch]) * rstd);
    }
    sumDy = blockReduce(sumDy, SumOp(), 0.0);
    sumDyXhat = blockReduce(sumDyXhat, SumOp(), 0.0);
    if (threadIdx.x == 0) {
      dshift[ch] = static_cast<float>(sumDy);
      dscale[ch] = static_cast<float>(sumDyXhat);
      dmean[ch] = -dshift[ch] * scale[ch] * rstd;
      dvar[ch] = -0.5f * dscale[ch] * scale[ch] * rstd * rstd;
    }
  }
}

// Device memory for the duration of one call's queued work (released when the call returns:
// every later user of the block is queued behind that work).
struct Scratch {
  CachingAllocator &allocator;
  void *p = nullptr;
  ~Scratch() {
    if (p)
      allocator.release(p);
  }
  Status get(size_t bytes) {
    return bytes == 0 ? Status::success() : allocator.allocate(bytes, &p);
  }
  float *f() const { return static_cast<float *>(p); }
};

} // namespace

Status CudaDevice::cudnn(cudnnHandle_t *out) {
  if (!cudnn_) {
    if (Status s = checkCudnn(cudnnCreate(&cudnn_), "cudnnCreate"); !s.ok()) {
      cudnn_ = nullptr;
      return s;
    }
    if (Status s = checkCudnn(cudnnSetStream(cudnn_, compute_), "cudnnSetStream"); !s.ok())
      return s;
  }
  *out = cudnn_;
  return Status::success();
}

Status CudaDevice::convForward(const WindowGeometry &g, const float *x, const float *w, float *y) {
  if (g.yCount() == 0)
    return Status::success();
  if (g.xCount() == 0 || g.wCount() == 0)
    return fill(g.yCount(), y, 0.0f);
  Plan p;
  ConvDescs d;
  cudnnHandle_t h;
  Scratch padded{allocator_}, work{allocator_};
  Status s = makePlan(g, &p);
  if (s.ok())
    s = cudnn(&h);
  if (s.ok())
    s = convDescs(p, precision_, &d);
  const float *src = x;
  if (s.ok() && p.explicitPad) {
    s = padded.get(static_cast<size_t>(p.xpCount) * 4);
    if (s.ok())
      s = reindex(compute_, p, true, x, padded.f(), 0.0f);
    src = padded.f();
  }
  cudnnConvolutionFwdAlgoPerf_t perf;
  int found = 0;
  size_t bytes = 0;
  if (s.ok())
    s = checkCudnn(
        cudnnGetConvolutionForwardAlgorithm_v7(h, d.x.d, d.w.d, d.conv.d, d.y.d, 1, &found, &perf),
        "cudnnGetConvolutionForwardAlgorithm_v7");
  if (s.ok())
    s = checkCudnn(cudnnGetConvolutionForwardWorkspaceSize(h, d.x.d, d.w.d, d.conv.d, d.y.d,
                                                           perf.algo, &bytes),
                   "cudnnGetConvolutionForwardWorkspaceSize");
  if (s.ok())
    s = work.get(bytes);
  const float one = 1.0f, zero = 0.0f;
  if (s.ok())
    s = checkCudnn(cudnnConvolutionForward(h, &one, d.x.d, src, d.w.d, w, d.conv.d, perf.algo,
                                           work.p, bytes, &zero, d.y.d, y),
                   "cudnnConvolutionForward");
  return s;
}

Status CudaDevice::convBackwardData(const WindowGeometry &g, const float *w, const float *dy,
                                    float *dx) {
  if (g.xCount() == 0)
    return Status::success();
  if (g.yCount() == 0 || g.wCount() == 0)
    return fill(g.xCount(), dx, 0.0f);
  Plan p;
  ConvDescs d;
  cudnnHandle_t h;
  Scratch padded{allocator_}, work{allocator_};
  Status s = makePlan(g, &p);
  if (s.ok())
    s = cudnn(&h);
  if (s.ok())
    s = convDescs(p, precision_, &d);
  float *dst = dx;
  if (s.ok() && p.explicitPad) {
    s = padded.get(static_cast<size_t>(p.xpCount) * 4);
    dst = padded.f();
  }
  cudnnConvolutionBwdDataAlgoPerf_t perf;
  int found = 0;
  size_t bytes = 0;
  if (s.ok())
    s = checkCudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w.d, d.y.d, d.conv.d, d.x.d, 1,
                                                               &found, &perf),
                   "cudnnGetConvolutionBackwardDataAlgorithm_v7");
  if (s.ok())
    s = checkCudnn(cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w.d, d.y.d, d.conv.d, d.x.d,
                                                                perf.algo, &bytes),
                   "cudnnGetConvolutionBackwardDataWorkspaceSize");
  if (s.ok())
    s = work.get(bytes);
  const float one = 1.0f, zero = 0.0f;
  if (s.ok())
    s = checkCudnn(cudnnConvolutionBackwardData(h, &one, d.w.d, w, d.y.d, dy, d.conv.d, perf.algo,
                                                work.p, bytes, &zero, d.x.d, dst),
                   "cudnnConvolutionBackwardData");
  if (s.ok() && p.explicitPad)
    s = reindex(compute_, p, false, dst, dx, 0.0f);
  return s;
}

Status CudaDevice::convBackwardWeights(const WindowGeometry &g, const float *x, const float *dy,
                                       float *dw) {
  if (g.wCount() == 0)
    return Status::success();
  if (g.xCount() == 0 || g.yCount() == 0)
    return fill(g.wCount(), dw, 0.0f);
  Plan p;
  ConvDescs d;
  cudnnHandle_t h;
  Scratch padded{allocator_}, work{allocator_};
  Status s = makePlan(g, &p);
  if (s.ok())
    s = cudnn(&h);
  if (s.ok())
    s = convDescs(p, precision_, &d);
  const float *src = x;
  if (s.ok() && p.explicitPad) {
    s = padded.get(static_cast<size_t>(p.xpCount) * 4);
    if (s.ok())
      s = reindex(compute_, p, true, x, padded.f(), 0.0f);
    src = padded.f();
  }
  cudnnConvolutionBwdFilterAlgoPerf_t perf;
  int found = 0;
  size_t bytes = 0;
  if (s.ok())
    s = checkCudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x.d, d.y.d, d.conv.d, d.w.d,
                                                                 1, &found, &perf),
                   "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
  if (s.ok())
    s = checkCudnn(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.x.d, d.y.d, d.conv.d, d.w.d,
                                                                  perf.algo, &bytes),
                   "cudnnGetConvolutionBackwardFilterWorkspaceSize");
  if (s.ok())
    s = work.get(bytes);
  const float one = 1.0f, zero = 0.0f;
  if (s.ok())
    s = checkCudnn(cudnnConvolutionBackwardFilter(h, &one, d.x.d, src, d.y.d, dy, d.conv.d,
                                                  perf.algo, work.p, bytes, &zero, d.w.d, dw),
                   "cudnnConvolutionBackwardFilter");
  return s;
}

Status CudaDevice::poolForward(int kind, const WindowGeometry &g, const float *x, float *y) {
  const float edge = kind == MESHRT_POOL_MAX ? -INFINITY : 0.0f;
  if (g.yCount() == 0)
    return Status::success();
  if (g.xCount() == 0)
    return fill(g.yCount(), y, edge);
  Plan p;
  TensorDesc xd, yd;
  PoolDesc pd;
  cudnnHandle_t h;
  Scratch padded{allocator_};
  Status s = makePlan(g, &p);
  if (s.ok())
    s = cudnn(&h);
  if (s.ok())
    s = tensorDesc(xd, p.nd, p.xp);
  if (s.ok())
    s = tensorDesc(yd, p.nd, p.y);
  if (s.ok())
    s = poolDesc(p, kind, &pd);
  const float *src = x;
  if (s.ok() && p.explicitPad) {
    s = padded.get(static_cast<size_t>(p.xpCount) * 4);
    if (s.ok())
      s = reindex(compute_, p, true, x, padded.f(), edge);
    src = padded.f();
  }
  const float one = 1.0f, zero = 0.0f;
  if (s.ok())
    s = checkCudnn(cudnnPoolingForward(h, pd.d, &one, xd.d, src, &zero, yd.d, y),
                   "cudnnPoolingForward");
  return s;
}

Status CudaDevice::poolBackward(int kind, const WindowGeometry &g, const float *x, const float *dy,
                                float *dx) {
  const float edge = kind == MESHRT_POOL_MAX ? -INFINITY : 0.0f;
  if (g.xCount() == 0)
    return Status::success();
  if (g.yCount() == 0)
    return fill(g.xCount(), dx, 0.0f);
  Plan p;
  TensorDesc xd, yd;
  PoolDesc pd;
  cudnnHandle_t h;
  Scratch padded{allocator_}, paddedGrad{allocator_}, y{allocator_};
  Status s = makePlan(g, &p);
  if (s.ok())
    s = cudnn(&h);
  if (s.ok())
    s = tensorDesc(xd, p.nd, p.xp);
  if (s.ok())
    s = tensorDesc(yd, p.nd, p.y);
  if (s.ok())
    s = poolDesc(p, kind, &pd);
  const float *src = x;
  float *dst = dx;
  if (s.ok() && p.explicitPad) {
    s = padded.get(static_cast<size_t>(p.xpCount) * 4);
    if (s.ok())
      s = paddedGrad.get(static_cast<size_t>(p.xpCount) * 4);
    if (s.ok())
      s = reindex(compute_, p, true, x, padded.f(), edge);
    src = padded.f();
    dst = paddedGrad.f();
  }
  const float one = 1.0f, zero = 0.0f;
  // cuDNN's backward takes the forward's output: max pooling finds its maxima through it.
  if (s.ok())
    s = y.get(static_cast<size_t>(g.yCount()) * 4);
  if (s.ok())
    s = checkCudnn(cudnnPoolingForward(h, pd.d, &one, xd.d, src, &zero, yd.d, y.f()),
                   "cudnnPoolingForward (for the backward)");
  if (s.ok())
    s = checkCudnn(
        cudnnPoolingBackward(h, pd.d, &one, yd.d, y.f(), yd.d, dy, xd.d, src, &zero, xd.d, dst),
        "cudnnPoolingBackward");
  if (s.ok() && p.explicitPad)
    s = reindex(compute_, p, false, dst, dx, 0.0f);
  return s;
}

Status CudaDevice::batchNorm(int64_t n, int64_t c, int64_t s, float epsilon, const float *x,
                             const float *mean, const float *var, const float *scale,
                             const float *shift, float *y) {
  if (n == 0 || c == 0 || s == 0)
    return Status::success();
  if (n > INT_MAX || c > INT_MAX || s > INT_MAX)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         "a dimension of the batch norm exceeds cuDNN's int sizes");
  cudnnHandle_t h;
  TensorDesc data, channel;
  const int dataDims[4] = {static_cast<int>(n), static_cast<int>(c), static_cast<int>(s), 1};
  const int channelDims[4] = {1, static_cast<int>(c), 1, 1};
  Status st = cudnn(&h);
  if (st.ok())
    st = tensorDesc(data, 4, dataDims);
  if (st.ok())
    st = tensorDesc(channel, 4, channelDims);
  const float one = 1.0f, zero = 0.0f;
  if (st.ok())
    st = checkCudnn(cudnnBatchNormalizationForwardInference(
                        h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, data.d, x, data.d, y, channel.d,
                        scale, shift, mean, var, static_cast<double>(epsilon)),
                    "cudnnBatchNormalizationForwardInference");
  return st;
}

Status CudaDevice::batchNormGrad(int64_t n, int64_t c, int64_t s, float epsilon, const float *x,
                                 const float *mean, const float *var, const float *scale,
                                 const float *dy, float *dx, float *dmean, float *dvar,
                                 float *dscale, float *dshift) {
  if (c == 0)
    return Status::success();
  const int64_t count = n * c * s;
  if (count > 0) {
    batchNormGradDxKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, c, s, epsilon, var, scale,
                                                                   dy, dx);
    if (Status st = launched("batchNormGradDxKernel"); !st.ok())
      return st;
  }
  batchNormGradChannelKernel<<<blocksFor(c), 256, 0, compute_>>>(
      n, c, s, epsilon, x, mean, var, scale, dy, dmean, dvar, dscale, dshift);
  return launched("batchNormGradChannelKernel");
}

// ---- the convolution fusions of meshc-fuse-conv: cuDNN's convolution, then one pass here
// (cudnnConvolutionBiasActivationForward would fuse the bias and relu, but takes only the
// IMPLICIT_PRECOMP_GEMM algorithm for relu and symmetric padding; this keeps convForward's
// choice of algorithm and its asymmetric-padding path).

// y[n, f, s] = act(y + b[f]) over [n, f, s], in place.
__global__ void biasActKernel(int64_t count, int64_t f, int64_t s, const float *b, bool relu,
                              float *y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float v = y[i] + b[(i / s) % f];
    y[i] = relu ? fmaxf(v, 0.0f) : v;
  }
}

// A block per channel: db[f] = the sum of dy over n and s (a fixed tree: deterministic).
__global__ void biasGradKernel(int64_t n, int64_t f, int64_t s, const float *dy, float *db) {
  for (int64_t ch = blockIdx.x; ch < f; ch += gridDim.x) {
    double sum = 0;
    for (int64_t k = threadIdx.x; k < n * s; k += blockDim.x)
      sum += dy[((k / s) * f + ch) * s + k % s];
    sum = blockReduce(sum, SumOp(), 0.0);
    if (threadIdx.x == 0)
      db[ch] = static_cast<float>(sum);
  }
}

Status CudaDevice::convBiasActForward(const WindowGeometry &g, const float *x, const float *w,
                                      const float *b, bool relu, float *y) {
  if (Status st = convForward(g, x, w, y); !st.ok())
    return st;
  const int64_t count = g.yCount(), f = g.y[1];
  if (count == 0)
    return Status::success();
  biasActKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, f, count / (g.y[0] * f), b, relu,
                                                         y);
  return launched("biasActKernel");
}

Status CudaDevice::convBackwardWeightsBias(const WindowGeometry &g, const float *x, const float *dy,
                                           float *dw, float *db) {
  if (Status st = convBackwardWeights(g, x, dy, dw); !st.ok())
    return st;
  const int64_t n = g.y[0], f = g.y[1];
  if (f == 0)
    return Status::success();
  const int64_t s = n == 0 ? 0 : g.yCount() / (n * f);
  biasGradKernel<<<blocksFor(f), 256, 0, compute_>>>(n, f, s, dy, db);
  return launched("biasGradKernel");
}

} // namespace meshrt::cuda
