// shared_buffer.cpp — SharedBuffer: MPI_Win_allocate_shared on the group's node communicator.
// Every rank's part of the window starts with its barrier counter on a cache line of its own;
// rank 0's part then holds the whole buffer (contiguous), 64-byte aligned.
#include "comm/shared_buffer.h"
#include "comm/one_node.h"
#include "comm/spin_wait.h"

#include <cstring>

namespace meshrt {

namespace {

constexpr MPI_Aint kLine = 64;

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
  MPI_Comm node;
  if (int err = splitIfOneNode(comm, &node))
    return mpiFailure("splitting the group by node", err);
  if (node == MPI_COMM_NULL) // not all on one node
    return Status::success();
  int nodeSize = 0;
  MPI_Comm_size(node, &nodeSize);
  auto buffer = std::unique_ptr<SharedBuffer>(new SharedBuffer);
  buffer->node_ = node;
  MPI_Comm_rank(node, &buffer->rank_);
  // The counter's line, and on rank 0 the buffer, each with room to align its start (the
  // mapping is page-aligned on every rank, so the same offsets align them everywhere).
  const MPI_Aint mine = 2 * kLine + (buffer->rank_ == 0 ? static_cast<MPI_Aint>(bytes) + kLine : 0);
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
  buffer->arrived_.resize(static_cast<size_t>(nodeSize));
  for (int r = 0; r < nodeSize; ++r) {
    MPI_Aint partSize = 0;
    int disp = 0;
    void *part = nullptr;
    MPI_Win_shared_query(buffer->win_, r, &partSize, &disp, &part);
    const auto address = reinterpret_cast<uintptr_t>(part);
    buffer->arrived_[static_cast<size_t>(r)] =
        reinterpret_cast<int64_t *>((address + kLine - 1) / kLine * kLine);
    if (r == 0)
      buffer->data_ = reinterpret_cast<void *>((address + 2 * kLine - 1) / kLine * kLine);
  }
  __atomic_store_n(buffer->arrived_[static_cast<size_t>(buffer->rank_)], int64_t{0},
                   __ATOMIC_RELEASE);
  if (buffer->rank_ == 0)
    std::memset(buffer->data_, 0, static_cast<size_t>(bytes));
  MPI_Barrier(node); // counters and buffer zeroed before anyone reads them
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

Status SharedBuffer::barrier() {
  ++barriers_;
  // Release: this rank's writes to the buffer before its arrival; acquire in the waits: the
  // others' writes before theirs.
  __atomic_store_n(arrived_[static_cast<size_t>(rank_)], barriers_, __ATOMIC_RELEASE);
  for (size_t r = 0; r < arrived_.size(); ++r)
    if (static_cast<int>(r) != rank_)
      waitForCounter(arrived_[r], barriers_);
  return Status::success();
}

} // namespace meshrt
