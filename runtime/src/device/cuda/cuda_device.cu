// cuda_device.cu — CudaDevice set-up and teardown, memory, copies, matmul (cuBLAS) and the
// choice of communicator.
#include "device/cuda/cuda_device.h"

#include "device/cuda/nccl_comm.h"
#include "device/cuda/staged_comm.h"

#include <climits>

namespace meshrt::cuda {
namespace {

bool fitsInt(int64_t v) { return v >= 0 && v <= INT_MAX; }

} // namespace

Status checkCuda(cudaError_t error, const char *call) {
  if (error == cudaSuccess)
    return Status::success();
  // Reported here, so that the next launched() does not report it again under a kernel's name
  // (sticky errors stay, as they must).
  (void)cudaGetLastError();
  const meshrt_status_code_t code =
      error == cudaErrorMemoryAllocation ? MESHRT_OUT_OF_MEMORY : MESHRT_KERNEL_ERROR;
  return Status::error(code, strformat("%s failed: %s", call, cudaGetErrorString(error)));
}

Status checkCublas(cublasStatus_t status, const char *call) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return Status::success();
  const meshrt_status_code_t code =
      status == CUBLAS_STATUS_ALLOC_FAILED ? MESHRT_OUT_OF_MEMORY : MESHRT_KERNEL_ERROR;
  return Status::error(code, strformat("%s failed: %s", call, cublasGetStatusString(status)));
}

Status launched(const char *kernel) {
  cudaError_t error = cudaGetLastError();
  if (error == cudaSuccess)
    return Status::success();
  return Status::error(MESHRT_KERNEL_ERROR, strformat("launch of kernel %s failed: %s", kernel,
                                                      cudaGetErrorString(error)));
}

// ---- set-up and teardown

Status CudaDevice::create(MatmulPrecision precision, int localRank, std::unique_ptr<Device> *out) {
  int count = 0;
  if (Status s = checkCuda(cudaGetDeviceCount(&count), "cudaGetDeviceCount"); !s.ok())
    return s;
  if (count <= 0)
    return Status::error(MESHRT_INVALID_ARGUMENT, "no CUDA device (cudaGetDeviceCount returned 0)");
  if (localRank < 0)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("invalid local rank %d for choosing a GPU", localRank));

  // Owned from here, so that a failure below releases what was made so far.
  std::unique_ptr<CudaDevice> dev(new CudaDevice);
  dev->ordinal_ = localRank % count;
  dev->precision_ = precision;
  Status s = checkCuda(cudaSetDevice(dev->ordinal_), "cudaSetDevice");
  cudaDeviceProp prop{};
  if (s.ok())
    s = checkCuda(cudaGetDeviceProperties(&prop, dev->ordinal_), "cudaGetDeviceProperties");
  if (!s.ok())
    return s;
  dev->name_ =
      strformat("cuda:%d (%s, sm_%d%d, %.1f GiB)", dev->ordinal_, prop.name, prop.major, prop.minor,
                static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024 * 1024));

  s = checkCuda(cudaStreamCreateWithFlags(&dev->compute_, cudaStreamNonBlocking),
                "cudaStreamCreateWithFlags");
  if (s.ok())
    s = checkCuda(cudaStreamCreateWithFlags(&dev->comm_, cudaStreamNonBlocking),
                  "cudaStreamCreateWithFlags");
  if (s.ok())
    s = checkCublas(cublasCreate(&dev->cublas_), "cublasCreate");
  if (s.ok())
    s = checkCublas(cublasSetStream(dev->cublas_, dev->compute_), "cublasSetStream");
  // BF16 picks its compute type per call (matmul); FP32 must not be silently TF32.
  if (s.ok())
    s = checkCublas(cublasSetMathMode(dev->cublas_, precision == MatmulPrecision::TF32
                                                        ? CUBLAS_TF32_TENSOR_OP_MATH
                                                        : CUBLAS_DEFAULT_MATH),
                    "cublasSetMathMode");
  if (!s.ok())
    return s;

  CudaDevice *self = dev.get();
  dev->allocator_.setBackend(
      [self](size_t bytes, void **p) -> Status {
        cudaError_t error = cudaMalloc(p, bytes);
        if (error == cudaSuccess)
          return Status::success();
        if (error != cudaErrorMemoryAllocation)
          return checkCuda(error, "cudaMalloc");
        (void)cudaGetLastError();
        size_t freeBytes = 0, totalBytes = 0;
        if (cudaMemGetInfo(&freeBytes, &totalBytes) != cudaSuccess)
          (void)cudaGetLastError();
        return Status::error(MESHRT_OUT_OF_MEMORY,
                             strformat("out of device memory: cudaMalloc(%zu bytes) failed on %s "
                                       "(%zu of %zu bytes free)",
                                       bytes, self->name_.c_str(), freeBytes, totalBytes));
      },
      [](void *p) { (void)cudaFree(p); });

  *out = std::move(dev);
  return Status::success();
}

