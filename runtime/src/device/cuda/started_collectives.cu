// started_collectives.cu — the non-blocking collectives of a CUDA device (meshrt_*_start and
// meshrt_collective_wait): NCCL on the communication stream while the compute stream runs on.
//
// A start records an event on the compute stream, makes the communication stream wait for it,
// queues the sum there and records the request's `done` event after it; the compute stream is
// not made to wait, so the kernels queued next run while NCCL communicates (NCCL's kernels make
// their own progress: no host thread is needed, unlike MPI on the CPU). The wait makes the
// compute stream wait for `done` (cudaStreamWaitEvent: the host never blocks), so the first use
// of the result is ordered after the sum. Failures of a start are kept and reported at its wait,
// with the communicator's asynchronous NCCL error, as one line naming the call.
//
// Order: every NCCL call of the context, blocking or started, is queued on the one
// communication stream in program order, so every rank issues them in one order and a blocking
// collective runs after the started ones before it. drainStarted also makes the compute stream
// wait for them before a blocking collective's own compute-stream work (its packing), as the CPU
// drains its communication thread.
//
// A bucket is packed on the compute stream, so its operands are read before any later kernel can
// overwrite them, into a device buffer of the request's own, kept for the request's next start
// (steady-state steps do not allocate). The request's previous use was waited for before it can
// start again, so the compute stream's later work (including the allocator's reuse of a buffer
// that had to grow) is ordered after that use. The sum and the unpacking run on the
// communication stream.
//
// A group of one rank still goes through NCCL on the communication stream (ncclAllReduce over
// one rank is a copy), so that a machine with one GPU runs the whole path; a sum over no axes
// (no communicator) queues nothing.
#include "device/cuda/cuda_device.h"

#include "device/cuda/nccl_comm.h"

