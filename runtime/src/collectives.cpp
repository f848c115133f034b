// collectives.cpp — the collective part of the C ABI: argument checks, the [outer, local,
// inner] block rearrangement, and dispatch to the communicator of the requested axes.
//
// Allgather and reduce-scatter along a middle dimension need the P per-rank blocks contiguous
// in rank order, which a [outer, P*local, inner] tensor is not when outer > 1. They go through
// the context's scratch buffer (reused, so no allocation per call in steady state); with
// outer == 1 the tensor already is the rank-ordered block list and no copy is made. On a device
// the same rearrangements are device-to-device 2-D copies and the scratch is device memory.
//
// A bucket of all_reduces (meshrt_all_reduce_bucket) is packed into the same scratch, summed in
// one allreduce and unpacked: one collective for --stats and the watchdog. meshrt_all_reduce_max
// (the vocab-parallel cross-entropy's row maximum) is the in-place sum's sibling with MAX.
//
// The non-blocking all_reduce and bucket (meshrt_*_start, meshrt_collective_wait) read their
// operands in the call and queue the communication on the context's communication thread
// (comm/comm_thread.h); a bucket is packed into a buffer of that thread's pool, not the shared
// scratch, since other calls use the scratch while it is in flight. Every blocking collective
// first drains that queue (drainStarted), before its --profile/--trace span opens: MPI sees one
// thread at a time, every rank sees one order of collectives, and the communication track's
// spans stay in program order.
//
// On a device whose communicators are NCCL (Device::startsCollectives) the starts queue the sum
// on the device's communication stream instead and the wait makes the compute stream wait for it
// (device/cuda/started_collectives.cu); draining makes the compute stream wait for every started
// one. The staged device path has no communication thread: its starts run the blocking sum.
//
// A collective that communicates marks this rank as waiting (a WaitScope) for the collective
// watchdog (watchdog.h), with the source site generated code named just before the call.
#include "abi_call.h"
#include "stats.h"
#include "trace.h"
#include "watchdog.h"

#include <chrono>
#include <cstring>
#include <new>

using namespace meshrt;

namespace {

// [outer, local, inner] blocks of elemSize bytes on a mesh axis of P ranks: the whole
// [outer, P * local, inner] tensor's byte count must fit int64; *rowBytes and *blockBytes get
// one rank's part of one outer row and one rank's whole block.
bool checkBlocks(AbiCall &call, int32_t axis, int64_t outer, int64_t local, int64_t inner,
                 int32_t elemSize, int64_t *rowBytes, int64_t *blockBytes) {
  if (!call.require(call.ctx() && call.ctx()->validAxis(axis), "mesh axis %d does not exist",
                    axis) ||
      !call.require(elemSize > 0, "elem_size must be positive") ||
      !call.fits({outer, call.ctx()->axisSize(axis), local, inner}, elemSize))
    return false;
  *rowBytes = local * inner * elemSize;
  *blockBytes = outer * *rowBytes;
  return true;
}

// Whether the group's transport moves `bytes` per rank in one collective (MPI counts are int):
// checked before any scratch is used, so a refusal never costs an allocation.
bool checkMessage(AbiCall &call, Communicator *comm, int64_t bytes) {
  return call.require(comm->fitsOneMessage(bytes),
                      "%lld bytes per rank exceed what one collective of this transport moves "
                      "(MPI: 2^31-1 elements)",
                      static_cast<long long>(bytes));
}

// dst[o] (rows of `rowBytes`, dstStride apart) = src[o] (srcStride apart), for o < outer, in
// the context's memory (host or device). False (and an error in the context) on failure.
bool copyRows(Context *ctx, void *dst, int64_t dstStride, const void *src, int64_t srcStride,
              int64_t outer, int64_t rowBytes) {
  if (outer == 0 || rowBytes == 0)
    return true;
  if (Device *dev = ctx->device())
    return ctx->check(dev->copy2D(dst, dstStride, src, srcStride, rowBytes, outer));
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(static_cast<char *>(dst) + o * dstStride,
                static_cast<const char *>(src) + o * srcStride, static_cast<size_t>(rowBytes));
  return true;
}

// Before a blocking collective: the started ones run first (see the top of the file).
void drainStarted(meshrt_context_t handle) {
  if (Context *ctx = unwrap(handle))
    ctx->drainCollectives();
}

// A bucket's arguments: n >= 0, the arrays and each non-empty member's pointers exist, the
// counts are >= 0 and their sum (*total) fits int64 as bytes.
bool checkBucket(AbiCall &call, int64_t n, const float *const *in, float *const *out,
                 const int64_t *counts, int64_t *total) {
  if (!call.require(n == 0 || (in && out && counts), "in, out or counts is null"))
    return false;
  *total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!call.require(counts[i] >= 0, "counts[%lld] is negative", static_cast<long long>(i)) ||
        !call.require(!__builtin_add_overflow(*total, counts[i], total),
                      "the counts' sum overflows int64") ||
        !call.require(counts[i] == 0 || (in[i] && out[i]), "in[%lld] or out[%lld] is null",
                      static_cast<long long>(i), static_cast<long long>(i)))
      return false;
  }
  return call.fits({*total}, 4);
}

