// fused.cu — CUDA kernels of the fused ops (meshrt_fused_elementwise, meshrt_add_layer_norm).
//
// The fused program is passed by value (a kernel parameter, under CUDA's 4 KiB limit) and
// evaluated by one thread per output element in registers: each input is read once and the
// output written once. The residual add with its layer norm writes the sum and then normalises
// it with layerNorm's kernels (two passes over the line on the device; one kernel would save
// the sum's re-read).
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/gelu.cuh"
#include "device/cuda/kernels/grid.cuh"

#include <cmath>

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

constexpr int kMaxFusedDims = 8;

struct FusedArgs {
  int ndims, nInputs, nOps;
  int64_t shape[kMaxFusedDims];
  const float *inputs[MESHRT_FUSED_MAX_INPUTS];
  int64_t strides[MESHRT_FUSED_MAX_INPUTS][kMaxFusedDims];
  int32_t ops[3 * MESHRT_FUSED_MAX_OPS];
  float constants[MESHRT_FUSED_MAX_OPS];
};

__device__ inline float applyOp(int32_t op, float a, float b, float c) {
  switch (op) {
  case MESHRT_FUSED_ADD:
    return a + b;
  case MESHRT_FUSED_SUB:
    return a - b;
  case MESHRT_FUSED_MUL:
    return a * b;
  case MESHRT_FUSED_DIV:
    return a / b;
  case MESHRT_FUSED_MAX:
    return a != a || a >= b ? a : b;
  case MESHRT_FUSED_MIN:
    return a != a || a <= b ? a : b;
  case MESHRT_FUSED_RELU_GRAD:
    return a > 0.0f ? b : 0.0f;
  case MESHRT_FUSED_SCALE:
    return c * a;
  case MESHRT_FUSED_RELU:
    return a > 0.0f ? a : 0.0f;
  case MESHRT_FUSED_GELU:
    return __fmul_rn(__fmul_rn(0.5f, a), __fadd_rn(1.0f, geluTanh(a)));
  case MESHRT_FUSED_GELU_GRAD: {
    const float t = geluTanh(a);
    const float left = __fmul_rn(0.5f, __fadd_rn(1.0f, t));
    const float poly = __fadd_rn(1.0f, __fmul_rn(__fmul_rn(__fmul_rn(3.0f, kGeluA), a), a));
    const float right = __fmul_rn(
        __fmul_rn(__fmul_rn(__fmul_rn(0.5f, a), __fsub_rn(1.0f, __fmul_rn(t, t))), kGeluC), poly);
    return __fmul_rn(__fadd_rn(left, right), b);
  }
  case MESHRT_FUSED_EXP:
    return expf(a);
  case MESHRT_FUSED_TANH:
    return tanhf(a);
  case MESHRT_FUSED_SIGMOID:
    return 1.0f / (1.0f + expf(-a));
  case MESHRT_FUSED_LOG:
    return logf(a);
  case MESHRT_FUSED_SQRT:
    return sqrtf(a);
  default: // MESHRT_FUSED_LEAKY_RELU (the entry point checked the kinds)
    return a > 0.0f ? a : c * a;
  }
}

__global__ void fusedKernel(int64_t count, FusedArgs p, float *out) {
  float value[MESHRT_FUSED_MAX_INPUTS + MESHRT_FUSED_MAX_OPS];
  for (int64_t e = firstIndex(); e < count; e += gridStride()) {
    int64_t offset[MESHRT_FUSED_MAX_INPUTS] = {};
    int64_t rest = e;
    for (int d = p.ndims - 1; d >= 0; --d) {
      const int64_t idx = rest % p.shape[d];
      rest /= p.shape[d];
      for (int i = 0; i < p.nInputs; ++i)
        offset[i] += idx * p.strides[i][d];
    }
    for (int i = 0; i < p.nInputs; ++i)
      value[i] = p.inputs[i][offset[i]];
    for (int k = 0; k < p.nOps; ++k) {
      const int32_t *op = p.ops + 3 * k;
      value[p.nInputs + k] =
          applyOp(op[0], value[op[1]], op[2] >= 0 ? value[op[2]] : 0.0f, p.constants[k]);
    }
    out[e] = value[p.nInputs + p.nOps - 1];
  }
}

__global__ void addKernel(int64_t count, const float *a, const float *b, float *sum) {
  for (int64_t i = firstIndex(); i < count; i += gridStride())
    sum[i] = a[i] + b[i];
}

} // namespace

namespace meshrt::cuda {

Status CudaDevice::fusedElementwise(int ndims, const int64_t *shape, float *out, int nInputs,
                                    const float *const *inputs, const int64_t *strides, int nOps,
                                    const int32_t *ops, const float *constants) {
  FusedArgs p{};
  p.nInputs = nInputs;
  p.nOps = nOps;
  int64_t count = 1;
  for (int d = 0; d < ndims; ++d) {
    if (shape[d] == 1)
      continue; // moves nothing; keeps the kernel's dims within kMaxFusedDims more often
    if (p.ndims == kMaxFusedDims)
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("fused_elementwise on the GPU takes at most %d dims of size "
                                     "above 1",
                                     kMaxFusedDims));
    p.shape[p.ndims] = shape[d];
    for (int i = 0; i < nInputs; ++i)
      p.strides[i][p.ndims] = strides[static_cast<int64_t>(i) * ndims + d];
    ++p.ndims;
    count *= shape[d];
  }
  if (count == 0)
    return Status::success();
  for (int i = 0; i < nInputs; ++i)
    p.inputs[i] = inputs[i];
  for (int k = 0; k < 3 * nOps; ++k)
    p.ops[k] = ops[k];
  for (int k = 0; k < nOps; ++k)
    p.constants[k] = constants[k];
  fusedKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, p, out);
  return launched("fusedKernel");
}

Status CudaDevice::addLayerNorm(int64_t outer, int64_t n, int64_t inner, float epsilon,
                                const float *a, const float *b, float *sum, float *y) {
  const int64_t count = outer * n * inner;
  if (count == 0)
    return Status::success();
  addKernel<<<gridFor(count), kBlock, 0, compute_>>>(count, a, b, sum);
  if (Status s = launched("addKernel"); !s.ok())
    return s;
  return layerNorm(outer, n, inner, epsilon, sum, y);
}

} // namespace meshrt::cuda
