// softmax_xent.cpp — CPU softmax cross-entropy and its gradient over [outer, classes, inner].
//
// Numerically stable: logits are shifted by their maximum before exponentiation, and the loss
// is computed as log-sum-exp minus the label's logit rather than as -log(softmax). Each
// (outer, inner) position is independent, so threads split the outer dim; with inner > 1 the
// class loop strides over memory, which is fine for the small inner sizes generated code uses.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/strided.h"
#include "kernels/cpu/xent_labels.h"

#include <atomic>
#include <cmath>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

// [outer, classes, inner] logits with at least one class.
bool checkSizes(AbiCall &call, int64_t outer, int64_t classes, int64_t inner) {
  return call.require(classes > 0, "classes must be positive") &&
         call.fits({outer, classes, inner}, 4);
}

// Max and log(sum(exp(x - max))) over the classes of one position.
inline void logSumExp(const float *x, int64_t classes, int64_t stride, float *max, float *lse) {
  float m = x[0];
  for (int64_t c = 1; c < classes; ++c)
    m = x[c * stride] > m ? x[c * stride] : m;
  float sum = 0.0f;
  for (int64_t c = 0; c < classes; ++c)
    sum += std::exp(x[c * stride] - m);
  *max = m;
  *lse = std::log(sum);
}

template <typename F> bool forPositions(int64_t outer, int64_t classes, int64_t inner, F &&f) {
  std::atomic<bool> badLabel{false};
  const int threads = threadsFor(outer * classes * inner);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      if (!f(o, i))
        badLabel.store(true, std::memory_order_relaxed);
  return !badLabel.load();
}

} // namespace

void meshrt::cpu::failXentLabel(Context *ctx, int64_t classes) {
  ctx->fail(MESHRT_INVALID_ARGUMENT, strformat("softmax cross-entropy label outside [0, %lld)",
                                               static_cast<long long>(classes)));
}

extern "C" {

void meshrt_softmax_xent(meshrt_context_t handle, int64_t outer, int64_t classes, int64_t inner,
                         const float *logits, const int32_t *labels, float *loss) {
  AbiCall call(handle, ProfileKind::SoftmaxXent,
               {{"outer", outer}, {"classes", classes}, {"inner", inner}});
  if (!checkSizes(call, outer, classes, inner))
    return;
  call.run(
      [&](Device &dev) { return dev.softmaxXent(outer, classes, inner, logits, labels, loss); },
      [&](Context *ctx) {
        bool ok = forPositions(outer, classes, inner, [&](int64_t o, int64_t i) {
          const float *x = logits + o * classes * inner + i;
          const int32_t label = labels[o * inner + i];
          if (label < 0 || label >= classes)
            return false;
          float m, lse;
          logSumExp(x, classes, inner, &m, &lse);
          loss[o * inner + i] = lse + m - x[label * inner];
          return true;
        });
        if (!ok)
          failXentLabel(ctx, classes);
      });
}

void meshrt_softmax_xent_grad(meshrt_context_t handle, int64_t outer, int64_t classes,
                              int64_t inner, const float *logits, const int32_t *labels,
                              const float *dloss, float *dlogits) {
  AbiCall call(handle, ProfileKind::SoftmaxXentGrad,
               {{"outer", outer}, {"classes", classes}, {"inner", inner}});
  if (!checkSizes(call, outer, classes, inner))
    return;
  call.run(
      [&](Device &dev) {
        return dev.softmaxXentGrad(outer, classes, inner, logits, labels, dloss, dlogits);
      },
      [&](Context *ctx) {
        bool ok = forPositions(outer, classes, inner, [&](int64_t o, int64_t i) {
          const int64_t base = o * classes * inner + i;
          const float *x = logits + base;
          float *dx = dlogits + base;
          const int32_t label = labels[o * inner + i];
          if (label < 0 || label >= classes)
            return false;
          float m, lse;
          logSumExp(x, classes, inner, &m, &lse);
          const float g = dloss[o * inner + i];
          const float shift = m + lse; // softmax = exp(x - shift)
          for (int64_t c = 0; c < classes; ++c)
            dx[c * inner] = std::exp(x[c * inner] - shift) * g;
          dx[label * inner] -= g;
          return true;
        });
        if (!ok)
          failXentLabel(ctx, classes);
      });
}

} // extern "C"
