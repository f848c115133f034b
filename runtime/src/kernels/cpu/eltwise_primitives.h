// eltwise_primitives.h — the CPU unary math functions of meshrt_unary (sigmoid, tanh, exp, log,
// sqrt, leaky relu) and GELU (tanh form) with its adjoint as oneDNN eltwise primitives (its C
// API), kept in the context's DnnlCache.
//
// oneDNN's JIT kernels are vectorised for the CPU at hand, with its own polynomial
// approximations: measured over 2e6 points, sigmoid, tanh, exp and sqrt are within 5 ulp of
// the exact value, log within 3.7e-6 absolute (many ulp near x = 1, where log is ~0). A
// primitive is made the first time an (op, size, alpha) is seen and kept, so a step loop
// makes none after its first step.
#ifndef MESHRT_SRC_KERNELS_CPU_ELTWISE_PRIMITIVES_H
#define MESHRT_SRC_KERNELS_CPU_ELTWISE_PRIMITIVES_H

#include "kernels/cpu/dnnl_cache.h"
#include "status.h"

#include <cstdint>

namespace meshrt::cpu {

// True for the meshrt_unary ops runEltwise runs.
bool isEltwiseOp(int op);

// out[i] = op(in[i]) for i < n (out may alias in); alpha is leaky relu's slope.
Status runEltwise(DnnlCache &cache, int op, int64_t n, float *out, const float *in, float alpha);

// y = gelu(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), and dx = gelu'(x) dy.
Status runGelu(DnnlCache &cache, int64_t n, const float *x, float *y);
Status runGeluGrad(DnnlCache &cache, int64_t n, const float *x, const float *dy, float *dx);

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_ELTWISE_PRIMITIVES_H
