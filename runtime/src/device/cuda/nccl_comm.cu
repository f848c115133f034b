// nccl_comm.cu — the NCCL backend of Communicator (device buffers).
//
// Each collective runs on the communication stream between two event waits: it starts after
// the work queued on the compute stream so far and the compute stream's later work starts after
// it. Calls return once the collective is queued, like kernels.
#include "device/cuda/nccl_comm.h"

#include "device/cuda/cuda_device.h"

#include <nccl.h>

#include <cstring>
#include <vector>

namespace meshrt::cuda {
namespace {

Status checkNccl(ncclResult_t result, const char *call, ncclComm_t comm) {
  if (result == ncclSuccess)
    return Status::success();
  const char *detail = ncclGetLastError(comm);
  if (detail && *detail)
    return Status::error(MESHRT_COMM_ERROR,
                         strformat("%s failed: %s (%s)", call, ncclGetErrorString(result), detail));
  return Status::error(MESHRT_COMM_ERROR,
                       strformat("%s failed: %s", call, ncclGetErrorString(result)));
}

class NcclCommunicator final : public Communicator {
public:
  NcclCommunicator(int rank, int size, cudaStream_t compute, cudaStream_t stream)
      : rank_(rank), size_(size), compute_(compute), stream_(stream) {}

  ~NcclCommunicator() override {
    if (comm_) {
      (void)cudaStreamSynchronize(stream_);
      // A communicator with a failed operation is aborted: destroying it could wait forever.
      ncclResult_t async = ncclSuccess;
      if (ncclCommGetAsyncError(comm_, &async) != ncclSuccess || async != ncclSuccess)
        (void)ncclCommAbort(comm_);
      else
        (void)ncclCommDestroy(comm_);
    }
    if (ready_)
      (void)cudaEventDestroy(ready_);
    if (done_)
      (void)cudaEventDestroy(done_);
    if (barrierBuf_)
      (void)cudaFree(barrierBuf_);
    (void)cudaGetLastError();
  }

  // Collective over host's ranks.
  Status init(Communicator &host) {
    // Rank 0's id reaches everyone with a flag, so that its failure fails every rank instead of
    // leaving the others waiting in ncclCommInitRank.
    struct IdMessage {
      int32_t ok;
      ncclUniqueId id;
    };
    IdMessage mine{};
    Status idStatus;
    if (rank_ == 0) {
      idStatus = checkNccl(ncclGetUniqueId(&mine.id), "ncclGetUniqueId", nullptr);
      mine.ok = idStatus.ok();
    }
    std::vector<IdMessage> all(static_cast<size_t>(size_));
    if (Status s = host.allgather(&mine, all.data(), sizeof(IdMessage)); !s.ok())
      return s;
    if (!all[0].ok)
      return rank_ == 0 ? idStatus
                        : Status::error(MESHRT_COMM_ERROR, "ncclGetUniqueId failed on rank 0");
    if (Status s = checkNccl(ncclCommInitRank(&comm_, size_, all[0].id, rank_), "ncclCommInitRank",
                             nullptr);
        !s.ok()) {
      comm_ = nullptr;
      return s;
    }
    Status s = checkCuda(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming),
                         "cudaEventCreateWithFlags");
    if (s.ok())
      s = checkCuda(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming),
                    "cudaEventCreateWithFlags");
    if (s.ok())
      s = checkCuda(cudaMalloc(&barrierBuf_, sizeof(float)), "cudaMalloc");
    if (s.ok())
      s = checkCuda(cudaMemsetAsync(barrierBuf_, 0, sizeof(float), compute_), "cudaMemsetAsync");
    return s;
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status split(int, int, std::unique_ptr<Communicator> *) override {
    return Status::error(MESHRT_COMM_ERROR, "split is not supported on an NCCL communicator");
  }

  // Returns when every rank has reached it and this rank's queued device work is done.
  Status barrier() override {
    if (Status s = allreduceSum(barrierBuf_, 1); !s.ok())
      return s;
    return checkCuda(cudaStreamSynchronize(compute_), "cudaStreamSynchronize (barrier)");
  }

  Status allreduceSum(float *buf, int64_t count) override {
    if (count <= 0)
      return Status::success();
    return enqueue("ncclAllReduce", [&] {
      return ncclAllReduce(buf, buf, static_cast<size_t>(count), ncclFloat, ncclSum, comm_,
                           stream_);
    });
  }

  Status allreduceMax(float *buf, int64_t count) override {
    if (count <= 0)
      return Status::success();
    return enqueue("ncclAllReduce (max)", [&] {
      return ncclAllReduce(buf, buf, static_cast<size_t>(count), ncclFloat, ncclMax, comm_,
                           stream_);
    });
  }

  Status allgather(const void *in, void *out, int64_t bytes) override {
    if (bytes <= 0)
      return Status::success();
    return enqueue("ncclAllGather", [&] {
      return ncclAllGather(in, out, static_cast<size_t>(bytes), ncclInt8, comm_, stream_);
    });
  }

