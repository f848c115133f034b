// program_tensors.cpp — meshrt_register_tensor and meshrt_input: the registry of the program's
// global tensors and the input hook that feeds them from files or synthetic data.
#include "program/program_tensors.h"

#include "abi.h"
#include "abi_call.h"
#include "context.h"

using namespace meshrt;

bool ProgramTensor::writesBlock(const Context &ctx) const {
  for (int axis = 0; axis < ctx.numAxes(); ++axis) {
    bool used = false;
    for (int32_t a : dimAxes)
      used |= a == axis;
    if (!used && ctx.coord(axis) != 0)
      return false;
  }
  return true;
}

extern "C" {

int32_t meshrt_register_tensor(meshrt_context_t handle, int32_t role, const char *name,
                               int32_t dtype, int32_t ndims, const int64_t *global_shape,
                               const int32_t *dim_axes, void *buffer, int32_t synthetic_kind,
                               int32_t classes) {
  AbiCall call(handle, ProfileKind::RegisterTensor,
               {{"role", role}, {"dtype", dtype}, {"ndims", ndims}, {"classes", classes}});
  ProgramTensor t;
  if (!call.require(role >= MESHRT_ROLE_INPUT && role <= MESHRT_ROLE_OUTPUT, "unknown role") ||
      !call.require(dtype == MESHRT_DTYPE_F32 || dtype == MESHRT_DTYPE_I32, "unknown dtype") ||
      !call.require(name && *name, "a tensor needs a name") ||
      !call.slice(ndims, global_shape, dim_axes, &t.slice))
    return -1;
  Context *ctx = call.ctx();
  const bool perSample =
      role == MESHRT_ROLE_INPUT || role == MESHRT_ROLE_METRIC || role == MESHRT_ROLE_OUTPUT;
  if (!call.require(!perSample || ndims > 0, "%s '%s' needs a leading sample dim",
                    role == MESHRT_ROLE_INPUT ? "input" : "metric or output", name) ||
      !call.require(role != MESHRT_ROLE_METRIC || dtype == MESHRT_DTYPE_F32,
                    "metric '%s' must be f32", name) ||
      !call.require(buffer != nullptr || t.slice.localCount() == 0, "tensor '%s' has no buffer",
                    name))
    return -1;
  std::vector<ProgramTensor> &tensors = ctx->tensors();
  for (const ProgramTensor &other : tensors)
    if (!call.require(other.name != name, "tensor name '%s' registered twice", name))
      return -1;
  t.id = static_cast<int32_t>(tensors.size());
  t.role = static_cast<meshrt_role_t>(role);
  t.name = name;
  t.dtype = static_cast<meshrt_dtype_t>(dtype);
  t.dimAxes.assign(dim_axes, dim_axes + ndims);
  t.buffer = buffer;
  t.syntheticKind = synthetic_kind;
  t.classes = classes;
  tensors.push_back(std::move(t));
  return tensors.back().id;
}

void meshrt_input(meshrt_context_t handle, int32_t id, int64_t step) {
  Context *ctx = nullptr;
  const ProgramTensor *t = nullptr;
  {
    AbiCall call(handle, ProfileKind::Input, {{"id", id}, {"step", step}});
    if (!call.ctx())
      return;
    ctx = call.ctx();
    const auto &tensors = ctx->tensors();
    if (!call.require(id >= 0 && id < static_cast<int32_t>(tensors.size()) &&
                          tensors[id].role == MESHRT_ROLE_INPUT,
                      "no input with this id"))
      return;
    t = &tensors[id];
    if (InputSource *source = ctx->inputSource(); source && source->binds(*t)) {
      ctx->check(source->fill(*ctx, *t));
      return;
    }
  }
  // Synthetic data, timed under its own kinds.
  const int32_t n = t->slice.ndims;
  if (t->syntheticKind == MESHRT_SYNTHETIC_LABELS)
    meshrt_synthetic_labels(handle, static_cast<int32_t *>(t->buffer), n, t->slice.global,
                            t->dimAxes.data(), step, t->classes);
  else
    meshrt_synthetic_features(handle, static_cast<float *>(t->buffer), n, t->slice.global,
                              t->dimAxes.data(), step, t->classes);
}

} // extern "C"
