// clip_global_norm.cpp — meshrt_clip_global_norm: gradient clipping by the norm of the whole
// global gradient (meshc.clip_global_norm), the same scale on every rank and in every layout.
//
// Each rank sums the squares of its gradient blocks in double, each block divided by the number
// of ranks holding an identical copy of it, so that one sum over all ranks counts every global
// element once; one MPI allreduce of that double over the world gives the squared norm. On a
// device the blocks are read through host copies (correct, not fast: one download per gradient
// per step), and scaled in place by the device's scale kernel.
#include "abi_call.h"
#include "stats.h"
#include "watchdog.h"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace meshrt;

namespace {

double sumOfSquares(const float *x, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i)
    sum += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return sum;
}

} // namespace

extern "C" void meshrt_clip_global_norm(meshrt_context_t handle, int64_t n, float **grads,
                                        const int64_t *counts, const int64_t *replicas,
                                        float max_norm) {
  if (Context *started = unwrap(handle)) // the started collectives run first (collectives.cpp)
    started->drainCollectives();
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::ClipGlobalNorm, {{"n", n}});
  if (!call.require(n >= 0 && (n == 0 || (grads && counts && replicas)),
                    "needs n >= 0 and its three arrays") ||
      !call.require(max_norm > 0.0f, "max_norm must be positive"))
    return;
  Context *ctx = call.ctx();
  for (int64_t i = 0; i < n; ++i)
    if (!call.require(counts[i] >= 0 && replicas[i] >= 1,
                      "gradient %lld has count %lld and replicas %lld", static_cast<long long>(i),
                      static_cast<long long>(counts[i]), static_cast<long long>(replicas[i])) ||
        !call.fits({counts[i]}, 4))
      return;
  double local = 0.0;
  std::vector<float> host;
  for (int64_t i = 0; i < n; ++i) {
    const float *g = grads[i];
    if (Device *dev = ctx->device()) {
      host.resize(static_cast<size_t>(counts[i]));
      if (!ctx->check(dev->download(host.data(), g, counts[i] * 4)))
        return;
      g = host.data();
    }
    local += sumOfSquares(g, counts[i]) / static_cast<double>(replicas[i]);
  }
  // One collective over every mesh axis, as meshc --explain lists it.
  const int32_t allAxes = (int32_t{1} << ctx->numAxes()) - 1;
  recordCollective(CollectiveKind::AllReduce, allAxes, 8);
  double total = local;
  int worldSize = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
  if (worldSize > 1) {
    WaitScope wait(CollectiveKind::AllReduce, allAxes, 8, site);
    if (!call.require(MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) ==
                          MPI_SUCCESS,
                      "MPI_Allreduce of the squared gradient norm failed"))
      return;
  }
  const double norm = std::sqrt(total);
  const float scale = static_cast<float>(std::min(1.0, double(max_norm) / (norm + 1e-6)));
  if (scale >= 1.0f)
    return;
  for (int64_t i = 0; i < n; ++i) {
    if (std::find(grads, grads + i, grads[i]) != grads + i)
      continue; // one buffer listed twice: scaled once
    if (Device *dev = ctx->device()) {
      if (!ctx->check(dev->unary(MESHRT_SCALE, counts[i], grads[i], grads[i], scale)))
        return;
      continue;
    }
    float *g = grads[i];
    for (int64_t k = 0; k < counts[i]; ++k)
      g[k] *= scale;
  }
}
