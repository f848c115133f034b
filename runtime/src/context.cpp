// context.cpp — context creation (mesh + communicator splits), sticky status, memory, and the
// context part of the C ABI.
#include "context.h"

#include "comm/mpi_comm.h"
#include "kernels/cpu/dnnl_cache.h"
#include "kernels/cpu/matmul_bf16.h"
#include "stats.h"

#include <mpi.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

#include <unistd.h>

namespace meshrt {

std::unique_ptr<Context> Context::create(const std::string &meshSpec, uint64_t seed,
                                         std::unique_ptr<Communicator> world) {
  std::unique_ptr<Context> ctx(new Context());
  ctx->seed_ = seed;
  ctx->rank_ = world->rank();
  ctx->world_ = std::move(world);
  if (!ctx->check(Mesh::parse(meshSpec, &ctx->mesh_)))
    return ctx;
  const Mesh &mesh = ctx->mesh_;
  if (mesh.numRanks() != ctx->world_->size()) {
    ctx->fail(MESHRT_INVALID_ARGUMENT,
              strformat("mesh %s has %lld positions but the job has %d ranks", meshSpec.c_str(),
                        static_cast<long long>(mesh.numRanks()), ctx->world_->size()));
    return ctx;
  }
  ctx->coords_ = mesh.coordsOf(ctx->rank_);

  // One split per non-empty axis group, in the same order on every rank. Ranks sharing their
  // coordinates on the axes outside the mask form a group; key = world rank keeps group ranks
  // ordered row-major, so on a one-axis group the group rank equals the coordinate.
  int n = mesh.numAxes();
  ctx->comms_.resize(size_t{1} << n);
  for (int32_t mask = 1; mask < (1 << n); ++mask) {
    int64_t color = 0;
    for (int axis = 0; axis < n; ++axis)
      if (!(mask & (1 << axis)))
        color = color * mesh.sizes[axis] + ctx->coords_[axis];
    if (!ctx->check(ctx->world_->split(static_cast<int>(color), ctx->rank_, &ctx->comms_[mask])))
      return ctx;
  }
  for (int axis = 0; axis < n; ++axis)
    if (ctx->comms_[1 << axis]->rank() != ctx->coords_[axis]) {
      ctx->fail(MESHRT_COMM_ERROR, "communicator of a mesh axis is not ordered by coordinate");
      return ctx;
    }
  return ctx;
}

Context::Context() = default;

Context::~Context() {
  commThread_.reset(); // its queued collectives write into the memory freed below
  if (device_) {
    device_->synchronize(); // nothing may still use the memory or the communicators
    deviceComms_.clear();
    for (void *p : allocations_)
      device_->release(p);
    if (scratch_)
      device_->release(scratch_);
    device_.reset();
  } else {
    for (void *p : allocations_)
      std::free(p);
    std::free(scratch_);
  }
  comms_.clear();
  world_.reset();
}

void Context::fail(meshrt_status_code_t code, std::string message) {
  if (code_ != MESHRT_OK || code == MESHRT_OK)
    return;
  code_ = code;
  message_ = std::move(message);
}

void Context::abortJob() const {
  std::fprintf(stderr, "error: rank %d: %s\n", rank_, message_.c_str());
  std::fflush(stderr);
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) {
    // mpirun forwards output asynchronously and MPI_Abort can tear the job down before this
    // rank's last line has been forwarded; the line is the one thing the user needs.
    usleep(200 * 1000);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  std::exit(1);
}

CommThread *Context::commThread() {
  if (!commThreadTried_) {
    commThreadTried_ = true;
    if (!device_ && commThreadAllowed())
      commThread_ = std::make_unique<CommThread>();
  }
  return commThread_.get();
}

Communicator *Context::comm(int32_t mask) const {
  const auto &comms = device_ ? deviceComms_ : comms_;
  if (mask <= 0 || static_cast<size_t>(mask) >= comms.size())
    return nullptr;
  return comms[mask].get();
}

static void *alignedAlloc(size_t bytes) {
  void *p = nullptr;
  // Round up so that vector loads past a tensor's end stay inside the allocation.
  size_t rounded = (bytes + 63) / 64 * 64;
  // Big tensors (weights, gradients, activations) are streamed by matmuls, SGD and the
  // allreduce: on 2 MiB pages (transparent huge pages are usually "madvise" only) they take far
  // fewer TLB misses. The alignment costs at most 2 MiB per allocation of >= 4 MiB.
  constexpr size_t kHuge = size_t{2} << 20;
  if (rounded >= 2 * kHuge) {
    rounded = (rounded + kHuge - 1) / kHuge * kHuge;
    if (posix_memalign(&p, kHuge, rounded) != 0)
      return nullptr;
    madvise(p, rounded, MADV_HUGEPAGE); // advice only: failure leaves normal pages
    return p;
  }
  if (posix_memalign(&p, 64, rounded ? rounded : 64) != 0)
    return nullptr;
  return p;
}

void *Context::alloc(int64_t bytes) {
  if (bytes < 0) {
    fail(MESHRT_INVALID_ARGUMENT,
         strformat("meshrt_alloc(bytes=%lld): bytes is negative", static_cast<long long>(bytes)));
    return nullptr;
  }
  if (device_) {
    void *p = nullptr;
    if (!check(device_->alloc(bytes, &p)))
      return nullptr;
    allocations_.push_back(p);
    return p;
  }
  void *p = alignedAlloc(static_cast<size_t>(bytes));
  if (!p) {
    fail(MESHRT_OUT_OF_MEMORY,
         strformat("meshrt_alloc(bytes=%lld): out of memory", static_cast<long long>(bytes)));
    return nullptr;
  }
  std::memset(p, 0, static_cast<size_t>(bytes));
  allocations_.push_back(p);
  return p;
}

void *Context::scratch(size_t bytes) {
  if (bytes <= scratchBytes_)
    return scratch_;
  size_t grown = scratchBytes_ * 2 > bytes ? scratchBytes_ * 2 : bytes;
  if (device_) {
    if (scratch_)
      device_->release(scratch_);
    scratch_ = nullptr;
    scratchBytes_ = 0;
    if (check(device_->alloc(static_cast<int64_t>(grown), &scratch_)))
      scratchBytes_ = grown;
    return scratch_;
  }
  std::free(scratch_);
  scratch_ = alignedAlloc(grown);
  scratchBytes_ = scratch_ ? grown : 0;
  if (!scratch_)
    fail(MESHRT_OUT_OF_MEMORY, strformat("out of memory allocating %zu bytes of scratch", grown));
  return scratch_;
}

void *Context::allocShared(int64_t bytes, int32_t mask) {
  Communicator *group = comm(mask);
  if (bytes < 0 || !group) {
    fail(MESHRT_INVALID_ARGUMENT,
         strformat("meshrt_alloc_shared(bytes=%lld, axes_mask=%d): %s",
                   static_cast<long long>(bytes), mask,
                   bytes < 0 ? "bytes is negative" : "no group of mesh axes has that mask"));
    return nullptr;
  }
  // The same decision on every rank: the flag is agreed at start-up, the device is every rank's.
  if (!sharedParams_ || device_ || group->size() == 1)
    return alloc(bytes);
  SharedMemory *memory = nullptr;
  if (!check(group->allocateShared(bytes, &memory)))
    return nullptr;
  if (!memory) // not all on one node
    return alloc(bytes);
  shared_.push_back({memory, mask});
  return memory->data();
}

SharedMemory *Context::sharedMemory(const void *p, int32_t *mask) const {
  for (const Shared &shared : shared_)
    if (shared.memory->data() == p) {
      if (mask)
        *mask = shared.mask;
      return shared.memory;
    }
  if (mask)
    *mask = 0;
  return nullptr;
}

bool Context::writesBuffer(const void *p) const {
  int32_t mask = 0;
  return !sharedMemory(p, &mask) || comm(mask)->rank() == 0;
}

Status Context::syncSharedWrites() {
  if (shared_.empty())
    return Status::success();
  std::atomic_thread_fence(std::memory_order_seq_cst);
  Status s = world_->barrier();
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return s;
}

void *Context::beginHostWrite(void *out, int64_t bytes) {
  if (!device_)
    return out;
  if (hostStaging_.size() < static_cast<size_t>(bytes))
    hostStaging_.resize(static_cast<size_t>(bytes));
  return hostStaging_.data();
}

void Context::finishHostWrite(void *out, const void *staged, int64_t bytes) {
  if (device_ && ok() && bytes > 0)
    check(device_->upload(out, staged, bytes));
}

} // namespace meshrt

