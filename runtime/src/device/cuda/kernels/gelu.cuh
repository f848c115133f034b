// gelu.cuh — GELU's tanh on the device, shared by nn.cu and fused.cu: the CPU's expNoLibm /
// tanhNoLibm (kernels/cpu/nn_math.h) operation for operation, with explicitly rounded operations
// so that nvcc's FMA contraction cannot make GPU and CPU activations differ.
#ifndef MESHRT_SRC_DEVICE_CUDA_KERNELS_GELU_CUH
#define MESHRT_SRC_DEVICE_CUDA_KERNELS_GELU_CUH

namespace meshrt::cuda {

constexpr float kGeluC = 0.7978845608028654f; // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;

__device__ inline float expNoLibm(float x) {
  const float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const int k = static_cast<int>(__fadd_rn(__fmul_rn(x, kLog2e), x >= 0.0f ? 0.5f : -0.5f));
  const float kf = static_cast<float>(k);
  const float r = __fsub_rn(__fsub_rn(x, __fmul_rn(kf, kLn2Hi)), __fmul_rn(kf, kLn2Lo));
  float p = 1.9875691500e-4f;
  p = __fadd_rn(__fmul_rn(p, r), 1.3981999507e-3f);
  p = __fadd_rn(__fmul_rn(p, r), 8.3334519073e-3f);
  p = __fadd_rn(__fmul_rn(p, r), 4.1665795894e-2f);
  p = __fadd_rn(__fmul_rn(p, r), 1.6666665459e-1f);
  p = __fadd_rn(__fmul_rn(p, r), 5.0000001201e-1f);
  const float e = __fadd_rn(__fadd_rn(__fmul_rn(__fmul_rn(p, r), r), r), 1.0f);
  return __fmul_rn(e, __int_as_float((k + 127) << 23));
}

__device__ inline float tanhNoLibm(float u) {
  const float au = fabsf(u);
  const float a = 10.0f < au ? 10.0f : au; // std::min(au, 10.0f), NaN kept
  const float t = __fsub_rn(1.0f, __fdiv_rn(2.0f, __fadd_rn(expNoLibm(__fmul_rn(2.0f, a)), 1.0f)));
  return u < 0.0f ? -t : t;
}

// tanh(sqrt(2/pi) (v + 0.044715 v^3))
__device__ inline float geluTanh(float v) {
  const float cube = __fmul_rn(__fmul_rn(__fmul_rn(kGeluA, v), v), v);
  return tanhNoLibm(__fmul_rn(kGeluC, __fadd_rn(v, cube)));
}

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_KERNELS_GELU_CUH
