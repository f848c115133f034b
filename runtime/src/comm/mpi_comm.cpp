// mpi_comm.cpp — Communicator over MPI: MPI_Comm_split plus the blocking collectives.
//
// Communicators made here use MPI_ERRORS_RETURN so that a failed collective becomes a sticky
// context error (reported by meshrt_main after the step) instead of killing the job from
// inside the library without a message.
#include "comm/mpi_comm.h"

#include <mpi.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace meshrt {
namespace {

Status mpiError(const char *what, int err) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(err, text, &len);
  return Status::error(MESHRT_COMM_ERROR, strformat("%s failed: %.*s", what, len, text));
}

// MPI counts are int: move bytes as 4-byte words where possible, which takes the limit per
// message from 2 GiB to 8 GiB; larger messages are an error, not a silent truncation.
Status byteCount(const char *what, int64_t bytes, MPI_Datatype *type, int *count) {
  int64_t n = bytes;
  *type = MPI_BYTE;
  if (bytes % 4 == 0) {
    n = bytes / 4;
    *type = MPI_UINT32_T;
  }
  if (n > INT_MAX)
    return Status::error(MESHRT_COMM_ERROR,
                         strformat("%s of %lld bytes per rank exceeds the MPI count limit", what,
                                   static_cast<long long>(bytes)));
  *count = static_cast<int>(n);
  return Status::success();
}

// Allreduce of large float buffers among ranks that share one node, through an MPI-3 shared
// memory window instead of MPI_Allreduce. Open MPI's shared-memory transport moves a large
// allreduce at ~2.5-4 GB/s here (every byte is copied through FIFOs and temporaries that do not
// stay in cache); this path reads each rank's buffer once and writes it once, and everything
// else stays in cache, so it runs near the memory bandwidth.
//
// The buffer goes in chunks of kChunk floats, software-pipelined over kSlots slots per rank. In
// step s a rank
//   A: copies its chunk s into a slot,
//   B: sums part `rank` of chunk s-1 over all ranks' slots (in rank order, so the result is
//      deterministic) into its buffer and into its own slot,
//   C: copies the other ranks' summed parts of chunk s-2 from their slots into its buffer,
// then publishes that it finished the step. The ranks meet through those step counters, one
// per rank in the window, not through MPI_Barrier: B and C of step s need every rank past step
// s-1, and A may rewrite a slot once every rank is past the steps that read it. Steps are
// numbered across calls (every rank makes the same calls), so one call's first steps also wait
// for the readers of the previous call's last chunks. A rank that waits spins briefly, then
// yields its core: on a node with more runnable processes than cores (a shared machine) the
// rank it waits for may need that core, and a barrier that spins through its time slice made a
// 256 MiB allreduce 2-5x slower than MPI_Allreduce there. All ranks end with identical bits.
class ShmAllreduce {
public:
  static constexpr int64_t kChunk = int64_t{1} << 16; // floats per slot: 256 KiB
  static constexpr int kSlots = 4; // A runs a step ahead of the slowest rank's B and C
  // Each rank's part of the window: its step counter on a cache line of its own, then its slots.
  static constexpr int64_t kHeaderFloats = 64 / sizeof(float);
  static constexpr std::chrono::microseconds kSpin{200};

