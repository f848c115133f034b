// shared_buffer.h — one buffer in memory shared by the ranks of a group that all run on one node
// (an MPI-3 shared-memory window): the storage of a parameter that the data-parallel ranks
// update in place together (meshrt_alloc_shared, meshrt_sgd_update_matmul), so that no rank
// keeps a copy, sums a gradient or applies it as a pass of its own.
#ifndef MESHRT_SRC_COMM_SHARED_BUFFER_H
#define MESHRT_SRC_COMM_SHARED_BUFFER_H

#include "comm/communicator.h"

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace meshrt {

class SharedBuffer final : public SharedMemory {
public:
  // Collective over comm: `bytes` (zero-filled, 64-byte aligned) that every rank of comm maps.
  // *out stays null (and the status is success) where the ranks do not all share one node; every
  // rank then gets null, so all take the same path.
  static Status create(MPI_Comm comm, int64_t bytes, std::unique_ptr<SharedBuffer> *out);
  ~SharedBuffer() override;
  SharedBuffer(const SharedBuffer &) = delete;
  SharedBuffer &operator=(const SharedBuffer &) = delete;

  void *data() const override { return data_; }
  // Through a counter per rank in the window (comm/spin_wait.h), not MPI: no MPI call, so it
  // needs no ordering with the collectives a communication thread may be running, and a rank
  // that waits yields its core after a short spin.
  Status barrier() override;

private:
  SharedBuffer() = default;

  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win win_ = MPI_WIN_NULL;
  void *data_ = nullptr;
  std::vector<int64_t *> arrived_; // each rank's count of barriers entered, in the window
  int rank_ = 0;
  int64_t barriers_ = 0; // this rank's count (the same on every rank between barriers)
};

} // namespace meshrt

#endif // MESHRT_SRC_COMM_SHARED_BUFFER_H
