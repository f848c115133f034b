// shm_collectives.cpp — the shared-memory allreduce, reduce-scatter and allgather
// (shm_collectives.h).
//
// Every collective goes in chunks, one per step, software-pipelined over kSlots slots per
// rank. In step s a rank
//   A: copies its chunk s into a slot (allgather: its bytes; reduce-scatter: the s-th piece of
//      every block, side by side; allreduce: its chunk),
//   B: consumes chunk s-1 from all ranks' slots (allgather: copies the others' pieces into
//      their blocks of out; reduce-scatter: sums its own block's piece over the ranks' slots in
//      rank order into out; allreduce: sums part `rank` of the chunk into its buffer and into
//      its own slot),
//   C: (allreduce only) copies the other ranks' summed parts of chunk s-2 into its buffer,
// then publishes that it finished the step. The ranks meet through those step counters, one
// per rank in the window, not through MPI_Barrier: B and C of step s need every rank past step
// s-1, and A may rewrite a slot once every rank is past the steps that read it (B and C run at
// most two steps after A, whatever the collective). Steps are numbered across calls of all
// three collectives (every rank makes the same calls), so one call's first steps also wait for
// the readers of the previous call's last chunks. A rank that waits spins briefly, then yields
// its core (comm/spin_wait.h).
#include "comm/shm_collectives.h"
#include "comm/one_node.h"
#include "comm/spin_wait.h"

#include <algorithm>
#include <cstring>

