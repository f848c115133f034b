// optimizer.cu — CUDA optimizer updates, applied slicewise to each rank's parameter slice.
//
// The arithmetic is written with explicitly rounded intrinsics (__fmul_rn, __fadd_rn, ...) in
// the CPU's order of operations: nvcc would otherwise contract a * b + c into one FMA, which the
// CPU build does not, and parameters updated on a GPU would drift from the CPU's by an ulp a
// step. With IEEE division and square root on both sides the updates are bit-identical.
#include "device/cuda/cuda_device.h"
#include "device/cuda/kernels/grid.cuh"

#include <cmath>

using namespace meshrt;
using namespace meshrt::cuda;

namespace {

__global__ void sgdKernel(int64_t n, float *param, const float *grad, float lr) {
  for (int64_t i = firstIndex(); i < n; i += gridStride())
    param[i] = __fsub_rn(param[i], __fmul_rn(lr, grad[i]));
}

// invC1, invC2: 1 / (1 - beta^t), computed on the host as on the CPU.
__global__ void adamKernel(int64_t n, float *param, const float *grad, float *m, float *v, float lr,
                           float beta1, float beta2, float a1, float a2, float epsilon, float invC1,
                           float invC2, float lrDecay) {
  for (int64_t i = firstIndex(); i < n; i += gridStride()) {
    const float g = grad[i];
    const float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(a1, g));
    const float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(a2, g), g));
    m[i] = mi;
    v[i] = vi;
    // param -= lr * (mi * invC1) / (sqrt(vi * invC2) + epsilon) + (lr * weight_decay) * param
    const float num = __fmul_rn(lr, __fmul_rn(mi, invC1));
    const float den = __fadd_rn(__fsqrt_rn(__fmul_rn(vi, invC2)), epsilon);
    const float p = param[i];
    param[i] = __fsub_rn(p, __fadd_rn(__fdiv_rn(num, den), __fmul_rn(lrDecay, p)));
  }
}

__global__ void momentumKernel(int64_t n, float *param, const float *grad, float *velocity,
                               float lr, float momentum) {
  for (int64_t i = firstIndex(); i < n; i += gridStride()) {
    const float vel = __fadd_rn(__fmul_rn(momentum, velocity[i]), grad[i]);
    velocity[i] = vel;
    param[i] = __fsub_rn(param[i], __fmul_rn(lr, vel));
  }
}

} // namespace

namespace meshrt::cuda {

Status CudaDevice::sgdUpdate(int64_t n, float *param, const float *grad, float lr) {
  if (n == 0)
    return Status::success();
  sgdKernel<<<gridFor(n), kBlock, 0, compute_>>>(n, param, grad, lr);
  return launched("sgdKernel");
}

Status CudaDevice::adamUpdate(int64_t n, float *param, const float *grad, float *m, float *v,
                              float lr, float beta1, float beta2, float epsilon, float weightDecay,
                              int64_t step) {
  if (n == 0)
    return Status::success();
  // Bias correction with t = step + 1, exactly as the CPU computes it.
  const double t = static_cast<double>(step + 1);
  const float invC1 = static_cast<float>(1.0 / (1.0 - std::pow(double(beta1), t)));
  const float invC2 = static_cast<float>(1.0 / (1.0 - std::pow(double(beta2), t)));
  const float a1 = 1.0f - beta1, a2 = 1.0f - beta2;
  adamKernel<<<gridFor(n), kBlock, 0, compute_>>>(n, param, grad, m, v, lr, beta1, beta2, a1, a2,
                                                  epsilon, invC1, invC2, lr * weightDecay);
  return launched("adamKernel");
}

Status CudaDevice::momentumUpdate(int64_t n, float *param, const float *grad, float *velocity,
                                  float lr, float momentum) {
  if (n == 0)
    return Status::success();
  momentumKernel<<<gridFor(n), kBlock, 0, compute_>>>(n, param, grad, velocity, lr, momentum);
  return launched("momentumKernel");
}

} // namespace meshrt::cuda
