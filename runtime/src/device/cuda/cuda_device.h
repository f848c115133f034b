// cuda_device.h — the CUDA implementation of Device: one GPU, one compute stream and one
// communication stream, cuBLAS for matmuls, cuDNN for convolution and pooling, hand-written
// kernels for the rest.
//
// The class is defined here and implemented across files: cuda_device.cu (set-up, memory,
// copies, matmul, communicators), started_collectives.cu (the non-blocking collectives on the
// communication stream) and kernels/*.cu (one file per op family, as on the CPU).
// Only the plugin libmeshrt_cuda.so (plugin.cpp is its entry point) includes this header.
#ifndef MESHRT_SRC_DEVICE_CUDA_CUDA_DEVICE_H
#define MESHRT_SRC_DEVICE_CUDA_CUDA_DEVICE_H

#include "device/caching_allocator.h"
#include "device/device.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <map>
#include <string>

namespace meshrt::cuda {

// Success for cudaSuccess, else MESHRT_KERNEL_ERROR (MESHRT_OUT_OF_MEMORY for
// cudaErrorMemoryAllocation) with "<call> failed: <cudaGetErrorString>".
Status checkCuda(cudaError_t error, const char *call);
// As checkCuda for cuBLAS status values.
Status checkCublas(cublasStatus_t status, const char *call);
// After a kernel launch: cudaGetLastError() as a status naming the kernel.
Status launched(const char *kernel);

// Threads per block for elementwise kernels, and the grid covering `count` items with a
// grid-stride loop (capped so that huge tensors do not need a huge grid).
constexpr int kBlock = 256;
inline unsigned gridFor(int64_t count) {
  int64_t blocks = (count + kBlock - 1) / kBlock;
  if (blocks < 1)
    blocks = 1;
  return static_cast<unsigned>(blocks < 65535 * 8 ? blocks : 65535 * 8);
}

class CudaDevice final : public Device {
public:
  // Selects GPU localRank % count, creates the streams and the cuBLAS handle.
  static Status create(MatmulPrecision precision, int localRank, std::unique_ptr<Device> *out);
  ~CudaDevice() override;

  std::string name() const override { return name_; }
  cudaStream_t computeStream() const { return compute_; }
  cudaStream_t commStream() const { return comm_; }
  int ordinal() const { return ordinal_; }

  // ---- cuda_device.cu
  Status alloc(int64_t bytes, void **out) override;
  void release(void *p) override;
  DeviceMemoryStats memoryStats() const override;
  Status upload(void *dst, const void *src, int64_t bytes) override;
  Status download(void *dst, const void *src, int64_t bytes) override;
  Status copy2D(void *dst, int64_t dstPitch, const void *src, int64_t srcPitch, int64_t rowBytes,
                int64_t rows) override;
  Status synchronize() override;
  Status makeCommunicator(Communicator &host, bool staged,
                          std::unique_ptr<Communicator> *out) override;
  Status matmul(int64_t batch, int64_t m, int64_t n, int64_t k, const float *a, bool transA,
                const float *b, bool transB, float *c) override;

  // ---- started_collectives.cu
  bool startsCollectives() const override { return !stagedComms_; }
  bool startAllreduceSum(int32_t request, Communicator *comm, float *buf, int64_t count) override;
  bool startAllreduceBucket(int32_t request, Communicator *comm, int64_t n, const float *const *in,
                            float *const *out, const int64_t *counts, int64_t total) override;
  std::optional<Status> waitStarted(int32_t request) override;
  Status drainStarted() override;

  // ---- kernels/elementwise.cu
  Status stridedCopy(int ndims, const int64_t *shape, void *out, const void *in,
                     const int64_t *inStrides, int elemSize) override;
  Status binary(int op, int ndims, const int64_t *shape, float *out, const float *a,
                const int64_t *aStrides, const float *b, const int64_t *bStrides) override;
  Status equal(bool isInt, int ndims, const int64_t *shape, float *out, const void *a,
               const int64_t *aStrides, const void *b, const int64_t *bStrides) override;
  Status unary(int op, int64_t n, float *out, const float *in, float alpha) override;
  Status fill(int64_t n, float *out, float value) override;

  // ---- kernels/fused.cu
  Status fusedElementwise(int ndims, const int64_t *shape, float *out, int nInputs,
                          const float *const *inputs, const int64_t *strides, int nOps,
                          const int32_t *ops, const float *constants) override;
  Status addLayerNorm(int64_t outer, int64_t n, int64_t inner, float epsilon, const float *a,
                      const float *b, float *sum, float *y) override;

  // ---- kernels/reduce.cu
  Status reduceSum(int ndims, const int64_t *inShape, const float *in, float *out,
                   const int64_t *outStrides, int64_t outCount) override;
  Status reduceMax(int ndims, const int64_t *inShape, const float *in, float *out,
                   const int64_t *outStrides, int64_t outCount) override;
  Status reduceMaxGrad(int ndims, const int64_t *inShape, const float *in, const float *grad,
                       const int64_t *gradStrides, int64_t gradCount, float *out) override;

  // ---- kernels/softmax_xent.cu
  Status softmaxXent(int64_t outer, int64_t classes, int64_t inner, const float *logits,
                     const int32_t *labels, float *loss) override;
  Status softmaxXentGrad(int64_t outer, int64_t classes, int64_t inner, const float *logits,
                         const int32_t *labels, const float *dloss, float *dlogits) override;

  // ---- kernels/optimizer.cu
  Status sgdUpdate(int64_t n, float *param, const float *grad, float lr) override;
  Status adamUpdate(int64_t n, float *param, const float *grad, float *m, float *v, float lr,
                    float beta1, float beta2, float epsilon, float weightDecay,
                    int64_t step) override;
  Status momentumUpdate(int64_t n, float *param, const float *grad, float *velocity, float lr,
                        float momentum) override;

