// halo.cpp — the halo exchange of a tensor split along one mesh axis, and its adjoint (the ABI's
// meshrt_halo_exchange and meshrt_halo_exchange_grad; see meshrt.h).
//
// A convolution or pooling over a split spatial dim needs, on each rank, a few rows of its
// neighbours' blocks: the tensor is [outer, local, inner] with the split dim in the middle, and
// rank c of the axis (its group rank on the axis's communicator is its coordinate) receives
// the last `lo` rows of rank c-1 and the first `hi` rows of rank c+1. Each direction is one
// Communicator::sendRecv: every rank sends to one neighbour and receives from the other, with
// no peer at the ends of the axis (not periodic), so the chain cannot deadlock. The rows at the
// ends of the axis are edge_value instead (0 for convolution and average pooling, -inf for max
// pooling).
//
// The rows sent are strided in the tensor when outer > 1: they are packed into the context's
// scratch buffer (host or device memory, like the tensor) and the received ones unpacked from
// it; with outer == 1 they are contiguous and travel in place. The same code runs on a device
// through the Device's 2-D copies and fills, and its device communicator (NCCL send/recv, or
// MPI on host copies).
#include "abi_call.h"
#include "stats.h"
#include "watchdog.h"

#include <algorithm>
#include <cstring>

using namespace meshrt;

namespace {

// The rows [first, first + n) of every outer row of a [outer, rows, inner] f32 tensor: where
// they start and how far apart consecutive outer rows are (in floats).
struct Rows {
  float *at;
  int64_t pitch;
};

// dst rows = src rows, `len` floats per outer row.
bool copyRows(Context *ctx, Rows dst, Rows src, int64_t outer, int64_t len) {
  if (outer == 0 || len == 0 || dst.at == src.at)
    return true;
  if (Device *dev = ctx->device())
    return ctx->check(dev->copy2D(dst.at, dst.pitch * 4, src.at, src.pitch * 4, len * 4, outer));
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst.at + o * dst.pitch, src.at + o * src.pitch, static_cast<size_t>(len) * 4);
  return true;
}

// dst rows = value.
bool fillRows(Context *ctx, Rows dst, int64_t outer, int64_t len, float value, float *tmp) {
  if (outer == 0 || len == 0)
    return true;
  if (Device *dev = ctx->device()) {
    // Device::fill is contiguous: fill a packed block, then place it.
    if (dst.pitch == len || outer == 1)
      return ctx->check(dev->fill(outer * len, dst.at, value));
    return ctx->check(dev->fill(outer * len, tmp, value)) &&
           copyRows(ctx, dst, {tmp, len}, outer, len);
  }
  for (int64_t o = 0; o < outer; ++o)
    std::fill(dst.at + o * dst.pitch, dst.at + o * dst.pitch + len, value);
  return true;
}

// dst rows += src rows (src packed: pitch len). `tmp` holds outer * len floats (device only).
bool addRows(Context *ctx, Rows dst, Rows src, int64_t outer, int64_t len, float *tmp) {
  if (outer == 0 || len == 0)
    return true;
  if (Device *dev = ctx->device()) {
    // Device::binary writes a contiguous result: tmp = dst + src, then tmp back into dst.
    const int64_t shape[2] = {outer, len};
    const int64_t dstStrides[2] = {dst.pitch, 1}, srcStrides[2] = {src.pitch, 1};
    return ctx->check(
               dev->binary(MESHRT_ADD, 2, shape, tmp, dst.at, dstStrides, src.at, srcStrides)) &&
           copyRows(ctx, dst, {tmp, len}, outer, len);
  }
  for (int64_t o = 0; o < outer; ++o) {
    float *d = dst.at + o * dst.pitch;
    const float *s = src.at + o * src.pitch;
    for (int64_t i = 0; i < len; ++i)
      d[i] += s[i];
  }
  return true;
}