using namespace meshrt;

extern "C" {

meshrt_context_t meshrt_context_create(const char *mesh_spec, uint64_t seed) {
  std::unique_ptr<Context> ctx =
      Context::create(mesh_spec ? mesh_spec : "", seed, createMpiWorldCommunicator());
  return wrap(ctx.release());
}

void meshrt_context_destroy(meshrt_context_t handle) { delete unwrap(handle); }

meshrt_status_code_t meshrt_context_status(meshrt_context_t handle) {
  return handle ? unwrap(handle)->code() : MESHRT_INVALID_ARGUMENT;
}

const char *meshrt_context_message(meshrt_context_t handle) {
  return handle ? unwrap(handle)->message().c_str() : "null context";
}

void meshrt_context_fail(meshrt_context_t handle, meshrt_status_code_t code, const char *message) {
  if (handle)
    unwrap(handle)->fail(code, message ? message : "unknown error");
}

int32_t meshrt_context_rank(meshrt_context_t handle) {
  return handle ? unwrap(handle)->rank() : -1;
}

int32_t meshrt_mesh_num_axes(meshrt_context_t handle) {
  return handle ? unwrap(handle)->numAxes() : 0;
}

int64_t meshrt_mesh_axis_size(meshrt_context_t handle, int32_t axis) {
  return handle && unwrap(handle)->validAxis(axis) ? unwrap(handle)->axisSize(axis) : 0;
}

int64_t meshrt_mesh_coord(meshrt_context_t handle, int32_t axis) {
  // coords_ is empty when creation failed before the size check.
  Context *c = unwrap(handle);
  return c && c->validAxis(axis) && c->ok() ? c->coord(axis) : -1;
}

void *meshrt_alloc(meshrt_context_t handle, int64_t bytes) {
  Context *c = unwrap(handle);
  if (!c)
    return nullptr;
  // Generated code stores into its buffers directly, not only through kernels that the sticky
  // status turns into no-ops, so a failed allocation cannot be carried to the end of the step.
  void *p = c->alloc(bytes);
  if (!p)
    c->abortJob();
  recordAllocation(bytes);
  return p;
}

void *meshrt_alloc_shared(meshrt_context_t handle, int64_t bytes, int32_t axes_mask) {
  Context *c = unwrap(handle);
  if (!c)
    return nullptr;
  void *p = c->allocShared(bytes, axes_mask);
  if (!p)
    c->abortJob();
  recordAllocation(bytes); // every rank maps all of it: --explain counts it per rank
  return p;
}

} // extern "C"
