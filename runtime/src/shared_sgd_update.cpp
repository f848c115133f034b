// shared_sgd_update.cpp — meshrt_sgd_update_matmul: SGD of a parameter by a weight gradient
// that the data-parallel ranks would sum (meshc-share-updates' meshc.sgd_update_einsum).
//
// Where the parameter is node-shared (meshrt_alloc_shared), no gradient is ever stored, summed
// or applied as a pass: after a barrier that every rank reaches only once its reads of the
// parameter are done, each rank's GEMM adds -lr times its own product straight into one slice of
// rows of the shared parameter (alpha = -lr, beta = 1), a different slice per rank in each of P
// phases, with a barrier after each phase. So no two ranks write one row at once, and when the
// call returns every rank's contribution is in every row (the last barrier orders the update
// before any rank's next read). The barriers are the shared memory's own (counters in the
// window, comm/shared_buffer.h), not MPI: the started all_reduces of a communication thread
// keep running meanwhile. The result differs from the all-reduced update only in rounding:
// the contributions are added to the parameter one by one instead of summed first.
//
// Elsewhere (the buffer is a rank's own: ranks on several nodes, --shared-params off, a device,
// --precision bf16) the same step the unfused program takes: the product into the context's
// scratch, an allreduce over the group, param -= lr * sum.
#include "abi_call.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matmul_bf16.h"
#include "kernels/cpu/optimizer.h"
#include "stats.h"
#include "watchdog.h"

using namespace meshrt;

namespace {

// A barrier of the weight's ranks, marked as a wait for the watchdog.
Status groupBarrier(SharedMemory *shared, int32_t mask, int64_t bytes, const CollectiveSite &site) {
  WaitScope wait(CollectiveKind::AllReduce, mask, bytes, site);
  return shared->barrier();
}

// The shared path (see the top of the file). Every rank makes every barrier even after a failed
// GEMM, so a failure never leaves the others waiting; the first failure is returned.
Status updateShared(SharedMemory *shared, int64_t parts, int64_t rank, int32_t mask,
                    const CollectiveSite &site, cpu::Gemm g) {
  const int64_t bytes = g.m * g.n * 4;
  Status first = groupBarrier(shared, mask, bytes, site);
  for (int64_t phase = 0; phase < parts; ++phase) {
    const int64_t part = (rank + phase) % parts;
    const int64_t lo = g.m * part / parts, hi = g.m * (part + 1) / parts;
    cpu::Gemm slice = g;
    slice.m = hi - lo;
    slice.a = g.transA ? g.a + lo : g.a + lo * g.lda;
    slice.c = g.c + lo * g.ldc;
    if (first.ok())
      first = cpu::sgemm(slice);
    Status s = groupBarrier(shared, mask, bytes, site);
    if (first.ok())
      first = s;
  }
  return first;
}

} // namespace

extern "C" void meshrt_sgd_update_matmul(meshrt_context_t handle, int32_t axes_mask, int64_t m,
                                         int64_t n, int64_t k, const float *a, int32_t trans_a,
                                         const float *b, int32_t trans_b, float *param, float lr) {
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::SgdUpdateMatmul,
               {{"axes_mask", axes_mask}, {"m", m}, {"n", n}, {"k", k}});
  if (!call.fits({m, k}, 4) || !call.fits({k, n}, 4) || !call.fits({m, n}, 4) ||
      !call.require(param && (m * n == 0 || k == 0 || (a && b)), "a, b or param is null"))
    return;
  Context *ctx = call.ctx();
  Communicator *comm = axes_mask == 0 ? nullptr : ctx->comm(axes_mask);
  if (!call.require(comm != nullptr, "no group of mesh axes has mask %d (the mesh has %d axes)",
                    axes_mask, ctx->numAxes()))
    return;
  lr *= ctx->lrFactor();
  recordCollective(CollectiveKind::AllReduce, axes_mask, m * n * 4);
  int32_t sharedMask = 0;
  SharedMemory *shared = ctx->sharedMemory(param, &sharedMask);
  if (shared && sharedMask == axes_mask && !ctx->device() && !ctx->bf16Matmul()) {
    cpu::Gemm g;
    g.m = m, g.n = n, g.k = k;
    g.a = a, g.lda = trans_a ? m : k, g.transA = trans_a != 0;
    g.b = b, g.ldb = trans_b ? k : n, g.transB = trans_b != 0;
    g.c = param, g.ldc = n, g.alpha = -lr, g.beta = 1.0f;
    ctx->check(updateShared(shared, comm->size(), comm->rank(), axes_mask, site, g));
    return;
  }
  ctx->drainCollectives(); // the started collectives run first (collectives.cpp)
  auto *grad = static_cast<float *>(ctx->scratch(static_cast<size_t>(m * n * 4)));
  if (!grad)
    return;
  auto sum = [&] {
    if (comm->size() == 1)
      return Status::success();
    WaitScope wait(CollectiveKind::AllReduce, axes_mask, m * n * 4, site);
    return comm->allreduceSum(grad, m * n);
  };
  call.run(
      [&](Device &dev) {
        Status s = dev.matmul(1, m, n, k, a, trans_a != 0, b, trans_b != 0, grad);
        if (s.ok())
          s = sum();
        return s.ok() ? dev.sgdUpdate(m * n, param, grad, lr) : s;
      },
      [&](Context *cpuCtx) {
        cpu::Bf16Matmul *bf16 = cpuCtx->bf16Matmul();
        if (!cpuCtx->check(bf16 ? bf16->run(1, m, n, k, a, trans_a != 0, b, trans_b != 0, grad)
                                : cpu::sgemm(m, n, k, a, trans_a != 0, b, trans_b != 0, grad)) ||
            !cpuCtx->check(sum()))
          return;
        cpu::sgd(m * n, param, grad, lr);
      });
}