// The group of `axes_mask` (null for mask 0); false (and an error) for a mask the mesh lacks.
bool groupOf(AbiCall &call, Context *ctx, int32_t axes_mask, Communicator **comm) {
  *comm = axes_mask == 0 ? nullptr : ctx->comm(axes_mask);
  return call.require(axes_mask == 0 || *comm != nullptr,
                      "no group of mesh axes has mask %d (the mesh has %d axes)", axes_mask,
                      ctx->numAxes());
}

// The sum of a started collective, on the communication thread: marked for the watchdog and
// traced on the communication track.
Status runStarted(ProfileKind kind, int32_t axes_mask, int64_t bytes, CollectiveSite site,
                  const std::function<Status()> &communicate) {
  const auto begin = std::chrono::steady_clock::now();
  Status status;
  {
    WaitScope wait(CollectiveKind::AllReduce, axes_mask, bytes, site);
    status = communicate();
  }
  traceAsyncCollective(kind, CollectiveKind::AllReduce, axes_mask, bytes, site, begin,
                       std::chrono::steady_clock::now());
  return status;
}

// Queues `work` as request `request` on the communication thread; --stats counts the
// collective now, in program order (its --trace span comes from the thread).
void queueStarted(AbiCall &call, CommThread *thread, int32_t request, int32_t axes_mask,
                  int64_t bytes, CommThread::Work work) {
  if (gStatsEnabled)
    gStats.record(CollectiveKind::AllReduce, axes_mask, bytes);
  call.require(thread->start(request, std::move(work)),
               "collective %d was started again before its wait", request);
}

Status nothingToSend() { return Status::success(); }

// A start on a device that runs it beside the compute stream: `start(comm)` queues it (false
// where the request is in flight). False where the context is on the CPU or staged.
template <typename Start>
bool startOnDevice(AbiCall &call, int32_t request, int32_t axes_mask, int64_t bytes, Start start) {
  Context *ctx = call.ctx();
  Device *dev = ctx->device();
  if (!dev || !dev->startsCollectives())
    return false;
  Communicator *comm = nullptr;
  if (!groupOf(call, ctx, axes_mask, &comm))
    return true;
  recordCollective(CollectiveKind::AllReduce, axes_mask, bytes);
  call.require(start(comm), "collective %d was started again before its wait", request);
  return true;
}

// meshrt_allreduce_sum and meshrt_all_reduce_max: in place over the axes' communicator.
template <typename Reduce>
void allreduceInPlace(meshrt_context_t handle, ProfileKind profile, CollectiveKind kind,
                      int32_t axes_mask, float *buf, int64_t count, Reduce reduce) {
  drainStarted(handle);
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, profile, {{"axes_mask", axes_mask}, {"count", count}});
  if (!call.fits({count}, 4))
    return;
  Context *ctx = call.ctx();
  recordCollective(kind, axes_mask, count * 4);
  if (axes_mask == 0 || count == 0)
    return;
  Communicator *comm = nullptr; // not null: the mask is not 0
  if (!groupOf(call, ctx, axes_mask, &comm) || !call.require(buf != nullptr, "buf is null"))
    return;
  if (comm->size() > 1) {
    WaitScope wait(kind, axes_mask, count * 4, site);
    ctx->check(reduce(comm));
  }
}

} // namespace