namespace meshrt::cuda {

CudaDevice::StartedRequest *CudaDevice::beginStart(int32_t request, Communicator *comm) {
  StartedRequest &r = started_[request];
  if (r.inFlight)
    return nullptr;
  r.inFlight = true;
  r.recorded = false;
  r.joined = false;
  r.status = Status::success();
  r.nccl = comm && isNcclCommunicator(*comm) ? comm : nullptr;
  if (comm && !r.nccl) {
    r.status = Status::error(MESHRT_COMM_ERROR,
                             strformat("collective %d was started on a communicator that is not "
                                       "NCCL (the staged path runs it blocking)",
                                       request));
    return &r;
  }
  if (!r.done)
    r.status = checkCuda(cudaEventCreateWithFlags(&r.done, cudaEventDisableTiming),
                         "cudaEventCreateWithFlags");
  if (r.status.ok() && !startReady_)
    r.status = checkCuda(cudaEventCreateWithFlags(&startReady_, cudaEventDisableTiming),
                         "cudaEventCreateWithFlags");
  if (r.status.ok() && !drained_)
    r.status = checkCuda(cudaEventCreateWithFlags(&drained_, cudaEventDisableTiming),
                         "cudaEventCreateWithFlags");
  return &r;
}

Status CudaDevice::joinComputeToComm() {
  if (Status s = checkCuda(cudaEventRecord(startReady_, compute_), "cudaEventRecord"); !s.ok())
    return s;
  return checkCuda(cudaStreamWaitEvent(comm_, startReady_, 0), "cudaStreamWaitEvent");
}

void CudaDevice::finishStart(StartedRequest &r) {
  // Recorded even after a failure: work queued before it must still be waited for.
  const cudaError_t error = cudaEventRecord(r.done, comm_);
  r.recorded = error == cudaSuccess;
  Status s = checkCuda(error, "cudaEventRecord");
  if (r.status.ok())
    r.status = s;
}

bool CudaDevice::startAllreduceSum(int32_t request, Communicator *comm, float *buf, int64_t count) {
  StartedRequest *r = beginStart(request, comm);
  if (!r)
    return false;
  if (!r->status.ok() || !r->nccl || count <= 0)
    return true; // nothing to queue
  r->status = joinComputeToComm();
  if (r->status.ok())
    r->status = ncclAllreduceSumOnStream(*r->nccl, buf, count);
  finishStart(*r);
  return true;
}

bool CudaDevice::startAllreduceBucket(int32_t request, Communicator *comm, int64_t n,
                                      const float *const *in, float *const *out,
                                      const int64_t *counts, int64_t total) {
  StartedRequest *r = beginStart(request, comm);
  if (!r)
    return false;
  if (!r->status.ok())
    return true;
  if (!r->nccl || total == 0) { // each result is its operand: copied in stream order now
    for (int64_t i = 0; i < n && r->status.ok(); ++i)
      if (in[i] != out[i] && counts[i] > 0)
        r->status = checkCuda(cudaMemcpyAsync(out[i], in[i], static_cast<size_t>(counts[i]) * 4,
                                              cudaMemcpyDeviceToDevice, compute_),
                              "cudaMemcpyAsync device->device (started bucket)");
    return true;
  }
  const int64_t bytes = total * 4;
  if (r->packedBytes < bytes) {
    allocator_.release(r->packed);
    r->packed = nullptr;
    r->packedBytes = 0;
    r->status = allocator_.allocate(static_cast<size_t>(bytes), &r->packed);
    if (!r->status.ok())
      return true;
    r->packedBytes = bytes;
  }
  char *packed = static_cast<char *>(r->packed);
  int64_t offset = 0;
  for (int64_t i = 0; i < n && r->status.ok(); offset += counts[i] * 4, ++i)
    if (counts[i] > 0)
      r->status =
          checkCuda(cudaMemcpyAsync(packed + offset, in[i], static_cast<size_t>(counts[i]) * 4,
                                    cudaMemcpyDeviceToDevice, compute_),
                    "cudaMemcpyAsync device->device (packing a started bucket)");
  if (!r->status.ok())
    return true; // nothing queued on the communication stream
  r->status = joinComputeToComm();
  if (r->status.ok())
    r->status = ncclAllreduceSumOnStream(*r->nccl, reinterpret_cast<float *>(packed), total);
  offset = 0;
  for (int64_t i = 0; i < n && r->status.ok(); offset += counts[i] * 4, ++i)
    if (counts[i] > 0)
      r->status =
          checkCuda(cudaMemcpyAsync(out[i], packed + offset, static_cast<size_t>(counts[i]) * 4,
                                    cudaMemcpyDeviceToDevice, comm_),
                    "cudaMemcpyAsync device->device (unpacking a started bucket)");
  finishStart(*r);
  return true;
}

std::optional<Status> CudaDevice::waitStarted(int32_t request) {
  auto it = started_.find(request);
  if (it == started_.end() || !it->second.inFlight)
    return std::nullopt;
  StartedRequest &r = it->second;
  r.inFlight = false;
  Status status = std::move(r.status);
  r.status = Status::success();
  if (r.recorded && !r.joined) {
    Status joined = checkCuda(cudaStreamWaitEvent(compute_, r.done, 0),
                              "cudaStreamWaitEvent (waiting for a started collective)");
    if (status.ok())
      status = std::move(joined);
  }
  if (status.ok() && r.nccl)
    status = ncclAsyncError(*r.nccl, "ncclAllReduce (a started collective)");
  return status;
}

Status CudaDevice::drainStarted() {
  bool pending = false;
  for (const auto &entry : started_)
    pending |= entry.second.inFlight && entry.second.recorded && !entry.second.joined;
  if (!pending)
    return Status::success();
  if (Status s = checkCuda(cudaEventRecord(drained_, comm_), "cudaEventRecord"); !s.ok())
    return s;
  if (Status s = checkCuda(cudaStreamWaitEvent(compute_, drained_, 0),
                           "cudaStreamWaitEvent (draining the started collectives)");
      !s.ok())
    return s;
  for (auto &entry : started_)
    entry.second.joined = entry.second.joined || entry.second.inFlight;
  return Status::success();
}

void CudaDevice::releaseStarted() {
  // The streams are synchronised by the destructor; the packed buffers go with the allocator.
  for (auto &entry : started_)
    if (entry.second.done)
      (void)cudaEventDestroy(entry.second.done);
  started_.clear();
  if (startReady_)
    (void)cudaEventDestroy(startReady_);
  if (drained_)
    (void)cudaEventDestroy(drained_);
  startReady_ = drained_ = nullptr;
}

} // namespace meshrt::cuda