  // Collective over comm. Returns null where the ranks do not all share one node or the
  // window cannot be made; callers then use MPI_Allreduce.
  static std::unique_ptr<ShmAllreduce> create(MPI_Comm comm) {
    int size = 1, rank = 0;
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm node;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node))
      return nullptr;
    int nodeSize = 0;
    MPI_Comm_size(node, &nodeSize);
    int allLocal = nodeSize == size, everywhere = 0;
    MPI_Allreduce(&allLocal, &everywhere, 1, MPI_INT, MPI_MIN, comm);
    if (!everywhere) {
      MPI_Comm_free(&node);
      return nullptr;
    }
    auto s = std::unique_ptr<ShmAllreduce>(new ShmAllreduce);
    s->node_ = node;
    MPI_Comm_rank(node, &s->rank_);
    s->size_ = nodeSize;
    void *base = nullptr;
    const MPI_Aint bytes = static_cast<MPI_Aint>((kHeaderFloats + kSlots * kChunk) * sizeof(float));
    int err = MPI_Win_allocate_shared(bytes, sizeof(float), MPI_INFO_NULL, node, &base, &s->win_);
    int good = err == MPI_SUCCESS, allGood = 0;
    MPI_Allreduce(&good, &allGood, 1, MPI_INT, MPI_MIN, node);
    if (!allGood) {
      if (good)
        MPI_Win_free(&s->win_);
      s->win_ = MPI_WIN_NULL;
      return nullptr; // the destructor frees node_
    }
    s->slots_.resize(static_cast<size_t>(nodeSize));
    s->done_.resize(static_cast<size_t>(nodeSize));
    for (int r = 0; r < nodeSize; ++r) {
      MPI_Aint size = 0;
      int disp = 0;
      void *ptr = nullptr;
      MPI_Win_shared_query(s->win_, r, &size, &disp, &ptr);
      s->done_[static_cast<size_t>(r)] = static_cast<int64_t *>(ptr);
      s->slots_[static_cast<size_t>(r)] = static_cast<float *>(ptr) + kHeaderFloats;
    }
    MPI_Win_lock_all(MPI_MODE_NOCHECK, s->win_);
    __atomic_store_n(s->done_[static_cast<size_t>(s->rank_)], int64_t{0}, __ATOMIC_RELEASE);
    MPI_Win_sync(s->win_);
    MPI_Barrier(node); // every counter is 0 before anyone reads one
    return s;
  }

  ~ShmAllreduce() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized)
      return;
    if (win_ != MPI_WIN_NULL) {
      MPI_Win_unlock_all(win_);
      MPI_Win_free(&win_);
    }
    MPI_Comm_free(&node_);
  }

  Status allreduceSum(float *buf, int64_t count) {
    const int64_t chunks = (count + kChunk - 1) / kChunk;
    const int64_t base = step_; // this call's step s is step base + s of the communicator
    for (int64_t s = 0; s < chunks + 2; ++s) {
      const int64_t g = base + s;
      if (s < chunks) { // A: the slot's last readers were steps g-kSlots+1 and g-kSlots+2
        waitAll(g - kSlots + 3);
        std::memcpy(slot(rank_, g), buf + s * kChunk,
                    static_cast<size_t>(chunkLen(s, count)) * sizeof(float));
      }
      if (s >= 1)
        waitAll(g);                 // every rank wrote chunk s-1 (A) and summed chunk s-2 (B)
      if (s >= 1 && s - 1 < chunks) // B
        reducePart(buf, s - 1, g - 1, count);
      if (s >= 2) // C
        for (int r = 0; r < size_; ++r) {
          if (r == rank_)
            continue;
          int64_t lo, hi;
          part(chunkLen(s - 2, count), r, &lo, &hi);
          std::memcpy(buf + (s - 2) * kChunk + lo, slot(r, g - 2) + lo,
                      static_cast<size_t>(hi - lo) * sizeof(float));
        }
      __atomic_store_n(done_[static_cast<size_t>(rank_)], g + 1, __ATOMIC_RELEASE);
    }
    step_ = base + chunks + 2;
    return Status::success();
  }