  // ---- kernels/nn.cu
  Status layerNorm(int64_t outer, int64_t n, int64_t inner, float epsilon, const float *x,
                   float *y) override;
  // layerNormGrad with an addend (meshc.layer_norm_grad_add): the same kernels.
  Status layerNormGradAdd(int64_t outer, int64_t n, int64_t inner, float epsilon, const float *x,
                          const float *dy, const float *addend, float *dx) override;
  Status layerNormGrad(int64_t outer, int64_t n, int64_t inner, float epsilon, const float *x,
                       const float *dy, float *dx) override;
  Status gelu(int64_t count, const float *x, float *y) override;
  Status geluGrad(int64_t count, const float *x, const float *dy, float *dx) override;
  Status softmax(int64_t outer, int64_t n, int64_t inner, const float *x, float *y) override;
  Status causalMask(const Slice &slice, int queryDim, int keyDim, float value, const float *in,
                    float *out) override;
  Status dropout(const Slice &slice, uint64_t prefix, float rate, const float *in,
                 float *out) override;

  // ---- kernels/attention.cu
  Status attention(const AttentionShape &a, const float *q, const float *k, const float *v,
                   float *out, float *lse) override;
  Status attentionGrad(const AttentionShape &a, const float *q, const float *k, const float *v,
                       const float *out, const float *lse, const float *dout, float *dq, float *dk,
                       float *dv) override;
  // ---- kernels/data.cu
  Status synthetic(const Slice &slice, const synthetic::Prefixes &prefixes, int64_t step,
                   int32_t classes, bool labels, void *out) override;

  // ---- kernels/index.cu
  Status embedding(int64_t n, int64_t localVocab, int64_t row, int64_t vocabOffset,
                   const float *table, const int32_t *ids, float *out) override;
  Status embeddingGrad(int64_t n, int64_t localVocab, int64_t row, int64_t vocabOffset,
                       const int32_t *ids, const float *grad, float *tableGrad) override;
  Status oneHot(int64_t outer, int64_t classes, int64_t inner, int64_t classOffset, const void *in,
                bool inIsInt, float *out) override;
  Status argmax(int64_t outer, int64_t n, int64_t inner, const float *in, int32_t *out) override;
  Status cumsum(int64_t outer, int64_t n, int64_t inner, bool exclusive, bool reverse,
                const float *in, float *out) override;
  Status copyWindow(int64_t outer, int64_t inner, const void *in, int64_t inN, int64_t inStart,
                    void *out, int64_t outN, int64_t outStart, int64_t len, int elemSize) override;

  // ---- kernels/cnn.cu (cuDNN)
  Status convForward(const WindowGeometry &g, const float *x, const float *w, float *y) override;
  Status convBackwardData(const WindowGeometry &g, const float *w, const float *dy,
                          float *dx) override;
  Status convBackwardWeights(const WindowGeometry &g, const float *x, const float *dy,
                             float *dw) override;
  Status poolForward(int kind, const WindowGeometry &g, const float *x, float *y) override;
  Status poolBackward(int kind, const WindowGeometry &g, const float *x, const float *dy,
                      float *dx) override;
  Status batchNorm(int64_t n, int64_t c, int64_t s, float epsilon, const float *x,
                   const float *mean, const float *var, const float *scale, const float *shift,
                   float *y) override;
  Status batchNormGrad(int64_t n, int64_t c, int64_t s, float epsilon, const float *x,
                       const float *mean, const float *var, const float *scale, const float *dy,
                       float *dx, float *dmean, float *dvar, float *dscale, float *dshift) override;
  Status convBiasActForward(const WindowGeometry &g, const float *x, const float *w, const float *b,
                            bool relu, float *y) override;
  Status convBackwardWeightsBias(const WindowGeometry &g, const float *x, const float *dy,
                                 float *dw, float *db) override;

private:
  // One started collective (started_collectives.cu), kept by request number across steps.
  struct StartedRequest {
    cudaEvent_t done = nullptr;   // recorded after the request's last queued work
    bool inFlight = false;        // started and not waited for
    bool recorded = false;        // `done` was recorded by this start
    bool joined = false;          // the compute stream waits for `done` already (drainStarted)
    Status status;                // the start's first failure, reported at the wait
    Communicator *nccl = nullptr; // asked for its asynchronous error at the wait
    void *packed = nullptr;       // a bucket's device buffer, reused by the request's next start
    int64_t packedBytes = 0;
  };

  CudaDevice() = default;
  // The cuDNN handle on the compute stream, made on first use (kernels/cnn.cu).
  Status cudnn(cudnnHandle_t *out);
  // started_collectives.cu: the request's entry made ready for a start (null where it is in
  // flight); the communication stream made to wait for the compute stream's work so far; the
  // request's `done` recorded on the communication stream; the events released (destructor).
  StartedRequest *beginStart(int32_t request, Communicator *comm);
  Status joinComputeToComm();
  void finishStart(StartedRequest &r);
  void releaseStarted();

  int ordinal_ = 0;
  std::string name_;
  MatmulPrecision precision_ = MatmulPrecision::FP32;
  cudaStream_t compute_ = nullptr;
  cudaStream_t comm_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  CachingAllocator allocator_;
  bool stagedComms_ = false; // makeCommunicator made staged communicators: no started collectives
  std::map<int32_t, StartedRequest> started_;
  cudaEvent_t startReady_ = nullptr; // compute stream -> communication stream, at a start
  cudaEvent_t drained_ = nullptr;    // communication stream -> compute stream, at drainStarted
};

} // namespace meshrt::cuda

#endif // MESHRT_SRC_DEVICE_CUDA_CUDA_DEVICE_H
