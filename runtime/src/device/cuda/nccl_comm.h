// nccl_comm.h — Communicator over device buffers with NCCL, on the device's communication
// stream and ordered against its compute stream with events.
#ifndef MESHRT_SRC_DEVICE_CUDA_NCCL_COMM_H
#define MESHRT_SRC_DEVICE_CUDA_NCCL_COMM_H

#include "comm/communicator.h"

#include <cuda_runtime.h>

#include <memory>

namespace meshrt::cuda {

// Collective over host's ranks, which must each have a different GPU (NCCL refuses two ranks on
// one): the same ranks in the same order, with the NCCL id passed through `host`. The current
// device must be this rank's GPU.
Status createNcclCommunicator(Communicator &host, cudaStream_t compute, cudaStream_t comm,
                              std::unique_ptr<Communicator> *out);

// For the started collectives (started_collectives.cu), which order their work against the
// compute stream themselves:
// Whether `comm` was made by createNcclCommunicator.
bool isNcclCommunicator(const Communicator &comm);
// An NCCL communicator's in-place sum queued on its communication stream as is, with no event
// joins: it runs after what that stream holds and nothing waits for it.
Status ncclAllreduceSumOnStream(Communicator &comm, float *buf, int64_t count);
// An NCCL communicator's asynchronous error (ncclCommGetAsyncError, which does not wait) as a
// status naming `call`; success where there is none.
Status ncclAsyncError(Communicator &comm, const char *call);

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_NCCL_COMM_H