private:
  ShmAllreduce() = default;

  // The slot that the chunk whose A ran at step g occupies.
  float *slot(int r, int64_t g) const {
    return slots_[static_cast<size_t>(r)] + (g % kSlots) * kChunk;
  }
  static int64_t chunkLen(int64_t chunk, int64_t count) {
    return std::min(kChunk, count - chunk * kChunk);
  }
  // Part r of a chunk of len floats, cut on 16-float boundaries (whole cache lines).
  void part(int64_t len, int r, int64_t *lo, int64_t *hi) const {
    *lo = r == 0 ? 0 : std::min(len, (len * r / size_ + 15) & ~int64_t{15});
    *hi = r == size_ - 1 ? len : std::min(len, (len * (r + 1) / size_ + 15) & ~int64_t{15});
  }

  // Until every other rank has finished `steps` steps (their counters >= steps). A rank that
  // is behind by about a chunk's work (~50 us) is waited for spinning; past kSpin it has
  // probably lost its core, and this one yields its own. Measured on 2 ranks under load 5-6,
  // 3 runs each: yielding at once made 1-4 MiB allreduces 1.1-14x slower than MPI_Allreduce
  // (the waiting rank loses its core for a time slice even when its peer is running); never
  // yielding and 200 us both beat it at every size, 200 us by more at 64 MiB.
  void waitAll(int64_t steps) const {
    for (int r = 0; r < size_; ++r) {
      if (r == rank_)
        continue;
      const int64_t *done = done_[static_cast<size_t>(r)];
      if (__atomic_load_n(done, __ATOMIC_ACQUIRE) >= steps)
        continue;
      const auto start = std::chrono::steady_clock::now();
      bool spin = true;
      for (int i = 0; __atomic_load_n(done, __ATOMIC_ACQUIRE) < steps; ++i) {
        if (!spin) {
          sched_yield();
          continue;
        }
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (i % 64 == 63)
          spin = std::chrono::steady_clock::now() - start < kSpin;
      }
    }
  }

  // B of `chunk`, whose A ran at step g.
  void reducePart(float *buf, int64_t chunk, int64_t g, int64_t count) {
    int64_t lo, hi;
    part(chunkLen(chunk, count), rank_, &lo, &hi);
    float *__restrict dst = buf + chunk * kChunk;
    float *__restrict mine = slot(rank_, g);
    if (size_ == 2) {
      const float *__restrict a = slot(0, g), *__restrict b = slot(1, g);
      for (int64_t i = lo; i < hi; ++i) {
        const float v = a[i] + b[i];
        dst[i] = v;
        mine[i] = v;
      }
      return;
    }
    for (int64_t i = lo; i < hi; ++i) {
      float v = slot(0, g)[i];
      for (int r = 1; r < size_; ++r)
        v += slot(r, g)[i];
      dst[i] = v;
      mine[i] = v;
    }
  }

  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win win_ = MPI_WIN_NULL;
  int rank_ = 0, size_ = 1;
  std::vector<float *> slots_;
  std::vector<int64_t *> done_; // each rank's count of finished steps, in the window
  int64_t step_ = 0;            // steps of all calls so far (the same on every rank)
};