extern "C" {

void meshrt_collective_site(meshrt_context_t handle, int32_t index, const char *location) {
  if (handle)
    setNextCollectiveSite(index, location);
}

void meshrt_allreduce_sum(meshrt_context_t handle, int32_t axes_mask, float *buf, int64_t count) {
  allreduceInPlace(handle, ProfileKind::Allreduce, CollectiveKind::AllReduce, axes_mask, buf, count,
                   [&](Communicator *comm) { return comm->allreduceSum(buf, count); });
}

void meshrt_all_reduce_max(meshrt_context_t handle, int32_t axes_mask, float *buf, int64_t count) {
  allreduceInPlace(handle, ProfileKind::AllreduceMax, CollectiveKind::AllReduceMax, axes_mask, buf,
                   count, [&](Communicator *comm) { return comm->allreduceMax(buf, count); });
}

void meshrt_all_reduce_bucket(meshrt_context_t handle, int32_t axes_mask, int64_t n,
                              const float *const *in, float *const *out, const int64_t *counts) {
  drainStarted(handle);
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::AllreduceBucket, {{"axes_mask", axes_mask}, {"n", n}});
  int64_t total = 0; // the packed buffer's element count
  if (!checkBucket(call, n, in, out, counts, &total))
    return;
  Context *ctx = call.ctx();
  recordCollective(CollectiveKind::AllReduce, axes_mask, total * 4);
  if (total == 0)
    return;
  Communicator *comm = nullptr;
  if (!groupOf(call, ctx, axes_mask, &comm))
    return;
  auto bytesOf = [&](int64_t i) { return counts[i] * 4; };
  if (!comm || comm->size() == 1) { // a sum over one rank: each result is its operand
    for (int64_t i = 0; i < n; ++i)
      if (in[i] != out[i] && !copyRows(ctx, out[i], bytesOf(i), in[i], bytesOf(i), 1, bytesOf(i)))
        return;
    return;
  }
  char *packed = static_cast<char *>(ctx->scratch(static_cast<size_t>(total * 4)));
  if (!packed)
    return;
  int64_t offset = 0;
  for (int64_t i = 0; i < n; offset += bytesOf(i), ++i)
    if (!copyRows(ctx, packed + offset, bytesOf(i), in[i], bytesOf(i), 1, bytesOf(i)))
      return;
  {
    WaitScope wait(CollectiveKind::AllReduce, axes_mask, total * 4, site);
    if (!ctx->check(comm->allreduceSum(reinterpret_cast<float *>(packed), total)))
      return;
  }
  offset = 0;
  for (int64_t i = 0; i < n; offset += bytesOf(i), ++i)
    if (!copyRows(ctx, out[i], bytesOf(i), packed + offset, bytesOf(i), 1, bytesOf(i)))
      return;
}

void meshrt_allreduce_sum_start(meshrt_context_t handle, int32_t request, int32_t axes_mask,
                                float *buf, int64_t count) {
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::AllreduceStart,
               {{"request", request, true}, {"axes_mask", axes_mask}, {"count", count}});
  if (!call.fits({count}, 4))
    return;
  if (startOnDevice(call, request, axes_mask, count * 4, [&](Communicator *comm) {
        return !call.require(count == 0 || buf != nullptr, "buf is null") ||
               call.ctx()->device()->startAllreduceSum(request, comm, buf, count);
      }))
    return;
  Context *ctx = call.ctx();
  CommThread *thread = ctx->commThread();
  if (!thread) { // no second thread: the blocking sum, now
    setNextCollectiveSite(site.index, site.location);
    meshrt_allreduce_sum(handle, axes_mask, buf, count);
    return;
  }
  Communicator *comm = nullptr;
  if (!groupOf(call, ctx, axes_mask, &comm))
    return;
  CommThread::Work work = nothingToSend;
  if (comm && comm->size() > 1 && count > 0)
    work = [=] {
      return runStarted(ProfileKind::Allreduce, axes_mask, count * 4, site,
                        [&] { return comm->allreduceSum(buf, count); });
    };
  queueStarted(call, thread, request, axes_mask, count * 4, std::move(work));
}

