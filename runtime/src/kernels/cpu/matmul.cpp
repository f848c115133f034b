// matmul.cpp — CPU batched matmul through oneDNN's dnnl_sgemm (--precision fp32, and tf32,
// which CPUs do not have), or its bf16 matmul primitive (--precision bf16, matmul_bf16.h).
//
// dnnl_sgemm rather than the matmul primitive: on the target machines it was 8-13% faster on
// the same shapes and needs no primitive creation or caching. It is oneDNN's C API, so it
// reports errors as status values and never throws. Threads come from OpenMP (meshrt_main sets
// them from --threads).
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matmul_bf16.h"

#include "abi_call.h"
#include "device/device.h"

#include <oneapi/dnnl/dnnl.h>

#include <vector>

namespace meshrt::cpu {

Status sgemm(const Gemm &g) {
  if (g.m == 0 || g.n == 0)
    return Status::success();
  if (g.k == 0) { // an empty sum; dnnl rejects lda = 0
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        float &c = g.c[i * g.ldc + j];
        c = g.beta == 0.0f ? 0.0f : c * g.beta;
      }
    return Status::success();
  }
  dnnl_status_t st = dnnl_sgemm(g.transA ? 'T' : 'N', g.transB ? 'T' : 'N', g.m, g.n, g.k, g.alpha,
                                g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc);
  if (st != dnnl_success)
    return Status::error(MESHRT_KERNEL_ERROR,
                         strformat("dnnl_sgemm failed (status %d) on m=%lld n=%lld k=%lld",
                                   static_cast<int>(st), static_cast<long long>(g.m),
                                   static_cast<long long>(g.n), static_cast<long long>(g.k)));
  return Status::success();
}

Status sgemm(int64_t m, int64_t n, int64_t k, const float *a, bool transA, const float *b,
             bool transB, float *c, float beta) {
  // Row-major: A is m x k (k x m when transposed), so its leading dim is its column count.
  Gemm g;
  g.m = m, g.n = n, g.k = k;
  g.a = a, g.lda = transA ? m : k, g.transA = transA;
  g.b = b, g.ldb = transB ? k : n, g.transB = transB;
  g.c = c, g.ldc = n, g.beta = beta;
  return sgemm(g);
}

} // namespace meshrt::cpu

namespace meshrt {

void Context::useCpuMatmul(const std::string &precision) {
  if (precision.empty() || precision == "fp32")
    return;
  if (precision == "tf32") {
    deviceName_ = "cpu, matmul fp32 (tf32 is exact fp32 on CPUs)";
    return;
  }
  if (precision != "bf16") {
    fail(MESHRT_INVALID_ARGUMENT,
         strformat("unknown matmul precision '%s' (expected fp32, tf32 or bf16)",
                   precision.c_str()));
    return;
  }
  std::string impl;
  std::unique_ptr<cpu::Bf16Matmul> bf16;
  const Status created = cpu::Bf16Matmul::create(&bf16, &impl);
  // Every rank leaves alike: the first rank whose CPU cannot speaks for all (ranks may run on
  // different CPUs).
  const int32_t mine = created.ok() ? -1 : rank_;
  std::vector<int32_t> all(static_cast<size_t>(world_->size()));
  if (!check(world_->allgather(&mine, all.data(), sizeof(mine))))
    return;
  for (size_t r = 0; r < all.size(); ++r)
    if (all[r] >= 0) {
      fail(MESHRT_INVALID_ARGUMENT,
           strformat("--precision bf16 on rank %zu: %s", r,
                     created.ok() ? "oneDNN has no bf16 matmul for that rank's CPU (oneDNN 2.x "
                                    "needs AVX-512)"
                                  : created.message.c_str()));
      return;
    }
  bf16Matmul_ = std::move(bf16);
  deviceName_ = "cpu, matmul bf16 (oneDNN " + impl + ")";
}

} // namespace meshrt

using namespace meshrt;

extern "C" void meshrt_matmul(meshrt_context_t handle, int64_t batch, int64_t m, int64_t n,
                              int64_t k, const float *a, int32_t trans_a, const float *b,
                              int32_t trans_b, float *c) {
  AbiCall call(handle, ProfileKind::Matmul, {{"batch", batch}, {"m", m}, {"n", n}, {"k", k}});
  if (!call.fits({batch, m, k}, 4) || !call.fits({batch, k, n}, 4) || !call.fits({batch, m, n}, 4))
    return;
  call.run(
      [&](Device &dev) { return dev.matmul(batch, m, n, k, a, trans_a != 0, b, trans_b != 0, c); },
      [&](Context *ctx) {
        if (cpu::Bf16Matmul *bf16 = ctx->bf16Matmul()) {
          ctx->check(bf16->run(batch, m, n, k, a, trans_a != 0, b, trans_b != 0, c));
          return;
        }
        for (int64_t i = 0; i < batch; ++i)
          if (!ctx->check(cpu::sgemm(m, n, k, a + i * m * k, trans_a != 0, b + i * k * n,
                                     trans_b != 0, c + i * m * n)))
            return;
      });
}
