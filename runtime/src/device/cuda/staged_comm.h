// staged_comm.h — Communicator over device buffers that copies them to the host and runs a host
// communicator's collective on the copies: the path for ranks that share a GPU, where NCCL
// cannot be used.
#ifndef MESHRT_SRC_DEVICE_CUDA_STAGED_COMM_H
#define MESHRT_SRC_DEVICE_CUDA_STAGED_COMM_H

#include "comm/communicator.h"

#include <cuda_runtime.h>

#include <memory>

namespace meshrt::cuda {

// `host` is not owned and must outlive the result. Every collective is synchronous on
// `compute`: copy down, host collective, copy up.
std::unique_ptr<Communicator> createStagedCommunicator(Communicator &host, cudaStream_t compute);

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_STAGED_COMM_H
