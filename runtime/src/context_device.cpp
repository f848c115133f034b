// context_device.cpp — putting a context on a device (--device cuda) and the device part of the
// C ABI: device count, host <-> buffer copies, the scalar read generated code uses for the loss.
//
// Every decision that ranks must share (did every rank get its GPU, do ranks share a GPU so
// that NCCL cannot be used) is agreed over the world communicator before anything collective
// happens on the device, so a failure on one rank never leaves the others waiting.
#include "abi_call.h"
#include "context.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace meshrt {

void nodePlacement(int *localRank, int *localSize) {
  const char *rank = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
  const char *size = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (rank && size && std::atoi(size) > 0) {
    *localRank = std::atoi(rank);
    *localSize = std::atoi(size);
    return;
  }
  // Other launchers: ask MPI which ranks share memory with this one.
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, localRank);
  MPI_Comm_size(node, localSize);
  MPI_Comm_free(&node);
}

namespace {

bool parsePrecision(const std::string &s, MatmulPrecision *out) {
  if (s.empty() || s == "fp32")
    *out = MatmulPrecision::FP32;
  else if (s == "tf32")
    *out = MatmulPrecision::TF32;
  else if (s == "bf16")
    *out = MatmulPrecision::BF16;
  else
    return false;
  return true;
}

// A short per-rank record shared with allgather: whether the rank failed, its status code and
// the start of its message.
struct RankOutcome {
  int32_t failed = 0;
  int32_t code = MESHRT_OK;
  int32_t wantsStaging = 0;
  char message[1012] = {}; // room for a plugin path and the loader's reason
};

} // namespace

void Context::useDevice(const std::string &kind, const std::string &precision,
                        const std::string &commMode) {
  if (!ok())
    return;
  if (kind.empty() || kind == "cpu")
    return useCpuMatmul(precision);
  MatmulPrecision matmulPrecision;
  // The arguments are the same on every rank (flags of one command line), so these checks
  // fail everywhere alike.
  if (kind != "cuda") {
    fail(MESHRT_INVALID_ARGUMENT,
         strformat("unknown device '%s' (expected cpu or cuda)", kind.c_str()));
    return;
  }
  if (!parsePrecision(precision, &matmulPrecision)) {
    fail(MESHRT_INVALID_ARGUMENT,
         strformat("unknown matmul precision '%s' (expected fp32, tf32 or bf16)",
                   precision.c_str()));
    return;
  }
  if (!commMode.empty() && commMode != "auto" && commMode != "nccl" && commMode != "staged") {
    fail(MESHRT_INVALID_ARGUMENT,
         strformat("unknown collective path '%s' (expected auto, nccl or staged)",
                   commMode.c_str()));
    return;
  }
  if (device_ || !allocations_.empty() || scratch_) {
    fail(MESHRT_INVALID_ARGUMENT,
         "meshrt_context_use_device after the context allocated memory or chose a device");
    return;
  }

  int localRank = 0, localSize = 1;
  nodePlacement(&localRank, &localSize);
  std::unique_ptr<Device> device;
  Status created = createCudaDevice(matmulPrecision, localRank, &device);
  RankOutcome mine;
  mine.failed = !created.ok();
  mine.code = created.code;
  mine.wantsStaging = localSize > cudaDeviceCount(); // ranks would share a GPU
  std::snprintf(mine.message, sizeof(mine.message), "%s", created.message.c_str());
  std::vector<RankOutcome> all(static_cast<size_t>(world_->size()));
  if (!check(world_->allgather(&mine, all.data(), sizeof(RankOutcome))))
    return;
  for (size_t r = 0; r < all.size(); ++r)
    if (all[r].failed) {
      fail(static_cast<meshrt_status_code_t>(all[r].code),
           strformat("--device cuda on rank %zu: %s", r, all[r].message));
      return;
    }
  bool staged = commMode == "staged";
  if (commMode.empty() || commMode == "auto")
    staged = std::any_of(all.begin(), all.end(),
                         [](const RankOutcome &o) { return o.wantsStaging != 0; });

  // From here on a failure is not agreed, and the other ranks may already wait inside a
  // collective set-up (ncclCommInitRank): the only way out that never hangs is to end the job.
  deviceComms_.resize(comms_.size());
  for (size_t mask = 1; mask < comms_.size(); ++mask)
    if (!check(device->makeCommunicator(*comms_[mask], staged, &deviceComms_[mask])))
      abortJob();
  const char *precisionName = matmulPrecision == MatmulPrecision::TF32   ? "tf32"
                              : matmulPrecision == MatmulPrecision::BF16 ? "bf16"
                                                                         : "fp32";
  deviceName_ = strformat("%s, matmul %s, collectives %s", device->name().c_str(), precisionName,
                          staged ? "staged through host MPI" : "nccl");
  device_ = std::move(device);
}

} // namespace meshrt

using namespace meshrt;

extern "C" {

int32_t meshrt_device_count(const char *kind) {
  if (!kind || std::strcmp(kind, "cpu") == 0)
    return 1;
  if (std::strcmp(kind, "cuda") == 0)
    return cudaDeviceCount();
  return 0;
}

meshrt_status_code_t meshrt_context_use_device(meshrt_context_t handle, const char *kind,
                                               const char *precision, const char *comm) {
  Context *ctx = unwrap(handle);
  if (!ctx)
    return MESHRT_INVALID_ARGUMENT;
  ctx->useDevice(kind ? kind : "", precision ? precision : "", comm ? comm : "");
  return ctx->code();
}

const char *meshrt_context_device_name(meshrt_context_t handle) {
  Context *ctx = unwrap(handle);
  return ctx ? ctx->deviceName().c_str() : "";
}

void meshrt_copy_to_host(meshrt_context_t handle, void *dst, const void *src, int64_t bytes) {
  AbiCall call(handle, ProfileKind::CopyToHost, {{"bytes", bytes}});
  Context *ctx = call.ctx();
  if (!ctx || bytes == 0)
    return;
  if (Device *dev = ctx->device())
    ctx->check(dev->download(dst, src, bytes));
  else
    std::memcpy(dst, src, static_cast<size_t>(bytes));
}

void meshrt_copy_from_host(meshrt_context_t handle, void *dst, const void *src, int64_t bytes) {
  AbiCall call(handle, ProfileKind::CopyFromHost, {{"bytes", bytes}});
  Context *ctx = call.ctx();
  if (!ctx || bytes == 0)
    return;
  if (Device *dev = ctx->device())
    ctx->check(dev->upload(dst, src, bytes));
  else
    std::memcpy(dst, src, static_cast<size_t>(bytes));
}

float meshrt_load_f32(meshrt_context_t handle, const float *src) {
  float value = 0.0f;
  meshrt_copy_to_host(handle, &value, src, sizeof(float));
  return value;
}

} // extern "C"
