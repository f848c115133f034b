// optimizer.cpp — CPU optimizer updates, applied slicewise to each rank's parameter slice.
#include "context.h"
#include "profile.h"
#include "kernels/cpu/strided.h"

using namespace meshrt;
using namespace meshrt::cpu;

extern "C" void meshrt_sgd_update(meshrt_context_t handle, int64_t n, float *param,
                                  const float *grad, float lr) {
  ProfileScope profileScope(ProfileKind::SgdUpdate);
  Context *ctx = activeContext(handle);
  if (!ctx)
    return;
  if (n < 0) {
    ctx->fail(MESHRT_INVALID_ARGUMENT,
              strformat("sgd_update with negative count %lld", static_cast<long long>(n)));
    return;
  }
  const int threads = threadsFor(n);
  float *__restrict p = param;
  const float *__restrict g = grad;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t i = 0; i < n; ++i)
    p[i] -= lr * g[i];
}
