// staged_comm.cu — device buffers through a host communicator: copy down into a pinned staging
// buffer, run the host collective, copy the result up. Slower than NCCL, but it works where ranks
// share a GPU.
#include "device/cuda/staged_comm.h"

#include "device/cuda/cuda_device.h"

#include <algorithm>
#include <vector>

namespace meshrt::cuda {
namespace {

class StagedCommunicator final : public Communicator {
public:
  StagedCommunicator(Communicator &host, cudaStream_t stream) : host_(host), stream_(stream) {}

  ~StagedCommunicator() override {
    if (pinned_)
      (void)cudaFreeHost(pinned_);
    (void)cudaGetLastError();
  }

  int rank() const override { return host_.rank(); }
  int size() const override { return host_.size(); }

  Status split(int, int, std::unique_ptr<Communicator> *) override {
    return Status::error(MESHRT_COMM_ERROR,
                         "split is not supported on a staged device communicator");
  }

  // Returns when every rank has reached it and this rank's queued device work is done.
  Status barrier() override {
    Status s = checkCuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (barrier)");
    Status b = host_.barrier(); // even after a device error: the other ranks are waiting
    return s.ok() ? b : s;
  }

  Status allreduceSum(float *buf, int64_t count) override {
    if (count <= 0)
      return Status::success();
    const size_t bytes = static_cast<size_t>(count) * sizeof(float);
    return run(buf, bytes, buf, bytes, [&](char *, char *out) {
      return host_.allreduceSum(reinterpret_cast<float *>(out), count);
    });
  }

  Status allreduceMax(float *buf, int64_t count) override {
    if (count <= 0)
      return Status::success();
    const size_t bytes = static_cast<size_t>(count) * sizeof(float);
    return run(buf, bytes, buf, bytes, [&](char *, char *out) {
      return host_.allreduceMax(reinterpret_cast<float *>(out), count);
    });
  }

  Status allgather(const void *in, void *out, int64_t bytes) override {
    if (bytes <= 0)
      return Status::success();
    const size_t n = static_cast<size_t>(bytes);
    return run(in, n, out, n * static_cast<size_t>(size()), [&](char *hostIn, char *hostOut) {
      return host_.allgather(hostIn, hostOut, bytes);
    });
  }

  Status reduceScatterSum(const float *in, float *out, int64_t count) override {
    if (count <= 0)
      return Status::success();
    const size_t bytes = static_cast<size_t>(count) * sizeof(float);
    return run(in, bytes * static_cast<size_t>(size()), out, bytes,
               [&](char *hostIn, char *hostOut) {
                 return host_.reduceScatterSum(reinterpret_cast<const float *>(hostIn),
                                               reinterpret_cast<float *>(hostOut), count);
               });
  }

  Status alltoall(const void *in, void *out, int64_t bytes) override {
    if (bytes <= 0)
      return Status::success();
    const size_t total = static_cast<size_t>(bytes) * static_cast<size_t>(size());
    return run(in, total, out, total,
               [&](char *hostIn, char *hostOut) { return host_.alltoall(hostIn, hostOut, bytes); });
  }

  // The host's sendRecv on host copies: only the message sent goes down and only the message
  // received comes up (a missing peer moves nothing).
  Status sendRecv(const void *send, int64_t sendBytes, int dest, void *recv, int64_t recvBytes,
                  int source) override {
    const size_t sendN = dest >= 0 ? static_cast<size_t>(sendBytes) : 0;
    const size_t recvN = source >= 0 ? static_cast<size_t>(recvBytes) : 0;
    const size_t recvOffset = (sendN + 63) / 64 * 64;
    char *base = staging(recvOffset + recvN);
    Status down =
        sendN == 0 ? Status::success()
                   : checkCuda(cudaMemcpyAsync(base, send, sendN, cudaMemcpyDeviceToHost, stream_),
                               "cudaMemcpy device->host (staged halo)");
    if (down.ok() && sendN > 0)
      down = checkCuda(cudaStreamSynchronize(stream_), "cudaMemcpy device->host (staged halo)");
    // The host exchange runs even after a failed copy: the neighbours are in it already.
    Status c = host_.sendRecv(base, static_cast<int64_t>(sendN), dest, base + recvOffset,
                              static_cast<int64_t>(recvN), source);
    if (!down.ok())
      return down;
    if (!c.ok() || recvN == 0)
      return c;
    Status up =
        checkCuda(cudaMemcpyAsync(recv, base + recvOffset, recvN, cudaMemcpyHostToDevice, stream_),
                  "cudaMemcpy host->device (staged halo)");
    if (!up.ok())
      return up;
    return checkCuda(cudaStreamSynchronize(stream_), "cudaMemcpy host->device (staged halo)");
  }

private:
  // Copies inBytes of `in` down, runs `collective(hostIn, hostOut)`, copies outBytes of the
  // result up to `out`. In place (in == out) the two host regions are one.
  template <typename Collective>
  Status run(const void *in, size_t inBytes, void *out, size_t outBytes, Collective &&collective) {
    const size_t inOffset = in == out ? 0 : (outBytes + 63) / 64 * 64;
    char *base = staging(std::max(inOffset + inBytes, outBytes));
    Status down =
        checkCuda(cudaMemcpyAsync(base + inOffset, in, inBytes, cudaMemcpyDeviceToHost, stream_),
                  "cudaMemcpy device->host (staged collective)");
    if (down.ok())
      down =
          checkCuda(cudaStreamSynchronize(stream_), "cudaMemcpy device->host (staged collective)");
    // The host collective runs even after a failed copy: the other ranks are in it already.
    Status c = collective(base + inOffset, base);
    if (!down.ok())
      return down;
    if (!c.ok())
      return c;
    Status up = checkCuda(cudaMemcpyAsync(out, base, outBytes, cudaMemcpyHostToDevice, stream_),
                          "cudaMemcpy host->device (staged collective)");
    if (!up.ok())
      return up;
    // Synchronous so that the next collective may overwrite the staging buffer.
    return checkCuda(cudaStreamSynchronize(stream_), "cudaMemcpy host->device (staged collective)");
  }

  // A host buffer of at least `bytes`: pinned (grown geometrically and kept), or pageable when
  // no pinned memory can be had, which only makes the copies slower.
  char *staging(size_t bytes) {
    if (bytes <= capacity_)
      return pinned_ ? pinned_ : pageable_.data();
    const size_t grown = std::max(bytes, 2 * capacity_);
    if (pinned_) {
      (void)cudaFreeHost(pinned_);
      pinned_ = nullptr;
    }
    void *p = nullptr;
    if (cudaMallocHost(&p, grown) == cudaSuccess) {
      pinned_ = static_cast<char *>(p);
      std::vector<char>().swap(pageable_);
    } else {
      (void)cudaGetLastError();
      pageable_.resize(grown);
    }
    capacity_ = grown;
    return pinned_ ? pinned_ : pageable_.data();
  }

  Communicator &host_;
  cudaStream_t stream_;
  char *pinned_ = nullptr;
  std::vector<char> pageable_;
  size_t capacity_ = 0;
};

} // namespace

std::unique_ptr<Communicator> createStagedCommunicator(Communicator &host, cudaStream_t compute) {
  return std::make_unique<StagedCommunicator>(host, compute);
}

} // namespace meshrt::cuda
