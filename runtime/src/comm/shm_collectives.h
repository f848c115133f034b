// shm_collectives.h — allreduce, reduce-scatter and allgather of large buffers among ranks that
// share one node, through an MPI-3 shared-memory window instead of Open MPI's collectives.
//
// Open MPI's shared-memory transport moves a large collective at ~2.5-4 GB/s here (every byte
// is copied through FIFOs and temporaries that do not stay in cache); these paths copy each
// rank's buffer into a few cache-sized slots of the window once and read the others' slots
// once, so they run near the memory bandwidth. Sums run in rank order: every rank ends with
// identical bits, and a reduce-scatter's block equals that block of the allreduce of the same
// input bit for bit. MpiCommunicator (mpi_comm.cpp) decides when to use them.
#ifndef MESHRT_SRC_COMM_SHM_COLLECTIVES_H
#define MESHRT_SRC_COMM_SHM_COLLECTIVES_H

#include "status.h"

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace meshrt {

class ShmCollectives {
public:
  // Floats per slot (256 KiB); each rank's part of the window holds kSlots of them.
  static constexpr int64_t kChunk = int64_t{1} << 16;
  static constexpr int kSlots = 4; // A runs a step ahead of the slowest rank's B and C

  // Collective over comm. Returns null where the ranks do not all share one node or the
  // window cannot be made (every rank gets null then); callers use MPI instead.
  static std::unique_ptr<ShmCollectives> create(MPI_Comm comm);
  ~ShmCollectives();

  int size() const { return size_; }

  // In place: buf = sum over ranks of buf.
  Status allreduceSum(float *buf, int64_t count);
  // in holds size() blocks of count floats; out = the sum over ranks of block `rank`. Needs
  // size() <= kChunk / 16 (reduceScatterFits).
  Status reduceScatterSum(const float *in, float *out, int64_t count);
  bool reduceScatterFits() const { return size_ * 16 <= kChunk; }
  // out = every rank's `bytes` of in, in rank order; in may be this rank's block of out.
  Status allgather(const void *in, void *out, int64_t bytes);

private:
  ShmCollectives() = default;

  float *slot(int r, int64_t g) const {
    return slots_[static_cast<size_t>(r)] + (g % kSlots) * kChunk;
  }
  void part(int64_t len, int r, int64_t *lo, int64_t *hi) const;
  void waitAll(int64_t steps) const;
  void waitForSlot(int64_t g) const { waitAll(g - kSlots + 3); }
  void publish(int64_t g) {
    __atomic_store_n(done_[static_cast<size_t>(rank_)], g + 1, __ATOMIC_RELEASE);
  }
  // dst[i] = slot(0, g)[off + i] + slot(1, g)[off + i] + ... in rank order, for i < len.
  void sumSlots(float *dst, int64_t g, int64_t off, int64_t len) const;

  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win win_ = MPI_WIN_NULL;
  int rank_ = 0, size_ = 1;
  std::vector<float *> slots_;
  std::vector<int64_t *> done_; // each rank's count of finished steps, in the window
  int64_t step_ = 0;            // steps of all calls so far (the same on every rank)
};

} // namespace meshrt

#endif // MESHRT_SRC_COMM_SHM_COLLECTIVES_H