// The checks both directions share; *total gets lo + local + hi.
bool checkHalo(AbiCall &call, int32_t axis, int64_t outer, int64_t local, int64_t inner, int64_t lo,
               int64_t hi, int64_t *total) {
  return call.require(call.ctx() && call.ctx()->validAxis(axis), "mesh axis %d does not exist",
                      axis) &&
         call.require(lo <= local && hi <= local,
                      "halo rows lo=%lld and hi=%lld must not exceed the local rows %lld (a "
                      "halo comes from the next rank only)",
                      static_cast<long long>(lo), static_cast<long long>(hi),
                      static_cast<long long>(local)) &&
         call.require(!__builtin_add_overflow(lo + hi, local, total),
                      "lo + local + hi overflows") &&
         call.fits({outer, *total, inner}, 4);
}

// The scratch of one exchange: a send and a receive block for each direction and a temporary,
// each of outer * max(lo, hi) * inner floats. Null (and an error) on failure.
float *haloScratch(Context *ctx, int64_t outer, int64_t lo, int64_t hi, int64_t inner,
                   int64_t *block) {
  *block = outer * std::max(lo, hi) * inner;
  // Blocks start on 64-byte boundaries.
  *block = (*block + 15) / 16 * 16;
  return static_cast<float *>(ctx->scratch(static_cast<size_t>(5 * *block) * 4));
}

/// The ranks before and after this one along `axis` (their indices in the axis communicator),
/// -1 beyond the first and last.
std::pair<int, int> neighbours(Context *ctx, int32_t axis) {
  const int64_t p = ctx->axisSize(axis), me = ctx->coord(axis);
  return {me > 0 ? static_cast<int>(me - 1) : -1, me + 1 < p ? static_cast<int>(me + 1) : -1};
}

} // namespace

extern "C" {

void meshrt_halo_exchange(meshrt_context_t handle, int32_t axis, const float *in, float *out,
                          int64_t outer, int64_t local, int64_t inner, int64_t lo, int64_t hi,
                          float edge_value) {
  if (Context *started = unwrap(handle)) // the started collectives run first (collectives.cpp)
    started->drainCollectives();
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::HaloExchange,
               {{"axis", axis, true},
                {"outer", outer},
                {"local", local},
                {"inner", inner},
                {"lo", lo},
                {"hi", hi}});
  int64_t total = 0;
  if (!checkHalo(call, axis, outer, local, inner, lo, hi, &total))
    return;
  Context *context = call.ctx();
  const int64_t haloBytes = outer * (lo + hi) * inner * 4;
  recordCollective(CollectiveKind::HaloExchange, 1 << axis, haloBytes);
  if (outer == 0 || inner == 0 || total == 0)
    return;
  const int64_t row = inner, inPitch = local * inner, outPitch = total * inner;
  float *src = const_cast<float *>(in);
  // The interior.
  if (!copyRows(context, {out + lo * row, outPitch}, {src, inPitch}, outer, local * row))
    return;
  if (lo == 0 && hi == 0)
    return;
  const auto [prev, next] = neighbours(context, axis);
  Communicator *comm = context->comm(1 << axis);
  int64_t block = 0;
  float *scratch =
      outer > 1 || context->device() ? haloScratch(context, outer, lo, hi, inner, &block) : nullptr;
  if ((outer > 1 || context->device()) && !scratch)
    return;
  float *tmp = scratch ? scratch + 4 * block : nullptr;
  WaitScope wait(CollectiveKind::HaloExchange, 1 << axis, haloBytes, site);
  // One direction: my rows [first, first + n) go to `dest`, whose halo they become; the rows
  // `source` sends land in out at row `at`, or are edge_value where there is no source.
  auto exchange = [&](int64_t first, int64_t n, int dest, int source, int64_t at, float *sendBlock,
                      float *recvBlock) {
    if (n == 0)
      return true;
    const int64_t len = n * row;
    Rows send{src + first * row, inPitch}, recv{out + at * row, outPitch};
    // Packed unless the rows are contiguous already (outer == 1).
    if (outer > 1) {
      if (dest >= 0 && !copyRows(context, {sendBlock, len}, send, outer, len))
        return false;
      send = {sendBlock, len};
    }
    Rows landing = outer > 1 ? Rows{recvBlock, len} : recv;
    if ((dest >= 0 || source >= 0) &&
        !context->check(
            comm->sendRecv(send.at, outer * len * 4, dest, landing.at, outer * len * 4, source)))
      return false;
    if (source < 0)
      return fillRows(context, recv, outer, len, edge_value, tmp);
    return copyRows(context, recv, landing, outer, len);
  };
  // lo: my last lo rows to the next rank, the previous rank's into my first lo halo rows;
  // hi: my first hi rows to the previous rank, the next rank's after my interior.
  if (!exchange(local - lo, lo, next, prev, 0, scratch, scratch ? scratch + block : nullptr))
    return;
  exchange(0, hi, prev, next, lo + local, scratch ? scratch + 2 * block : nullptr,
           scratch ? scratch + 3 * block : nullptr);
}

