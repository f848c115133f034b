// mpi_comm.cpp — Communicator over MPI: MPI_Comm_split plus the blocking collectives.
//
// Communicators made here use MPI_ERRORS_RETURN so that a failed collective becomes a sticky
// context error (reported by meshrt_main after the step) instead of killing the job from
// inside the library without a message.
#include "comm/mpi_comm.h"

#include <mpi.h>

#include <climits>

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
    // Chunked because MPI counts are int; one chunk in all realistic cases.
    constexpr int64_t kChunk = int64_t{1} << 30;
    for (int64_t done = 0; done < count; done += kChunk) {
      int n = static_cast<int>(count - done < kChunk ? count - done : kChunk);
      if (int err = MPI_Allreduce(MPI_IN_PLACE, buf + done, n, MPI_FLOAT, MPI_SUM, comm_))
        return mpiError("MPI_Allreduce", err);
    }
    return Status::success();
  }

  Status allgather(const void *in, void *out, int64_t bytes) override {
    MPI_Datatype type;
    int count;
    if (Status s = byteCount("allgather", bytes, &type, &count); !s.ok())
      return s;
    if (int err = MPI_Allgather(in, count, type, out, count, type, comm_))
      return mpiError("MPI_Allgather", err);
    return Status::success();
  }

  Status reduceScatterSum(const float *in, float *out, int64_t count) override {
    if (count > INT_MAX)
      return Status::error(MESHRT_COMM_ERROR,
                           strformat("reduce-scatter of %lld elements per rank exceeds the MPI "
                                     "count limit",
                                     static_cast<long long>(count)));
    if (int err = MPI_Reduce_scatter_block(in, out, static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                                           comm_))
      return mpiError("MPI_Reduce_scatter_block", err);
    return Status::success();
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

private:
  MPI_Comm comm_;
  bool owned_;
  int rank_ = 0;
  int size_ = 1;
};

} // namespace

std::unique_ptr<Communicator> createMpiWorldCommunicator() {
  return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, /*owned=*/false);
}

} // namespace meshrt
