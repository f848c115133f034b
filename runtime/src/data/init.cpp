// init.cpp — parameter initialisation from counter-based random numbers.
//
// Element values depend only on (--seed, the parameter's name hash, the global flat index), so
// every layout of a parameter holds slices of one and the same global tensor.
#include "abi_call.h"
#include "data/random.h"
#include "data/slice.h"

using namespace meshrt;

extern "C" void meshrt_init_param(meshrt_context_t handle, float *out, int32_t ndims,
                                  const int64_t *global_shape, const int32_t *dim_axes,
                                  uint64_t name_hash, int32_t init_kind, float scale) {
  AbiCall call(handle, ProfileKind::InitParam, {{"ndims", ndims}, {"init_kind", init_kind}});
  Slice s;
  if (!call.require(init_kind <= MESHRT_INIT_CONSTANT, "unknown init kind") ||
      !call.slice(ndims, global_shape, dim_axes, &s))
    return;
  Context *ctx = call.ctx();
  // A node-shared parameter is written by its group's first rank (meshrt_main then waits for
  // it: Context::syncSharedWrites).
  if (!ctx->writesBuffer(out))
    return;
  const uint64_t prefix = random::hashPrefix(ctx->seed(), name_hash);
  const int64_t bytes = s.localCount() * static_cast<int64_t>(sizeof(float));
  float *host = static_cast<float *>(ctx->beginHostWrite(out, bytes));
  forSliceRows(s, [&](int64_t local, const int64_t *, int64_t flat, int64_t len) {
    float *dst = host + local;
    switch (init_kind) {
    case MESHRT_INIT_ZEROS:
      for (int64_t j = 0; j < len; ++j)
        dst[j] = 0.0f;
      break;
    case MESHRT_INIT_CONSTANT:
      for (int64_t j = 0; j < len; ++j)
        dst[j] = scale;
      break;
    case MESHRT_INIT_UNIFORM:
      for (int64_t j = 0; j < len; ++j)
        dst[j] = scale * random::uniformSym(random::hashAt(prefix, flat + j));
      break;
    case MESHRT_INIT_NORMAL:
      for (int64_t j = 0; j < len; ++j)
        dst[j] = scale * random::normal(random::hashAt(prefix, flat + j));
      break;
    }
  });
  ctx->finishHostWrite(out, host, bytes);
}
