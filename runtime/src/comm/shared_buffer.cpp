// shared_buffer.cpp — SharedBuffer: MPI_Win_allocate_shared on the group's node communicator,
// the whole buffer in rank 0's part of the window (contiguous), every rank mapping it.
#include "comm/shared_buffer.h"

#include <cstring>

namespace meshrt {

namespace {

Status mpiFailure(const char *call, int err) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(err, text, &len);
  return Status::error(MESHRT_COMM_ERROR,
                       strformat("%s failed for a node-shared parameter: %.*s", call, len, text));
}

} // namespace

Status SharedBuffer::create(MPI_Comm comm, int64_t bytes, std::unique_ptr<SharedBuffer> *out) {
  out->reset();
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm node;
  if (int err = MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node))
    return mpiFailure("MPI_Comm_split_type", err);
  int nodeSize = 0;
  MPI_Comm_size(node, &nodeSize);
  // Every rank learns whether the whole group is on one node (a group split over nodes has
  // smaller node communicators on all of them, but the MIN makes it certain).
  int allLocal = nodeSize == size, everywhere = 0;
  if (int err = MPI_Allreduce(&allLocal, &everywhere, 1, MPI_INT, MPI_MIN, comm)) {
    MPI_Comm_free(&node);
    return mpiFailure("MPI_Allreduce", err);
  }
  if (!everywhere) {
    MPI_Comm_free(&node);
    return Status::success();
  }
  auto buffer = std::unique_ptr<SharedBuffer>(new SharedBuffer);
  buffer->node_ = node;
  int nodeRank = 0;
  MPI_Comm_rank(node, &nodeRank);
  // 64 bytes more, to align the start: the mapping is page-aligned on every rank, so the same
  // offset aligns it everywhere.
  const MPI_Aint mine = nodeRank == 0 ? static_cast<MPI_Aint>(bytes + 64) : 0;
  void *base = nullptr;
  int err = MPI_Win_allocate_shared(mine, 1, MPI_INFO_NULL, node, &base, &buffer->win_);
  int good = err == MPI_SUCCESS, allGood = 0;
  MPI_Allreduce(&good, &allGood, 1, MPI_INT, MPI_MIN, node);
  if (!allGood) {
    if (good)
      MPI_Win_free(&buffer->win_);
    buffer->win_ = MPI_WIN_NULL;
    return err ? mpiFailure("MPI_Win_allocate_shared", err)
               : Status::error(MESHRT_OUT_OF_MEMORY,
                               "another rank of the node could not allocate a node-shared "
                               "parameter");
  }
  MPI_Aint size0 = 0;
  int disp = 0;
  MPI_Win_shared_query(buffer->win_, 0, &size0, &disp, &base);
  const auto address = reinterpret_cast<uintptr_t>(base);
  buffer->data_ = reinterpret_cast<void *>((address + 63) / 64 * 64);
  if (nodeRank == 0)
    std::memset(buffer->data_, 0, static_cast<size_t>(bytes));
  MPI_Barrier(node); // zeroed before anyone reads it
  *out = std::move(buffer);
  return Status::success();
}

SharedBuffer::~SharedBuffer() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized)
    return;
  if (win_ != MPI_WIN_NULL)
    MPI_Win_free(&win_);
  if (node_ != MPI_COMM_NULL)
    MPI_Comm_free(&node_);
}

} // namespace meshrt
