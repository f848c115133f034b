// shared_buffer.h — one buffer in memory shared by the ranks of a group that all run on one node
// (an MPI-3 shared-memory window): the storage of a parameter that the data-parallel ranks
// update in place together (meshrt_alloc_shared, meshrt_sgd_update_matmul), so that no rank
// keeps a copy, sums a gradient or applies it as a pass of its own.
#ifndef MESHRT_SRC_COMM_SHARED_BUFFER_H
#define MESHRT_SRC_COMM_SHARED_BUFFER_H

#include "status.h"

#include <mpi.h>

#include <cstdint>
#include <memory>

namespace meshrt {

class SharedBuffer {
public:
  // Collective over comm: `bytes` (zero-filled, 64-byte aligned) that every rank of comm maps.
  // *out stays null (and the status is success) where the ranks do not all share one node; every
  // rank then gets null, so all take the same path.
  static Status create(MPI_Comm comm, int64_t bytes, std::unique_ptr<SharedBuffer> *out);
  ~SharedBuffer();
  SharedBuffer(const SharedBuffer &) = delete;
  SharedBuffer &operator=(const SharedBuffer &) = delete;

  void *data() const { return data_; }

private:
  SharedBuffer() = default;

  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win win_ = MPI_WIN_NULL;
  void *data_ = nullptr;
};

} // namespace meshrt

#endif // MESHRT_SRC_COMM_SHARED_BUFFER_H