void meshrt_all_reduce_bucket_start(meshrt_context_t handle, int32_t request, int32_t axes_mask,
                                    int64_t n, const float *const *in, float *const *out,
                                    const int64_t *counts) {
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::AllreduceBucketStart,
               {{"request", request, true}, {"axes_mask", axes_mask}, {"n", n}});
  int64_t total = 0;
  if (!checkBucket(call, n, in, out, counts, &total))
    return;
  if (startOnDevice(call, request, axes_mask, total * 4, [&](Communicator *comm) {
        return call.ctx()->device()->startAllreduceBucket(request, comm, n, in, out, counts, total);
      }))
    return;
  Context *ctx = call.ctx();
  CommThread *thread = ctx->commThread();
  if (!thread) {
    setNextCollectiveSite(site.index, site.location);
    meshrt_all_reduce_bucket(handle, axes_mask, n, in, out, counts);
    return;
  }
  Communicator *comm = nullptr;
  if (!groupOf(call, ctx, axes_mask, &comm))
    return;
  if (!comm || comm->size() == 1 || total == 0) { // each result is its operand
    for (int64_t i = 0; i < n; ++i)
      if (in[i] != out[i] && counts[i] > 0)
        std::memcpy(out[i], in[i], static_cast<size_t>(counts[i] * 4));
    queueStarted(call, thread, request, axes_mask, total * 4, nothingToSend);
    return;
  }
  // Pack now (the operands may be reused once this returns); the thread sums and unpacks.
  std::shared_ptr<std::vector<float>> packed;
  try {
    packed = thread->takeBuffer(static_cast<size_t>(total));
  } catch (const std::bad_alloc &) {
    call.require(false, "cannot allocate %lld bytes to pack the bucket",
                 static_cast<long long>(total) * 4);
    return;
  }
  std::vector<std::pair<float *, int64_t>> members;
  int64_t offset = 0;
  for (int64_t i = 0; i < n; offset += counts[i], ++i) {
    if (counts[i] > 0)
      std::memcpy(packed->data() + offset, in[i], static_cast<size_t>(counts[i] * 4));
    members.emplace_back(out[i], counts[i]);
  }
  CommThread::Work work = [=] {
    Status status = runStarted(ProfileKind::AllreduceBucket, axes_mask, total * 4, site,
                               [&] { return comm->allreduceSum(packed->data(), total); });
    if (status.ok()) {
      int64_t at = 0;
      for (auto [result, count] : members) {
        if (count > 0)
          std::memcpy(result, packed->data() + at, static_cast<size_t>(count * 4));
        at += count;
      }
    }
    thread->giveBuffer(packed);
    return status;
  };
  queueStarted(call, thread, request, axes_mask, total * 4, std::move(work));
}

void meshrt_collective_wait(meshrt_context_t handle, int32_t request) {
  AbiCall call(handle, ProfileKind::CollectiveWait, {{"request", request, true}});
  // Even a context that failed since the start waits: the collective writes into its buffers.
  Context *ctx = unwrap(handle);
  if (!ctx)
    return;
  if (Device *dev = ctx->device(); dev && dev->startsCollectives()) {
    std::optional<Status> status = dev->waitStarted(request);
    if (call.ok() && call.require(status.has_value(), "collective %d was not started", request))
      ctx->check(*status);
    return;
  }
  CommThread *thread = ctx->commThread();
  if (!thread) // the start ran the collective in its call
    return;
  std::optional<Status> status = thread->wait(request);
  if (!call.ok())
    return;
  if (call.require(status.has_value(), "collective %d was not started", request))
    ctx->check(*status);
}

void meshrt_allgather(meshrt_context_t handle, int32_t axis, const void *in, void *out,
                      int64_t outer, int64_t local, int64_t inner, int32_t elem_size) {
  drainStarted(handle);
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::Allgather,
               {{"axis", axis, true},
                {"outer", outer},
                {"local", local},
                {"inner", inner},
                {"elem_size", elem_size}});
  int64_t rowBytes = 0, blockBytes = 0;
  if (!checkBlocks(call, axis, outer, local, inner, elem_size, &rowBytes, &blockBytes))
    return;
  Context *ctx = call.ctx();
  recordCollective(CollectiveKind::AllGather, 1 << axis, blockBytes);
  const int64_t p = ctx->axisSize(axis);
  if (blockBytes == 0)
    return;
  if (p == 1) {
    if (in != out)
      copyRows(ctx, out, blockBytes, in, blockBytes, 1, blockBytes);
    return;
  }
  Communicator *comm = ctx->comm(1 << axis);
  if (!checkMessage(call, comm, blockBytes))
    return;
  WaitScope wait(CollectiveKind::AllGather, 1 << axis, blockBytes, site);
  if (outer == 1) {
    ctx->check(comm->allgather(in, out, blockBytes));
    return;
  }
  char *tmp = static_cast<char *>(ctx->scratch(static_cast<size_t>(p * blockBytes)));
  if (!tmp || !ctx->check(comm->allgather(in, tmp, blockBytes)))
    return;
  // tmp is [P][outer][local*inner]; out is [outer][P][local*inner].
  for (int64_t c = 0; c < p; ++c)
    if (!copyRows(ctx, static_cast<char *>(out) + c * rowBytes, p * rowBytes, tmp + c * blockBytes,
                  rowBytes, outer, rowBytes))
      return;
}