  Status reduceScatterSum(const float *in, float *out, int64_t count) override {
    if (count <= 0)
      return Status::success();
    return enqueue("ncclReduceScatter", [&] {
      return ncclReduceScatter(in, out, static_cast<size_t>(count), ncclFloat, ncclSum, comm_,
                               stream_);
    });
  }

  Status alltoall(const void *in, void *out, int64_t bytes) override {
    if (bytes <= 0)
      return Status::success();
    const size_t n = static_cast<size_t>(bytes);
    const char *src = static_cast<const char *>(in);
    char *dst = static_cast<char *>(out);
    return enqueue("ncclSend/ncclRecv (alltoall)", [&] {
      ncclResult_t result = ncclGroupStart();
      if (result != ncclSuccess)
        return result;
      for (int peer = 0; peer < size_ && result == ncclSuccess; ++peer) {
        const size_t offset = static_cast<size_t>(peer) * n;
        result = ncclSend(src + offset, n, ncclInt8, peer, comm_, stream_);
        if (result == ncclSuccess)
          result = ncclRecv(dst + offset, n, ncclInt8, peer, comm_, stream_);
      }
      // The group is closed even after a failed call, so that NCCL is left usable.
      const ncclResult_t end = ncclGroupEnd();
      return result != ncclSuccess ? result : end;
    });
  }

  Status sendRecv(const void *send, int64_t sendBytes, int dest, void *recv, int64_t recvBytes,
                  int source) override {
    const bool sending = dest >= 0 && sendBytes > 0, receiving = source >= 0 && recvBytes > 0;
    if (!sending && !receiving)
      return Status::success();
    return enqueue("ncclSend/ncclRecv (halo)", [&] {
      ncclResult_t result = ncclGroupStart();
      if (result != ncclSuccess)
        return result;
      if (sending)
        result = ncclSend(send, static_cast<size_t>(sendBytes), ncclInt8, dest, comm_, stream_);
      if (receiving && result == ncclSuccess)
        result = ncclRecv(recv, static_cast<size_t>(recvBytes), ncclInt8, source, comm_, stream_);
      // The group is closed even after a failed call, so that NCCL is left usable.
      const ncclResult_t end = ncclGroupEnd();
      return result != ncclSuccess ? result : end;
    });
  }

  // ncclAllReduce (sum) on stream_ alone: the started collectives' own events order it.
  Status sumOnStream(float *buf, int64_t count) {
    if (count <= 0)
      return Status::success();
    return checkNccl(
        ncclAllReduce(buf, buf, static_cast<size_t>(count), ncclFloat, ncclSum, comm_, stream_),
        "ncclAllReduce", comm_);
  }

  Status asyncError(const char *call) {
    ncclResult_t async = ncclSuccess;
    if (Status s = checkNccl(ncclCommGetAsyncError(comm_, &async), "ncclCommGetAsyncError", comm_);
        !s.ok())
      return s;
    return checkNccl(async, call, comm_);
  }

private:
  // Runs `call` (NCCL calls on stream_) between the compute stream's work so far and its
  // work to come.
  template <typename Call> Status enqueue(const char *name, Call &&call) {
    if (Status s = checkCuda(cudaEventRecord(ready_, compute_), "cudaEventRecord"); !s.ok())
      return s;
    if (Status s = checkCuda(cudaStreamWaitEvent(stream_, ready_, 0), "cudaStreamWaitEvent");
        !s.ok())
      return s;
    if (Status s = checkNccl(call(), name, comm_); !s.ok())
      return s;
    if (Status s = checkCuda(cudaEventRecord(done_, stream_), "cudaEventRecord"); !s.ok())
      return s;
    return checkCuda(cudaStreamWaitEvent(compute_, done_, 0), "cudaStreamWaitEvent");
  }

  int rank_;
  int size_;
  cudaStream_t compute_;
  cudaStream_t stream_;
  ncclComm_t comm_ = nullptr;
  cudaEvent_t ready_ = nullptr; // recorded on compute_, waited for by stream_
  cudaEvent_t done_ = nullptr;  // recorded on stream_, waited for by compute_
  float *barrierBuf_ = nullptr;
};

} // namespace

bool isNcclCommunicator(const Communicator &comm) {
  return dynamic_cast<const NcclCommunicator *>(&comm) != nullptr;
}

Status ncclAllreduceSumOnStream(Communicator &comm, float *buf, int64_t count) {
  return static_cast<NcclCommunicator &>(comm).sumOnStream(buf, count);
}

Status ncclAsyncError(Communicator &comm, const char *call) {
  return static_cast<NcclCommunicator &>(comm).asyncError(call);
}

Status createNcclCommunicator(Communicator &host, cudaStream_t compute, cudaStream_t comm,
                              std::unique_ptr<Communicator> *out) {
  auto c = std::make_unique<NcclCommunicator>(host.rank(), host.size(), compute, comm);
  if (Status s = c->init(host); !s.ok())
    return s;
  *out = std::move(c);
  return Status::success();
}

} // namespace meshrt::cuda
