// optimizer.cpp — CPU optimizer updates, applied slicewise to each rank's parameter slice. Each
// entry scales its learning rate by the run's schedule factor (Context::lrFactor) once, before
// the device dispatch, so every backend trains on the same schedule.
#include "kernels/cpu/optimizer.h"
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/strided.h"

#include <cmath>

namespace meshrt::cpu {

void sgd(int64_t n, float *param, const float *grad, float lr) {
  const int threads = threadsFor(n);
  float *__restrict p = param;
  const float *__restrict g = grad;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t i = 0; i < n; ++i)
    p[i] -= lr * g[i];
}

} // namespace meshrt::cpu

using namespace meshrt;
using namespace meshrt::cpu;

extern "C" void meshrt_sgd_update(meshrt_context_t handle, int64_t n, float *param,
                                  const float *grad, float lr) {
  AbiCall call(handle, ProfileKind::SgdUpdate, {{"n", n}});
  if (!call.fits({n}, 4))
    return;
  Context *ctx = call.ctx();
  lr *= ctx->lrFactor();
  call.run([&](Device &dev) { return dev.sgdUpdate(n, param, grad, lr); },
           [&](Context *) { sgd(n, param, grad, lr); });
}

// Adam with bias correction from the step number (t = step + 1) and AdamW's decoupled weight
// decay (the decay is not part of the gradient, so m and v never see it); m and v are this
// rank's slices of the state, in the parameter's layout.
extern "C" void meshrt_adam_update(meshrt_context_t handle, int64_t n, float *param,
                                   const float *grad, float *m, float *v, float lr, float beta1,
                                   float beta2, float epsilon, float weightDecay, int64_t step) {
  AbiCall call(handle, ProfileKind::AdamUpdate, {{"n", n}, {"step", step}});
  if (!call.fits({n}, 4))
    return;
  Context *ctx = call.ctx();
  lr *= ctx->lrFactor();
  call.run(
      [&](Device &dev) {
        return dev.adamUpdate(n, param, grad, m, v, lr, beta1, beta2, epsilon, weightDecay, step);
      },
      [&](Context *) {
        const double t = static_cast<double>(step + 1);
        const float invC1 = static_cast<float>(1.0 / (1.0 - std::pow(double(beta1), t)));
        const float invC2 = static_cast<float>(1.0 / (1.0 - std::pow(double(beta2), t)));
        const float a1 = 1.0f - beta1, a2 = 1.0f - beta2;
        const float lrDecay = lr * weightDecay;
        const int threads = threadsFor(n);
        float *__restrict p = param;
        float *__restrict mm = m;
        float *__restrict vv = v;
        const float *__restrict g = grad;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (threads > 1)
        for (int64_t i = 0; i < n; ++i) {
          const float gi = g[i];
          const float mi = beta1 * mm[i] + a1 * gi;
          const float vi = beta2 * vv[i] + a2 * gi * gi;
          mm[i] = mi;
          vv[i] = vi;
          // lr * adam + (lr * wd) * p, in the order the CUDA kernel rounds; with wd = 0 the same
          // bits as plain Adam.
          p[i] -= lr * (mi * invC1) / (std::sqrt(vi * invC2) + epsilon) + lrDecay * p[i];
        }
      });
}

// velocity = momentum * velocity + grad; param -= lr * velocity.
extern "C" void meshrt_momentum_update(meshrt_context_t handle, int64_t n, float *param,
                                       const float *grad, float *velocity, float lr,
                                       float momentum) {
  AbiCall call(handle, ProfileKind::MomentumUpdate, {{"n", n}});
  if (!call.fits({n}, 4))
    return;
  Context *ctx = call.ctx();
  lr *= ctx->lrFactor();
  call.run([&](Device &dev) { return dev.momentumUpdate(n, param, grad, velocity, lr, momentum); },
           [&](Context *) {
             const int threads = threadsFor(n);
             float *__restrict p = param;
             float *__restrict vel = velocity;
             const float *__restrict g = grad;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (threads > 1)
             for (int64_t i = 0; i < n; ++i) {
               vel[i] = momentum * vel[i] + g[i];
               p[i] -= lr * vel[i];
             }
           });
}