namespace meshrt {
namespace {

// Each rank's part of the window: its step counter on a cache line of its own, then its slots.
constexpr int64_t kHeaderFloats = 64 / sizeof(float);

} // namespace

std::unique_ptr<ShmCollectives> ShmCollectives::create(MPI_Comm comm) {
  MPI_Comm node;
  if (splitIfOneNode(comm, &node) || node == MPI_COMM_NULL)
    return nullptr;
  int nodeSize = 0;
  MPI_Comm_size(node, &nodeSize);
  auto s = std::unique_ptr<ShmCollectives>(new ShmCollectives);
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

ShmCollectives::~ShmCollectives() {
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

// Part r of an allreduce chunk of len floats, cut on 16-float boundaries (whole cache lines).
void ShmCollectives::part(int64_t len, int r, int64_t *lo, int64_t *hi) const {
  *lo = r == 0 ? 0 : std::min(len, (len * r / size_ + 15) & ~int64_t{15});
  *hi = r == size_ - 1 ? len : std::min(len, (len * (r + 1) / size_ + 15) & ~int64_t{15});
}

// Until every other rank has finished `steps` steps (their counters >= steps). A rank that
// is behind by about a chunk's work (~50 us) is waited for spinning; past kSpin it has
// probably lost its core, and this one yields its own. Measured on 2 ranks under load 5-6,
// 3 runs each: yielding at once made 1-4 MiB allreduces 1.1-14x slower than MPI_Allreduce
// (the waiting rank loses its core for a time slice even when its peer is running); never
// yielding and 200 us both beat it at every size, 200 us by more at 64 MiB.
void ShmCollectives::waitAll(int64_t steps) const {
  for (int r = 0; r < size_; ++r)
    if (r != rank_)
      waitForCounter(done_[static_cast<size_t>(r)], steps);
}

// ((s0 + s1) + s2) + ... element by element: the same additions in the same order for the
// allreduce and the reduce-scatter, so both give the same bits.
void ShmCollectives::sumSlots(float *dst, int64_t g, int64_t off, int64_t len) const {
  float *__restrict d = dst;
  const float *__restrict a = slot(0, g) + off, *__restrict b = slot(1, g) + off;
  for (int64_t i = 0; i < len; ++i)
    d[i] = a[i] + b[i];
  for (int r = 2; r < size_; ++r) {
    const float *__restrict c = slot(r, g) + off;
    for (int64_t i = 0; i < len; ++i)
      d[i] += c[i];
  }
}

Status ShmCollectives::allreduceSum(float *buf, int64_t count) {
  auto chunkLen = [count](int64_t chunk) { return std::min(kChunk, count - chunk * kChunk); };
  const int64_t chunks = (count + kChunk - 1) / kChunk;
  const int64_t base = step_; // this call's step s is step base + s of the window
  for (int64_t s = 0; s < chunks + 2; ++s) {
    const int64_t g = base + s;
    if (s < chunks) { // A
      waitForSlot(g);
      std::memcpy(slot(rank_, g), buf + s * kChunk,
                  static_cast<size_t>(chunkLen(s)) * sizeof(float));
    }
    if (s >= 1)
      waitAll(g);                   // every rank wrote chunk s-1 (A) and summed chunk s-2 (B)
    if (s >= 1 && s - 1 < chunks) { // B: part `rank` of chunk s-1, into buf and into the slot
      int64_t lo, hi;
      part(chunkLen(s - 1), rank_, &lo, &hi);
      float *dst = buf + (s - 1) * kChunk + lo;
      sumSlots(dst, g - 1, lo, hi - lo);
      std::memcpy(slot(rank_, g - 1) + lo, dst, static_cast<size_t>(hi - lo) * sizeof(float));
    }
    if (s >= 2) // C
      for (int r = 0; r < size_; ++r) {
        if (r == rank_)
          continue;
        int64_t lo, hi;
        part(chunkLen(s - 2), r, &lo, &hi);
        std::memcpy(buf + (s - 2) * kChunk + lo, slot(r, g - 2) + lo,
                    static_cast<size_t>(hi - lo) * sizeof(float));
      }
    publish(g);
  }
  step_ = base + chunks + 2;
  return Status::success();
}

Status ShmCollectives::reduceScatterSum(const float *in, float *out, int64_t count) {
  // A slot holds one piece of `piece` floats of every block, block j's at j * piece.
  const int64_t piece = (kChunk / size_) & ~int64_t{15};
  auto pieceLen = [count, piece](int64_t s) { return std::min(piece, count - s * piece); };
  const int64_t chunks = (count + piece - 1) / piece;
  const int64_t base = step_;
  for (int64_t s = 0; s < chunks + 1; ++s) {
    const int64_t g = base + s;
    if (s < chunks) { // A
      waitForSlot(g);
      const size_t len = static_cast<size_t>(pieceLen(s)) * sizeof(float);
      for (int j = 0; j < size_; ++j)
        std::memcpy(slot(rank_, g) + j * piece, in + j * count + s * piece, len);
    }
    if (s >= 1) { // B
      waitAll(g);
      sumSlots(out + (s - 1) * piece, g - 1, rank_ * piece, pieceLen(s - 1));
    }
    publish(g);
  }
  step_ = base + chunks + 1;
  return Status::success();
}

Status ShmCollectives::allgather(const void *in, void *out, int64_t bytes) {
  static constexpr int64_t kChunkBytes = kChunk * static_cast<int64_t>(sizeof(float));
  auto chunkLen = [bytes](int64_t s) {
    return static_cast<size_t>(std::min(kChunkBytes, bytes - s * kChunkBytes));
  };
  const char *src = static_cast<const char *>(in);
  char *dst = static_cast<char *>(out);
  // In place (a sharded update's parameter), this rank's block is already where it goes.
  if (src != dst + rank_ * bytes)
    std::memcpy(dst + rank_ * bytes, src, static_cast<size_t>(bytes));
  const int64_t chunks = (bytes + kChunkBytes - 1) / kChunkBytes;
  const int64_t base = step_;
  for (int64_t s = 0; s < chunks + 1; ++s) {
    const int64_t g = base + s;
    if (s < chunks) { // A
      waitForSlot(g);
      std::memcpy(slot(rank_, g), src + s * kChunkBytes, chunkLen(s));
    }
    if (s >= 1) { // B
      waitAll(g);
      for (int r = 0; r < size_; ++r)
        if (r != rank_)
          std::memcpy(dst + r * bytes + (s - 1) * kChunkBytes, slot(r, g - 1), chunkLen(s - 1));
    }
    publish(g);
  }
  step_ = base + chunks + 1;
  return Status::success();
}

} // namespace meshrt
