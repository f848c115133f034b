// nn_math.h — the per-element math the NN kernels share with the fused kernels
// (fused_elementwise.cpp): layer norm's line statistics, so that a fused chain normalises as the
// unfused op does, and GELU's tanh without library calls for the fused chains' GELU steps (the
// unfused meshrt_gelu / _grad are oneDNN primitives, eltwise_primitives.h: the two agree to
// float rounding, not bit for bit).
#ifndef MESHRT_SRC_KERNELS_CPU_NN_MATH_H
#define MESHRT_SRC_KERNELS_CPU_NN_MATH_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace meshrt::cpu {

// Mean and 1/sqrt(var + eps) of one line, accumulated in double (lines are short).
inline void lineStats(const float *x, int64_t n, int64_t stride, float epsilon, float *mean,
                      float *invSigma) {
  double sum = 0;
  for (int64_t k = 0; k < n; ++k)
    sum += x[k * stride];
  const double mu = sum / double(n);
  double var = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double d = x[k * stride] - mu;
    var += d * d;
  }
  *mean = static_cast<float>(mu);
  *invSigma = static_cast<float>(1.0 / std::sqrt(var / double(n) + double(epsilon)));
}

// Layer norm of one contiguous line (stride 1: the normalised dim is the last), the case of
// every transformer: y = (x - mean) / sqrt(var + eps); the fused residual form that also
// writes sum = a + b and normalises it; and the adjoint dx from x and dy (plus an addend: the
// fused backward of a residual block). The statistics are
// lineStats' sums in double, vectorised (so reassociated across lanes: within a double's
// rounding of lineStats, the same float nearly always). Defined in nn.cpp, each cloned for
// AVX-512, AVX2 and the baseline (GCC's target_clones): the runtime is built for the baseline,
// where these loops ran scalar and made layer norm a tenth of a transformer's non-product time.
void layerNormLine(const float *x, int64_t n, float epsilon, float *y);
void addLayerNormLine(const float *a, const float *b, int64_t n, float epsilon, float *sum,
                      float *y);
// With addend non-null, dx = the adjoint + addend (dx may be addend).
void layerNormGradLine(const float *x, const float *dy, const float *addend, int64_t n,
                       float epsilon, float *dx);

constexpr float kGeluC = 0.7978845608028654f; // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;

// exp(x) for |x| <= 88 (Cephes' single-precision reduction and polynomial, ~1 ulp), written
// without library calls so that the fused GELU's loops vectorise (with -fno-trapping-math,
// runtime/CMakeLists.txt): std::tanh per element made GELU a fifth of a transformer step.
inline float expNoLibm(float x) {
  const float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const int k = static_cast<int>(x * kLog2e + (x >= 0.0f ? 0.5f : -0.5f));
  const float kf = static_cast<float>(k);
  const float r = x - kf * kLn2Hi - kf * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  const int32_t bits = (k + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

// tanh(u) = sign(u) (1 - 2 / (exp(2|u|) + 1)); |u| is clamped at 10, where tanh is 1 in f32.
inline float tanhNoLibm(float u) {
  const float a = std::min(std::fabs(u), 10.0f);
  const float t = 1.0f - 2.0f / (expNoLibm(2.0f * a) + 1.0f);
  return u < 0.0f ? -t : t;
}

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_NN_MATH_H