CudaDevice::~CudaDevice() {
  // Errors are ignored: nothing can report them, and a faulted device must still be let go.
  (void)cudaSetDevice(ordinal_);
  if (compute_)
    (void)cudaStreamSynchronize(compute_);
  if (comm_)
    (void)cudaStreamSynchronize(comm_);
  releaseStarted();
  allocator_.freeAll();
  if (cublas_)
    (void)cublasDestroy(cublas_);
  if (cudnn_)
    (void)cudnnDestroy(cudnn_);
  if (comm_)
    (void)cudaStreamDestroy(comm_);
  if (compute_)
    (void)cudaStreamDestroy(compute_);
  (void)cudaGetLastError();
}

// ---- memory and copies

Status CudaDevice::alloc(int64_t bytes, void **out) {
  *out = nullptr;
  if (bytes < 0)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("invalid allocation size %lld", static_cast<long long>(bytes)));
  void *p = nullptr;
  if (Status s = allocator_.allocate(static_cast<size_t>(bytes), &p); !s.ok())
    return s;
  // A reused block may hold another tensor's data; the memset is ordered after that tensor's
  // last use because all work is on the compute stream (collectives join it with events).
  if (bytes > 0) {
    if (Status s = checkCuda(cudaMemsetAsync(p, 0, static_cast<size_t>(bytes), compute_),
                             "cudaMemsetAsync");
        !s.ok()) {
      allocator_.release(p);
      return s;
    }
  }
  *out = p;
  return Status::success();
}

void CudaDevice::release(void *p) { allocator_.release(p); }

DeviceMemoryStats CudaDevice::memoryStats() const { return allocator_.stats(); }

Status CudaDevice::upload(void *dst, const void *src, int64_t bytes) {
  if (bytes <= 0)
    return Status::success();
  // Synchronous, so that `src` (pageable, owned by the caller) may be reused on return.
  if (Status s = checkCuda(
          cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, compute_),
          "cudaMemcpy host->device");
      !s.ok())
    return s;
  return checkCuda(cudaStreamSynchronize(compute_), "cudaMemcpy host->device");
}

Status CudaDevice::download(void *dst, const void *src, int64_t bytes) {
  if (bytes <= 0)
    return Status::success();
  // The synchronisation point of the caller: a fault of any earlier kernel surfaces here.
  if (Status s = checkCuda(
          cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost, compute_),
          "cudaMemcpy device->host");
      !s.ok())
    return s;
  return checkCuda(cudaStreamSynchronize(compute_), "cudaMemcpy device->host");
}