void meshrt_halo_exchange_grad(meshrt_context_t handle, int32_t axis, const float *in, float *out,
                               int64_t outer, int64_t local, int64_t inner, int64_t lo,
                               int64_t hi) {
  if (Context *started = unwrap(handle)) // the started collectives run first (collectives.cpp)
    started->drainCollectives();
  const CollectiveSite site = takeNextCollectiveSite();
  AbiCall call(handle, ProfileKind::HaloExchangeGrad,
               {{"axis", axis, true},
                {"outer", outer},
                {"local", local},
                {"inner", inner},
                {"lo", lo},
                {"hi", hi}});
  int64_t total = 0;
  if (!checkHalo(call, axis, outer, local, inner, lo, hi, &total))
    return;
  Context *context = call.ctx();
  const int64_t haloBytes = outer * (lo + hi) * inner * 4;
  recordCollective(CollectiveKind::HaloExchangeGrad, 1 << axis, haloBytes);
  if (outer == 0 || inner == 0 || local == 0)
    return;
  const int64_t row = inner, inPitch = total * inner, outPitch = local * inner;
  float *src = const_cast<float *>(in);
  if (!copyRows(context, {out, outPitch}, {src + lo * row, inPitch}, outer, local * row))
    return;
  if (lo == 0 && hi == 0)
    return;
  const auto [prev, next] = neighbours(context, axis);
  Communicator *comm = context->comm(1 << axis);
  int64_t block = 0;
  // Received gradients are added, so they always land in scratch first.
  float *scratch = haloScratch(context, outer, lo, hi, inner, &block);
  if (!scratch)
    return;
  float *tmp = scratch + 4 * block;
  WaitScope wait(CollectiveKind::HaloExchangeGrad, 1 << axis, haloBytes, site);
  // One direction: my halo rows [first, first + n) of `in` go back to `dest`, who lent them;
  // `source`'s halo rows that I lent add onto my rows [at, at + n).
  auto exchange = [&](int64_t first, int64_t n, int dest, int source, int64_t at, float *sendBlock,
                      float *recvBlock) {
    if (n == 0)
      return true;
    const int64_t len = n * row;
    Rows send{src + first * row, inPitch};
    if (outer > 1) {
      if (dest >= 0 && !copyRows(context, {sendBlock, len}, send, outer, len))
        return false;
      send = {sendBlock, len};
    }
    if ((dest >= 0 || source >= 0) &&
        !context->check(
            comm->sendRecv(send.at, outer * len * 4, dest, recvBlock, outer * len * 4, source)))
      return false;
    return source < 0 ||
           addRows(context, {out + at * row, outPitch}, {recvBlock, len}, outer, len, tmp);
  };
  // My lo halo rows are the previous rank's last lo rows; the next rank's lo halo rows are my
  // last lo rows. My hi halo rows are the next rank's first hi rows; the previous rank's hi
  // halo rows are my first hi rows.
  if (!exchange(0, lo, prev, next, local - lo, scratch, scratch + block))
    return;
  exchange(lo + local, hi, next, prev, 0, scratch + 2 * block, scratch + 3 * block);
}

} // extern "C"
