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
// A collective that communicates marks this rank as waiting (a WaitScope) for the collective
// watchdog (watchdog.h), with the source site generated code named just before the call.
#include "abi_call.h"
#include "stats.h"
#include "watchdog.h"

#include <cstring>

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

// meshrt_allreduce_sum and meshrt_all_reduce_max: in place over the axes' communicator.
template <typename Reduce>
void allreduceInPlace(meshrt_context_t handle, ProfileKind profile, CollectiveKind kind,
                      int32_t axes_mask, float *buf, int64_t count, Reduce reduce) {
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, profile, {{"axes_mask", axes_mask}, {"count", count}});
  if (!call.fits({count}, 4))
    return;
  Context *ctx = call.ctx();
  recordCollective(kind, axes_mask, count * 4);
  if (axes_mask == 0 || count == 0)
    return;
  Communicator *comm = ctx->comm(axes_mask);
  if (!call.require(comm != nullptr, "no group of mesh axes has mask %d (the mesh has %d axes)",
                    axes_mask, ctx->numAxes()) ||
      !call.require(buf != nullptr, "buf is null"))
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
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::AllreduceBucket, {{"axes_mask", axes_mask}, {"n", n}});
  if (!call.require(n == 0 || (in && out && counts), "in, out or counts is null"))
    return;
  // The packed buffer's element count: each count >= 0 and their sum's bytes fit int64.
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!call.require(counts[i] >= 0, "counts[%lld] is negative", static_cast<long long>(i)) ||
        !call.require(!__builtin_add_overflow(total, counts[i], &total),
                      "the counts' sum overflows int64") ||
        !call.require(counts[i] == 0 || (in[i] && out[i]), "in[%lld] or out[%lld] is null",
                      static_cast<long long>(i), static_cast<long long>(i)))
      return;
  }
  if (!call.fits({total}, 4))
    return;
  Context *ctx = call.ctx();
  recordCollective(CollectiveKind::AllReduce, axes_mask, total * 4);
  if (total == 0)
    return;
  Communicator *comm = axes_mask == 0 ? nullptr : ctx->comm(axes_mask);
  if (!call.require(axes_mask == 0 || comm != nullptr,
                    "no group of mesh axes has mask %d (the mesh has %d axes)", axes_mask,
                    ctx->numAxes()))
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

void meshrt_allgather(meshrt_context_t handle, int32_t axis, const void *in, void *out,
                      int64_t outer, int64_t local, int64_t inner, int32_t elem_size) {
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