class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(MPI_Comm comm, bool owned) : comm_(comm), owned_(owned) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  }
  ~MpiCommunicator() override {
    shm_.reset(); // frees its window and node communicator while comm_ is alive
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owned_ && !finalized)
      MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status split(int color, int key, std::unique_ptr<Communicator> *out) override {
    MPI_Comm sub;
    if (int err = MPI_Comm_split(comm_, color, key, &sub))
      return mpiError("MPI_Comm_split", err);
    *out = std::make_unique<MpiCommunicator>(sub, /*owned=*/true);
    return Status::success();
  }

  Status barrier() override {
    if (int err = MPI_Barrier(comm_))
      return mpiError("MPI_Barrier", err);
    return Status::success();
  }

  Status allreduceSum(float *buf, int64_t count) override {
    // Large buffers (gradients) on one node: the shared-memory path, set up on first use. Every
    // rank makes the same calls with the same counts, so the set-up is collective-safe.
    if (count >= kShmMinCount && size_ > 1) {
      if (!shmTried_) {
        shmTried_ = true;
        // MESHRT_SHM_ALLREDUCE=0 keeps MPI_Allreduce (for comparisons); read on every rank.
        const char *env = std::getenv("MESHRT_SHM_ALLREDUCE");
        if (!(env && std::strcmp(env, "0") == 0))
          shm_ = ShmAllreduce::create(comm_);
      }
      if (shm_)
        return shm_->allreduceSum(buf, count);
    }
    // Chunked because MPI counts are int; one chunk in all realistic cases.
    constexpr int64_t kChunk = int64_t{1} << 30;
    for (int64_t done = 0; done < count; done += kChunk) {
      int n = static_cast<int>(count - done < kChunk ? count - done : kChunk);
      if (int err = MPI_Allreduce(MPI_IN_PLACE, buf + done, n, MPI_FLOAT, MPI_SUM, comm_))
        return mpiError("MPI_Allreduce", err);
    }
    return Status::success();
  }

  // Row maxima of [batch, seq] (small): MPI_Allreduce, chunked like the sum.
  Status allreduceMax(float *buf, int64_t count) override {
    constexpr int64_t kChunk = int64_t{1} << 30;
    for (int64_t done = 0; done < count; done += kChunk) {
      int n = static_cast<int>(count - done < kChunk ? count - done : kChunk);
      if (int err = MPI_Allreduce(MPI_IN_PLACE, buf + done, n, MPI_FLOAT, MPI_MAX, comm_))
        return mpiError("MPI_Allreduce (max)", err);
    }
    return Status::success();
  }

  Status allgather(const void *in, void *out, int64_t bytes) override {
    MPI_Datatype type;
    int count;
    if (Status s = byteCount("allgather", bytes, &type, &count); !s.ok())
      return s;
    // MPI forbids overlapping buffers; in place, this rank's block is already where it goes.
    const bool inPlace = in == static_cast<const char *>(out) + static_cast<int64_t>(rank_) * bytes;
    if (int err = MPI_Allgather(inPlace ? MPI_IN_PLACE : in, count, type, out, count, type, comm_))
      return mpiError("MPI_Allgather", err);
    return Status::success();
  }

  Status reduceScatterSum(const float *in, float *out, int64_t count) override {
    if (count > INT_MAX)
      return Status::error(MESHRT_COMM_ERROR,
                           strformat("reduce-scatter of %lld elements per rank exceeds the MPI "
                                     "count limit",
                                     static_cast<long long>(count)));
    if (int err =
            MPI_Reduce_scatter_block(in, out, static_cast<int>(count), MPI_FLOAT, MPI_SUM, comm_))
      return mpiError("MPI_Reduce_scatter_block", err);
    return Status::success();
  }

  // MPI counts are int. Allgather and all-to-all move 4-byte words where the size allows
  // (byteCount), reduce-scatter floats: so 2^31-1 elements of 4 bytes (or bytes, unaligned).
  // Chunking them would need derived datatypes with resized extents: not worth it for blocks
  // of 8 GiB per rank, which no model that fits these ranks' memory sends; the refusal names
  // the call and its sizes (collectives.cpp). Allreduce is chunked below.
  bool fitsOneMessage(int64_t bytes) const override {
    return (bytes % 4 == 0 ? bytes / 4 : bytes) <= INT_MAX;
  }

  Status alltoall(const void *in, void *out, int64_t bytes) override {
    MPI_Datatype type;
    int count;
    if (Status s = byteCount("alltoall", bytes, &type, &count); !s.ok())
      return s;
    if (int err = MPI_Alltoall(in, count, type, out, count, type, comm_))
      return mpiError("MPI_Alltoall", err);
    return Status::success();
  }

  Status sendRecv(const void *send, int64_t sendBytes, int dest, void *recv, int64_t recvBytes,
                  int source) override {
    MPI_Datatype sendType, recvType;
    int sendCount = 0, recvCount = 0;
    if (Status s = byteCount("send of a halo", dest < 0 ? 0 : sendBytes, &sendType, &sendCount);
        !s.ok())
      return s;
    if (Status s =
            byteCount("receive of a halo", source < 0 ? 0 : recvBytes, &recvType, &recvCount);
        !s.ok())
      return s;
    if (int err =
            MPI_Sendrecv(send, sendCount, sendType, dest < 0 ? MPI_PROC_NULL : dest, kSendRecvTag,
                         recv, recvCount, recvType, source < 0 ? MPI_PROC_NULL : source,
                         kSendRecvTag, comm_, MPI_STATUS_IGNORE))
      return mpiError("MPI_Sendrecv", err);
    return Status::success();
  }

private:
  static constexpr int kSendRecvTag = 12;
  static constexpr int64_t kShmMinCount = int64_t{1} << 16;

  MPI_Comm comm_;
  bool owned_;
  bool shmTried_ = false;
  std::unique_ptr<ShmAllreduce> shm_;
  int rank_ = 0;
  int size_ = 1;
};

} // namespace

std::unique_ptr<Communicator> createMpiWorldCommunicator() {
  return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, /*owned=*/false);
}

} // namespace meshrt
