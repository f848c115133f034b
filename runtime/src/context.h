// context.h — the runtime context behind meshrt_context_t.
//
// One per process: the mesh and this rank's coordinates, one communicator per group of mesh
// axes, the sticky status, the memory handed to generated code and a reusable scratch buffer
// for collectives that must rearrange blocks. On a device (useDevice), memory and scratch are
// device memory and the communicators are the device's counterparts of the MPI ones.
#ifndef MESHRT_SRC_CONTEXT_H
#define MESHRT_SRC_CONTEXT_H

#include "comm/comm_thread.h"
#include "comm/communicator.h"
#include "device/device.h"
#include "mesh.h"
#include "program/program_tensors.h"
#include "status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meshrt {

namespace cpu {
class Bf16Matmul;
class DnnlCache;
} // namespace cpu

class Context {
public:
  // Collective over `world`. Errors (bad spec, world size != mesh size) are left in the
  // returned context's status; communicators are split only when the checks pass, and every
  // rank takes the same branch, so a failure never hangs.
  static std::unique_ptr<Context> create(const std::string &meshSpec, uint64_t seed,
                                         std::unique_ptr<Communicator> world);
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  // ---- sticky status: the first error wins, later ones are dropped.
  bool ok() const { return code_ == MESHRT_OK; }
  meshrt_status_code_t code() const { return code_; }
  const std::string &message() const { return message_; }
  void fail(meshrt_status_code_t code, std::string message);
  // Prints "error: rank R: <message>" to stderr and ends the whole job (MPI_Abort), for errors
  // generated code cannot continue past.
  [[noreturn]] void abortJob() const;
  // The sticky status as a Status (success where none was recorded).
  Status status() const { return ok() ? Status::success() : Status::error(code_, message_); }
  bool check(const Status &s) {
    if (!s.ok())
      fail(s.code, s.message);
    return s.ok();
  }

  // ---- mesh
  const Mesh &mesh() const { return mesh_; }
  int rank() const { return rank_; }
  int numAxes() const { return mesh_.numAxes(); }
  int64_t axisSize(int axis) const { return mesh_.sizes[axis]; }
  int64_t coord(int axis) const { return coords_[axis]; }
  bool validAxis(int axis) const { return axis >= 0 && axis < numAxes(); }
  // The communicator over the ranks that differ only in the axes of `mask`; null for mask 0,
  // an invalid mask, or a context whose creation failed.
  Communicator *comm(int32_t mask) const;
  uint64_t seed() const { return seed_; }
  // The thread that runs the non-blocking collectives (comm/comm_thread.h), started on first
  // use; null on a device or where commThreadAllowed() says no (they then run in the call).
  CommThread *commThread();
  // Waits for the started collectives to finish (a no-op without a communication thread); on a
  // device, makes the compute stream wait for them (Device::drainStarted). Every blocking
  // collective calls it before it communicates.
  void drainCollectives() {
    if (commThread_)
      commThread_->drain();
    else if (device_)
      check(device_->drainStarted());
  }

  // ---- device
  // Moves memory, kernels and collectives onto a device (meshrt_context_use_device): kind
  // "cpu" or "cuda", precision "fp32"|"tf32"|"bf16", comm "auto"|"nccl"|"staged" (empty:
  // defaults). Collective; every rank ends with the same status.
  void useDevice(const std::string &kind, const std::string &precision, const std::string &comm);
  // The device, or null on the CPU.
  Device *device() const { return device_.get(); }
  // On the CPU: the bf16 matmul of --precision bf16, or null for exact fp32 (dnnl_sgemm).
  cpu::Bf16Matmul *bf16Matmul() const { return bf16Matmul_.get(); }
  // On the CPU: the oneDNN primitives of the CNN kernels, made on first use (dnnl_cache.h).
  // Null (and an error) where oneDNN cannot make an engine.
  cpu::DnnlCache *dnnlCache();
  // "cpu", or the device's name with the precision and collective path chosen.
  const std::string &deviceName() const { return deviceName_; }

  // ---- memory
  // Zero-filled, 64-byte aligned, freed with the context. Null (and an error) on failure.
  void *alloc(int64_t bytes);
  // A buffer of at least `bytes`, reused across calls (contents undefined). Grows
  // geometrically so steady-state steps do not allocate.
  void *scratch(size_t bytes);
  // Where a generator of host data (parameters, synthetic inputs) writes `bytes` meant for
  // `out`: `out` itself on the CPU, reused host staging memory on a device; finishHostWrite
  // then uploads it to `out` (no-op on the CPU). Null (and an error) on failure.
  void *beginHostWrite(void *out, int64_t bytes);
  void finishHostWrite(void *out, const void *staged, int64_t bytes);

