// mpi_comm.cpp — Communicator over MPI: MPI_Comm_split plus the blocking collectives.
//
// Communicators made here use MPI_ERRORS_RETURN so that a failed collective becomes a sticky
// context error (reported by meshrt_main after the step) instead of killing the job from
// inside the library without a message. Large allreduces, reduce-scatters and allgathers
// among ranks of one node take the shared-memory paths of shm_collectives.h instead; node-shared
// parameters are windows of shared_buffer.h, owned here.
#include "comm/mpi_comm.h"

#include "comm/shared_buffer.h"
#include "comm/shm_collectives.h"

#include <mpi.h>

#include <algorithm>
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

class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(MPI_Comm comm, bool owned) : comm_(comm), owned_(owned) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  }
  ~MpiCommunicator() override {
    shm_.reset(); // frees its window and node communicator while comm_ is alive
    shared_.clear();
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
    if (ShmCollectives *shm = shmFor(count * 4))
      return shm->allreduceSum(buf, count);
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
    if (ShmCollectives *shm = shmFor(bytes * size_))
      return shm->allgather(in, out, bytes);
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
    if (ShmCollectives *shm = shmFor(count * 4 * size_); shm && shm->reduceScatterFits())
      return shm->reduceScatterSum(in, out, count);
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

  Status allocateShared(int64_t bytes, SharedMemory **out) override {
    *out = nullptr;
    std::unique_ptr<SharedBuffer> buffer;
    if (Status s = SharedBuffer::create(comm_, bytes, &buffer); !s.ok() || !buffer)
      return s;
    *out = buffer.get();
    shared_.push_back(std::move(buffer));
    return Status::success();
  }

private:
  static constexpr int kSendRecvTag = 12;
  // Smaller collectives stay on MPI, whose latency there is lower than the pipeline's.
  static constexpr int64_t kShmMinBytes = int64_t{1} << 18;

  // The shared-memory collectives for a collective whose whole buffer (all ranks' blocks) has
  // `totalBytes`, or null (MPI): large buffers (gradients, sharded parameters) where all ranks
  // share one node. The window is set up by the first such call; every rank makes the same
  // calls with the same sizes, so that is collective-safe.
  ShmCollectives *shmFor(int64_t totalBytes) {
    if (totalBytes < kShmMinBytes || size_ == 1)
      return nullptr;
    if (!shmTried_) {
      shmTried_ = true;
      // MESHRT_SHM_ALLREDUCE=0 keeps MPI for all three (for comparisons); read on every rank.
      const char *env = std::getenv("MESHRT_SHM_ALLREDUCE");
      if (!(env && std::strcmp(env, "0") == 0))
        shm_ = ShmCollectives::create(comm_);
    }
    return shm_.get();
  }

  MPI_Comm comm_;
  bool owned_;
  bool shmTried_ = false;
  std::unique_ptr<ShmCollectives> shm_;
  std::vector<std::unique_ptr<SharedBuffer>> shared_; // allocateShared's windows
  int rank_ = 0;
  int size_ = 1;
};

} // namespace

std::unique_ptr<Communicator> createMpiWorldCommunicator() {
  return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, /*owned=*/false);
}

} // namespace meshrt