void meshrt_reduce_scatter(meshrt_context_t handle, int32_t axis, const float *in, float *out,
                           int64_t outer, int64_t local, int64_t inner) {
  drainStarted(handle);
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::ReduceScatter,
               {{"axis", axis, true}, {"outer", outer}, {"local", local}, {"inner", inner}});
  int64_t rowBytes = 0, blockBytes = 0;
  if (!checkBlocks(call, axis, outer, local, inner, 4, &rowBytes, &blockBytes))
    return;
  Context *ctx = call.ctx();
  const int64_t p = ctx->axisSize(axis);
  recordCollective(CollectiveKind::ReduceScatter, 1 << axis, p * blockBytes);
  const int64_t rowCount = rowBytes / 4, blockCount = blockBytes / 4;
  if (blockCount == 0)
    return;
  if (p == 1) {
    if (in != out)
      copyRows(ctx, out, blockBytes, in, blockBytes, 1, blockBytes);
    return;
  }
  Communicator *comm = ctx->comm(1 << axis);
  if (!checkMessage(call, comm, blockBytes))
    return;
  WaitScope wait(CollectiveKind::ReduceScatter, 1 << axis, p * blockBytes, site);
  if (outer == 1) {
    ctx->check(comm->reduceScatterSum(in, out, blockCount));
    return;
  }
  float *tmp = static_cast<float *>(ctx->scratch(static_cast<size_t>(p * blockBytes)));
  if (!tmp)
    return;
  // in is [outer][P][local*inner]; tmp is [P][outer][local*inner], rank c's block at c.
  for (int64_t c = 0; c < p; ++c)
    if (!copyRows(ctx, tmp + c * blockCount, rowBytes, in + c * rowCount, p * rowBytes, outer,
                  rowBytes))
      return;
  ctx->check(comm->reduceScatterSum(tmp, out, blockCount));
}

void meshrt_all_slice(meshrt_context_t handle, int32_t axis, const void *in, void *out,
                      int64_t outer, int64_t local, int64_t inner, int32_t elem_size) {
  drainStarted(handle);
  takeNextCollectiveSite(); // no communication: nothing to wait for
  AbiCall call(handle, ProfileKind::AllSlice,
               {{"axis", axis, true},
                {"outer", outer},
                {"local", local},
                {"inner", inner},
                {"elem_size", elem_size}});
  int64_t rowBytes = 0, blockBytes = 0;
  if (!checkBlocks(call, axis, outer, local, inner, elem_size, &rowBytes, &blockBytes))
    return;
  Context *ctx = call.ctx();
  const int64_t p = ctx->axisSize(axis);
  recordCollective(CollectiveKind::AllSlice, 1 << axis, p * blockBytes);
  const char *src = static_cast<const char *>(in) + ctx->coord(axis) * rowBytes;
  copyRows(ctx, out, rowBytes, src, p * rowBytes, outer, rowBytes);
}

void meshrt_alltoall(meshrt_context_t handle, int32_t axis, const void *in, void *out,
                     int64_t block_bytes) {
  drainStarted(handle);
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::Alltoall, {{"axis", axis, true}, {"block_bytes", block_bytes}});
  Context *ctx = call.ctx();
  if (!call.require(ctx && ctx->validAxis(axis), "mesh axis %d does not exist", axis) ||
      !call.fits({ctx->axisSize(axis), block_bytes}, 1))
    return;
  recordCollective(CollectiveKind::AllToAll, 1 << axis, ctx->axisSize(axis) * block_bytes);
  if (block_bytes == 0)
    return;
  if (ctx->axisSize(axis) == 1) {
    if (in != out)
      copyRows(ctx, out, block_bytes, in, block_bytes, 1, block_bytes);
    return;
  }
  Communicator *comm = ctx->comm(1 << axis);
  if (!checkMessage(call, comm, block_bytes))
    return;
  WaitScope wait(CollectiveKind::AllToAll, 1 << axis, ctx->axisSize(axis) * block_bytes, site);
  ctx->check(comm->alltoall(in, out, block_bytes));
}

} // extern "C"
