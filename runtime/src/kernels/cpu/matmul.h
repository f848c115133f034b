// matmul.h — the CPU matmul kernel, shared by meshrt_matmul and the benchmark hook.
#ifndef MESHRT_SRC_KERNELS_CPU_MATMUL_H
#define MESHRT_SRC_KERNELS_CPU_MATMUL_H

#include "status.h"

#include <cstdint>

namespace meshrt::cpu {

// Row-major C (m x n) = op(A) * op(B) + beta C, all contiguous (beta 0: C is only written).
Status sgemm(int64_t m, int64_t n, int64_t k, const float *a, bool transA, const float *b,
             bool transB, float *c, float beta = 0.0f);

// Row-major operands with leading dims (elements between rows as stored; A is m x k, or k x m
// when transposed): C = alpha op(A) op(B) + beta C. Rows m0.. of a larger product are the
// matrices at A + m0 * lda (or A + m0 when transposed) and C + m0 * ldc.
struct Gemm {
  int64_t m = 0, n = 0, k = 0;
  const float *a = nullptr;
  int64_t lda = 0;
  bool transA = false;
  const float *b = nullptr;
  int64_t ldb = 0;
  bool transB = false;
  float *c = nullptr;
  int64_t ldc = 0;
  float alpha = 1.0f, beta = 0.0f;
};
Status sgemm(const Gemm &g);

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_MATMUL_H
