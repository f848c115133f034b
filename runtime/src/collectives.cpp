// collectives.cpp — the collective part of the C ABI: argument checks, the [outer, local,
// inner] block rearrangement, and dispatch to the communicator of the requested axes.
//
// Allgather and reduce-scatter along a middle dimension need the P per-rank blocks contiguous
// in rank order, which a [outer, P*local, inner] tensor is not when outer > 1. They go through
// the context's scratch buffer (reused, so no allocation per call in steady state); with
// outer == 1 the tensor already is the rank-ordered block list and no copy is made. On a device
// the same rearrangements are device-to-device 2-D copies and the scratch is device memory.
#include "context.h"
#include "profile.h"
#include "stats.h"

#include <cstring>

using namespace meshrt;

namespace {

bool checkAxis(Context *ctx, const char *what, int32_t axis) {
  if (ctx->validAxis(axis))
    return true;
  ctx->fail(MESHRT_INVALID_ARGUMENT, strformat("%s on mesh axis %d, but the mesh has %d axes",
                                               what, axis, ctx->numAxes()));
  return false;
}

bool checkBlocks(Context *ctx, const char *what, int64_t outer, int64_t local, int64_t inner,
                 int32_t elemSize) {
  if (outer >= 0 && local >= 0 && inner >= 0 && elemSize > 0)
    return true;
  ctx->fail(MESHRT_INVALID_ARGUMENT,
            strformat("%s with invalid sizes outer=%lld local=%lld inner=%lld elem_size=%d", what,
                      static_cast<long long>(outer), static_cast<long long>(local),
                      static_cast<long long>(inner), elemSize));
  return false;
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

} // namespace

extern "C" {

void meshrt_allreduce_sum(meshrt_context_t handle, int32_t axes_mask, float *buf, int64_t count) {
  ProfileScope profileScope(ProfileKind::Allreduce);
  Context *ctx = activeContext(handle);
  if (ctx)
    recordCollective(CollectiveKind::AllReduce, axes_mask, count * 4);
  if (!ctx || axes_mask == 0 || count == 0)
    return;
  Communicator *comm = ctx->comm(axes_mask);
  if (!comm || count < 0) {
    ctx->fail(MESHRT_INVALID_ARGUMENT,
              strformat("allreduce over axes mask %d with count %lld on a mesh with %d axes",
                        axes_mask, static_cast<long long>(count), ctx->numAxes()));
    return;
  }
  if (comm->size() > 1)
    ctx->check(comm->allreduceSum(buf, count));
}

void meshrt_allgather(meshrt_context_t handle, int32_t axis, const void *in, void *out,
                      int64_t outer, int64_t local, int64_t inner, int32_t elem_size) {
  ProfileScope profileScope(ProfileKind::Allgather);
  Context *ctx = activeContext(handle);
  if (ctx && ctx->validAxis(axis))
    recordCollective(CollectiveKind::AllGather, 1 << axis, outer * local * inner * elem_size);
  if (!ctx || !checkAxis(ctx, "allgather", axis) ||
      !checkBlocks(ctx, "allgather", outer, local, inner, elem_size))
    return;
  const int64_t p = ctx->axisSize(axis);
  const int64_t rowBytes = local * inner * elem_size; // one rank's part of one outer row
  const int64_t blockBytes = outer * rowBytes;        // one rank's whole input
  if (blockBytes == 0)
    return;
  if (p == 1) {
    if (in != out)
      copyRows(ctx, out, blockBytes, in, blockBytes, 1, blockBytes);
    return;
  }
  Communicator *comm = ctx->comm(1 << axis);
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
  ProfileScope profileScope(ProfileKind::ReduceScatter);
  Context *ctx = activeContext(handle);
  if (ctx && ctx->validAxis(axis))
    recordCollective(CollectiveKind::ReduceScatter, 1 << axis,
                     outer * ctx->axisSize(axis) * local * inner * 4);
  if (!ctx || !checkAxis(ctx, "reduce-scatter", axis) ||
      !checkBlocks(ctx, "reduce-scatter", outer, local, inner, 4))
    return;
  const int64_t p = ctx->axisSize(axis);
  const int64_t rowCount = local * inner;
  const int64_t blockCount = outer * rowCount;
  if (blockCount == 0)
    return;
  if (p == 1) {
    if (in != out)
      copyRows(ctx, out, blockCount * 4, in, blockCount * 4, 1, blockCount * 4);
    return;
  }
  Communicator *comm = ctx->comm(1 << axis);
  if (outer == 1) {
    ctx->check(comm->reduceScatterSum(in, out, blockCount));
    return;
  }
  float *tmp = static_cast<float *>(ctx->scratch(static_cast<size_t>(p * blockCount) * 4));
  if (!tmp)
    return;
  // in is [outer][P][local*inner]; tmp is [P][outer][local*inner], rank c's block at c.
  const int64_t rowBytes = rowCount * 4;
  for (int64_t c = 0; c < p; ++c)
    if (!copyRows(ctx, tmp + c * blockCount, rowBytes, in + c * rowCount, p * rowBytes, outer,
                  rowBytes))
      return;
  ctx->check(comm->reduceScatterSum(tmp, out, blockCount));
}

void meshrt_all_slice(meshrt_context_t handle, int32_t axis, const void *in, void *out,
                      int64_t outer, int64_t local, int64_t inner, int32_t elem_size) {
  ProfileScope profileScope(ProfileKind::AllSlice);
  Context *ctx = activeContext(handle);
  if (ctx && ctx->validAxis(axis))
    recordCollective(CollectiveKind::AllSlice, 1 << axis,
                     outer * ctx->axisSize(axis) * local * inner * elem_size);
  if (!ctx || !checkAxis(ctx, "all-slice", axis) ||
      !checkBlocks(ctx, "all-slice", outer, local, inner, elem_size))
    return;
  const int64_t p = ctx->axisSize(axis);
  const int64_t rowBytes = local * inner * elem_size;
  const char *src = static_cast<const char *>(in) + ctx->coord(axis) * rowBytes;
  copyRows(ctx, out, rowBytes, src, p * rowBytes, outer, rowBytes);
}

void meshrt_alltoall(meshrt_context_t handle, int32_t axis, const void *in, void *out,
                     int64_t block_bytes) {
  ProfileScope profileScope(ProfileKind::Alltoall);
  Context *ctx = activeContext(handle);
  if (ctx && ctx->validAxis(axis))
    recordCollective(CollectiveKind::AllToAll, 1 << axis, ctx->axisSize(axis) * block_bytes);
  if (!ctx || !checkAxis(ctx, "alltoall", axis))
    return;
  if (block_bytes < 0) {
    ctx->fail(MESHRT_INVALID_ARGUMENT, strformat("alltoall with a negative block size (%lld)",
                                                 static_cast<long long>(block_bytes)));
    return;
  }
  if (block_bytes == 0)
    return;
  if (ctx->axisSize(axis) == 1) {
    if (in != out)
      copyRows(ctx, out, block_bytes, in, block_bytes, 1, block_bytes);
    return;
  }
  ctx->check(ctx->comm(1 << axis)->alltoall(in, out, block_bytes));
}

} // extern "C"