  // ---- node-shared buffers (meshrt_alloc_shared): a parameter stored once per node for the
  // ranks of a group of mesh axes, which update it in place together (meshrt_sgd_update_matmul).
  // Collective: shared over comm(mask) where allowed (--shared-params on), on the CPU, and the
  // group's ranks all run on one node; elsewhere alloc()'s buffer of this rank's own. Null (and
  // an error) on failure.
  void *allocShared(int64_t bytes, int32_t mask);
  // The shared memory behind a buffer of allocShared and the mask it is shared over; null (and
  // *mask 0) for any buffer that is not shared.
  SharedMemory *sharedMemory(const void *p, int32_t *mask = nullptr) const;
  // Whether this rank writes `p` where every rank of its group would write the same bytes
  // (initialisation, a checkpoint's parameters): false only for a shared buffer on a rank that
  // is not its group's first. syncSharedWrites() then holds the others back until it is done.
  bool writesBuffer(const void *p) const;
  // Collective over the world: returns once every rank's writes to shared buffers are done (a
  // barrier; nothing where no buffer is shared, which every rank knows alike).
  Status syncSharedWrites();
  // --shared-params off: allocShared never shares (every rank keeps its own copy).
  void setSharedParams(bool allowed) { sharedParams_ = allowed; }

  // ---- the program's registered tensors (meshrt_register_tensor) and the source of input
  // batches (null: synthetic data); the source is owned by meshrt_main's data path.
  std::vector<ProgramTensor> &tensors() { return tensors_; }
  const std::vector<ProgramTensor> &tensors() const { return tensors_; }
  InputSource *inputSource() const { return inputSource_; }
  void setInputSource(InputSource *source) { inputSource_ = source; }

  // ---- the learning-rate schedule's factor for the current step (train/lr_schedule.h): the
  // optimizer updates multiply their compiled learning rate by it. 1 outside a scheduled run.
  float lrFactor() const { return lrFactor_; }
  void setLrFactor(float factor) { lrFactor_ = factor; }

private:
  Context();
  // useDevice's CPU part (kernels/cpu/matmul.cpp): the matmul precision; bf16 where oneDNN runs
  // it on every rank's CPU, tf32 as exact fp32 (CPUs have no tf32 arithmetic), said in the
  // device name either way.
  void useCpuMatmul(const std::string &precision);

  Mesh mesh_;
  int rank_ = 0;
  std::vector<int64_t> coords_;
  uint64_t seed_ = 0;
  std::unique_ptr<Communicator> world_;
  std::vector<std::unique_ptr<Communicator>> comms_; // indexed by axes mask; [0] unused
  std::unique_ptr<Device> device_;
  std::unique_ptr<cpu::Bf16Matmul> bf16Matmul_;
  std::unique_ptr<cpu::DnnlCache> dnnlCache_;
  std::string deviceName_ = "cpu";
  std::vector<std::unique_ptr<Communicator>> deviceComms_; // as comms_, on the device

  meshrt_status_code_t code_ = MESHRT_OK;
  std::string message_;

  std::vector<void *> allocations_;
  void *scratch_ = nullptr;
  size_t scratchBytes_ = 0;
  std::vector<char> hostStaging_;
  struct Shared {
    SharedMemory *memory; // owned by the communicator of `mask`
    int32_t mask;
  };
  std::vector<Shared> shared_; // allocShared's shared buffers
  bool sharedParams_ = true;
  float lrFactor_ = 1.0f;

  std::vector<ProgramTensor> tensors_;
  InputSource *inputSource_ = nullptr;

  // Reset first thing in the destructor: its queued collectives use the memory and the
  // communicators.
  bool commThreadTried_ = false;
  std::unique_ptr<CommThread> commThread_;
};

// This rank's index among the ranks of its node and how many ranks the node has (Open MPI's
// environment, else MPI's shared-memory split; MPI must be initialised).
void nodePlacement(int *localRank, int *localSize);

// The opaque ABI handle is the Context itself.
inline Context *unwrap(meshrt_context_t ctx) { return reinterpret_cast<Context *>(ctx); }
inline meshrt_context_t wrap(Context *ctx) { return reinterpret_cast<meshrt_context_t>(ctx); }

// Kernel prologue: the context if it exists and has no error yet, else null (call is a no-op).
inline Context *activeContext(meshrt_context_t handle) {
  Context *ctx = unwrap(handle);
  return ctx && ctx->ok() ? ctx : nullptr;
}

} // namespace meshrt

#endif // MESHRT_SRC_CONTEXT_H
