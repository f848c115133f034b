// matmul_bf16.h — the CPU matmul of --precision bf16: oneDNN's bf16 matmul primitive.
//
// The inputs are rounded to bf16 (a oneDNN reorder: f32 -> bf16, round to nearest even, the
// transposition folded in), multiplied with fp32 accumulation into an fp32 output — what
// cuBLAS does for `--device cuda --precision bf16`. oneDNN runs it on AVX-512 CPUs (with AMX or
// AVX512_BF16 natively, else emulated on avx512_core) and refuses it below AVX-512: create()
// then fails, and the executable refuses the flag at start-up instead of ignoring it.
#ifndef MESHRT_SRC_KERNELS_CPU_MATMUL_BF16_H
#define MESHRT_SRC_KERNELS_CPU_MATMUL_BF16_H

#include "status.h"

#include <cstdint>
#include <memory>
#include <string>

namespace meshrt::cpu {

class Bf16Matmul {
public:
  // Fails (with oneDNN's reason) where this CPU has no bf16 matmul. *impl names the oneDNN
  // implementation it would use, e.g. "brg:avx512_core_amx_bf16".
  static Status create(std::unique_ptr<Bf16Matmul> *out, std::string *impl);
  ~Bf16Matmul();

  // As meshrt_matmul: C[b] (m x n) = op(A[b]) op(B[b]), batches packed back to back, with A and
  // B rounded to bf16. Primitives are cached by shape, so a step loop creates none after step 0.
  Status run(int64_t batch, int64_t m, int64_t n, int64_t k, const float *a, bool transA,
             const float *b, bool transB, float *c);

private:
  struct Impl;
  explicit Bf16Matmul(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_MATMUL_BF16_H
