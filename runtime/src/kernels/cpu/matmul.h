// matmul.h — the CPU matmul kernel, shared by meshrt_matmul and the benchmark hook.
#ifndef MESHRT_SRC_KERNELS_CPU_MATMUL_H
#define MESHRT_SRC_KERNELS_CPU_MATMUL_H

#include "status.h"

#include <cstdint>

namespace meshrt::cpu {

// Row-major C (m x n) = op(A) * op(B) + beta C, all contiguous (beta 0: C is only written).
Status sgemm(int64_t m, int64_t n, int64_t k, const float *a, bool transA, const float *b,
             bool transB, float *c, float beta = 0.0f);

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_MATMUL_H