Status CudaDevice::copy2D(void *dst, int64_t dstPitch, const void *src, int64_t srcPitch,
                          int64_t rowBytes, int64_t rows) {
  if (rowBytes <= 0 || rows <= 0)
    return Status::success();
  if ((dstPitch == rowBytes && srcPitch == rowBytes) || rows == 1)
    return checkCuda(cudaMemcpyAsync(dst, src, static_cast<size_t>(rowBytes * rows),
                                     cudaMemcpyDeviceToDevice, compute_),
                     "cudaMemcpyAsync device->device");
  // cudaMemcpy2D takes pitches up to cudaDevAttrMaxPitch (2^31 - 1 on current GPUs); beyond that
  // each row is its own copy.
  if (dstPitch > INT_MAX || srcPitch > INT_MAX) {
    for (int64_t r = 0; r < rows; ++r)
      if (Status s = checkCuda(cudaMemcpyAsync(static_cast<char *>(dst) + r * dstPitch,
                                               static_cast<const char *>(src) + r * srcPitch,
                                               static_cast<size_t>(rowBytes),
                                               cudaMemcpyDeviceToDevice, compute_),
                               "cudaMemcpyAsync device->device");
          !s.ok())
        return s;
    return Status::success();
  }
  return checkCuda(cudaMemcpy2DAsync(dst, static_cast<size_t>(dstPitch), src,
                                     static_cast<size_t>(srcPitch), static_cast<size_t>(rowBytes),
                                     static_cast<size_t>(rows), cudaMemcpyDeviceToDevice, compute_),
                   "cudaMemcpy2DAsync device->device");
}

Status CudaDevice::synchronize() {
  if (Status s = checkCuda(cudaStreamSynchronize(compute_), "cudaStreamSynchronize"); !s.ok())
    return s;
  return checkCuda(cudaStreamSynchronize(comm_), "cudaStreamSynchronize (communication stream)");
}

// ---- communicators

Status CudaDevice::makeCommunicator(Communicator &host, bool staged,
                                    std::unique_ptr<Communicator> *out) {
  // NCCL binds a communicator to the calling thread's current device.
  if (Status s = checkCuda(cudaSetDevice(ordinal_), "cudaSetDevice"); !s.ok())
    return s;
  if (staged) {
    stagedComms_ = true;
    *out = createStagedCommunicator(host, compute_);
    return Status::success();
  }
  return createNcclCommunicator(host, compute_, comm_, out);
}

// ---- matmul

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, and a row-major matrix read
// as column-major is its transpose: so cuBLAS gets B first, A second, with the same op flags
// and leading dimensions equal to the row-major row lengths.
Status CudaDevice::matmul(int64_t batch, int64_t m, int64_t n, int64_t k, const float *a,
                          bool transA, const float *b, bool transB, float *c) {
  if (batch <= 0 || m <= 0 || n <= 0)
    return Status::success();
  if (k <= 0)
    return checkCuda(
        cudaMemsetAsync(c, 0, static_cast<size_t>(batch * m * n) * sizeof(float), compute_),
        "cudaMemsetAsync");
  if (!fitsInt(batch) || !fitsInt(m) || !fitsInt(n) || !fitsInt(k))
    return Status::error(
        MESHRT_INVALID_ARGUMENT,
        strformat("matmul of batch %lld, m %lld, n %lld, k %lld exceeds cuBLAS's int sizes",
                  static_cast<long long>(batch), static_cast<long long>(m),
                  static_cast<long long>(n), static_cast<long long>(k)));

  const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int ldb = static_cast<int>(transB ? k : n);
  const int lda = static_cast<int>(transA ? m : k);
  const int ldc = static_cast<int>(n);
  const long long strideA = m * k, strideB = k * n, strideC = m * n;
  const float alpha = 1.0f, beta = 0.0f;

  if (precision_ == MatmulPrecision::BF16)
    return checkCublas(
        cublasGemmStridedBatchedEx(cublas_, opB, opA, static_cast<int>(n), static_cast<int>(m),
                                   static_cast<int>(k), &alpha, b, CUDA_R_32F, ldb, strideB, a,
                                   CUDA_R_32F, lda, strideA, &beta, c, CUDA_R_32F, ldc, strideC,
                                   static_cast<int>(batch), CUBLAS_COMPUTE_32F_FAST_16BF,
                                   CUBLAS_GEMM_DEFAULT),
        "cublasGemmStridedBatchedEx");
  // FP32 and TF32 differ only in the handle's math mode (set in create).
  return checkCublas(cublasSgemmStridedBatched(cublas_, opB, opA, static_cast<int>(n),
                                               static_cast<int>(m), static_cast<int>(k), &alpha, b,
                                               ldb, strideB, a, lda, strideA, &beta, c, ldc,
                                               strideC, static_cast<int>(batch)),
                     "cublasSgemmStridedBatched");
}

} // namespace meshrt::cuda
