// device.h — an accelerator that the runtime's kernels and collectives can run on.
//
// A context runs on the CPU until meshrt_context_use_device() gives it a Device; from then on
// every buffer meshrt_alloc hands out is device memory, and every ABI kernel checks its
// arguments as before and then calls the Device method of the same name instead of the CPU
// code. The contracts are those of meshrt.h (shapes LOCAL, buffers dense row-major) with
// device pointers; the integer arrays (shapes, strides) are HOST memory. Work is queued on the
// device's compute stream in call order; a method returns an error only for what it can see at
// the call (a failed launch, bad configuration) — asynchronous faults surface at the next
// synchronising call (download, synchronize), which names itself.
//
// Parameters are generated on the host by the CPU code and uploaded (once); synthetic inputs
// (every step) are generated on the device from the same formulas (data/synthetic_formula.h),
// bit-identical to the CPU's.
#ifndef MESHRT_SRC_DEVICE_DEVICE_H
#define MESHRT_SRC_DEVICE_DEVICE_H

#include "status.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace meshrt {

class Communicator;
struct Slice;
struct WindowGeometry;
struct AttentionShape;
namespace synthetic {
struct Prefixes;
}

// How matmuls use the tensor cores: exact fp32, TF32 inputs (10-bit mantissa), or bf16 inputs;
// accumulation is fp32 in every case.
enum class MatmulPrecision { FP32, TF32, BF16 };

// Device memory bookkeeping of the caching allocator.
struct DeviceMemoryStats {
  int64_t driverAllocs = 0; // blocks obtained from the driver (cudaMalloc calls)
  int64_t driverBytes = 0;  // bytes held from the driver
  int64_t requests = 0;     // alloc() calls served
  int64_t inUseBytes = 0;   // bytes handed out and not released
  int64_t peakInUseBytes = 0;
};

class Device {
public:
  virtual ~Device() = default;

  // "cuda:0 (NVIDIA H100 80GB HBM3, sm_90, 79.1 GiB)".
  virtual std::string name() const = 0;

  // ---- memory (a caching allocator: the driver is asked only when no cached block fits)
  // Zero-filled, 256-byte aligned.
  virtual Status alloc(int64_t bytes, void **out) = 0;
  virtual void release(void *p) = 0;
  virtual DeviceMemoryStats memoryStats() const = 0;
  // Host -> device, ordered after the work queued so far; `src` may be reused on return.
  virtual Status upload(void *dst, const void *src, int64_t bytes) = 0;
  // Device -> host after all queued work (the caller's synchronisation point).
  virtual Status download(void *dst, const void *src, int64_t bytes) = 0;
  // Device -> device: `rows` rows of `rowBytes`, `dstPitch` / `srcPitch` bytes apart.
  virtual Status copy2D(void *dst, int64_t dstPitch, const void *src, int64_t srcPitch,
                        int64_t rowBytes, int64_t rows) = 0;
  // Waits for all queued work; reports asynchronous errors.
  virtual Status synchronize() = 0;

  // ---- communication
  // The device counterpart of `host` (same ranks, same order), taking device buffers: NCCL on
  // the communication stream, ordered against the compute stream with events; or, when
  // `staged`, `host` itself on host copies of the buffers (for ranks that share a GPU).
  // Collective over host's ranks.
  virtual Status makeCommunicator(Communicator &host, bool staged,
                                  std::unique_ptr<Communicator> *out) = 0;

  // ---- non-blocking collectives (meshrt_allreduce_sum_start, meshrt_all_reduce_bucket_start,
  // meshrt_collective_wait). `comm` is one of this device's communicators (null: a sum over no
  // axes); `request` is the caller's number for the collective, started at most once before its
  // wait. A start returns once the work is queued: its failures are kept for the wait.
  // Whether starts run beside the compute stream (NCCL on the communication stream); false
  // (the staged path) means the caller runs the blocking collective at the start instead.
  virtual bool startsCollectives() const = 0;
  // The in-place sum of `count` floats of buf, after the compute stream's work so far, without
  // the compute stream waiting for it. False (nothing queued) where `request` is started already.
  virtual bool startAllreduceSum(int32_t request, Communicator *comm, float *buf,
                                 int64_t count) = 0;
  // A bucket: in[i] (counts[i] floats, `total` in all) packed in call order on the compute
  // stream (so the operands may be overwritten once this returns), summed, and unpacked into
  // out[i], without the compute stream waiting for the sum. False as startAllreduceSum.
  virtual bool startAllreduceBucket(int32_t request, Communicator *comm, int64_t n,
                                    const float *const *in, float *const *out,
                                    const int64_t *counts, int64_t total) = 0;
  // The compute stream's later work waits for `request`'s collective (no host wait); its status
  // (the first failure of the start, the wait or the communicator), or nothing where `request`
  // was not started.
  virtual std::optional<Status> waitStarted(int32_t request) = 0;
  // The compute stream's later work waits for every started collective (their waits still
  // come): what a blocking collective does first, as the CPU drains its communication thread.
  virtual Status drainStarted() = 0;

  // ---- kernels: meshrt.h's contracts, device pointers, arguments already checked.
  virtual Status matmul(int64_t batch, int64_t m, int64_t n, int64_t k, const float *a, bool transA,
                        const float *b, bool transB, float *c) = 0;
  virtual Status stridedCopy(int ndims, const int64_t *shape, void *out, const void *in,
                             const int64_t *inStrides, int elemSize) = 0;
  virtual Status binary(int op, int ndims, const int64_t *shape, float *out, const float *a,
                        const int64_t *aStrides, const float *b, const int64_t *bStrides) = 0;
  // out (f32) = 1 where a == b else 0; a and b are int32 when `isInt`, else f32.
  virtual Status equal(bool isInt, int ndims, const int64_t *shape, float *out, const void *a,
                       const int64_t *aStrides, const void *b, const int64_t *bStrides) = 0;
  virtual Status unary(int op, int64_t n, float *out, const float *in, float alpha) = 0;
  // meshrt_fused_elementwise's program; `inputs` (device pointers) and `strides` are host arrays.
  virtual Status fusedElementwise(int ndims, const int64_t *shape, float *out, int nInputs,
                                  const float *const *inputs, const int64_t *strides, int nOps,
                                  const int32_t *ops, const float *constants) = 0;
  virtual Status fill(int64_t n, float *out, float value) = 0;
  virtual Status reduceSum(int ndims, const int64_t *inShape, const float *in, float *out,
                           const int64_t *outStrides, int64_t outCount) = 0;
  virtual Status reduceMax(int ndims, const int64_t *inShape, const float *in, float *out,
                           const int64_t *outStrides, int64_t outCount) = 0;
  virtual Status reduceMaxGrad(int ndims, const int64_t *inShape, const float *in,
                               const float *grad, const int64_t *gradStrides, int64_t gradCount,
                               float *out) = 0;
  virtual Status softmaxXent(int64_t outer, int64_t classes, int64_t inner, const float *logits,
                             const int32_t *labels, float *loss) = 0;
  virtual Status softmaxXentGrad(int64_t outer, int64_t classes, int64_t inner, const float *logits,
                                 const int32_t *labels, const float *dloss, float *dlogits) = 0;
  virtual Status sgdUpdate(int64_t n, float *param, const float *grad, float lr) = 0;
  virtual Status adamUpdate(int64_t n, float *param, const float *grad, float *m, float *v,
                            float lr, float beta1, float beta2, float epsilon, float weightDecay,
                            int64_t step) = 0;
  virtual Status momentumUpdate(int64_t n, float *param, const float *grad, float *velocity,
                                float lr, float momentum) = 0;
  virtual Status layerNorm(int64_t outer, int64_t n, int64_t inner, float epsilon, const float *x,
                           float *y) = 0;
  virtual Status layerNormGrad(int64_t outer, int64_t n, int64_t inner, float epsilon,
                               const float *x, const float *dy, float *dx) = 0;
  virtual Status addLayerNorm(int64_t outer, int64_t n, int64_t inner, float epsilon,
                              const float *a, const float *b, float *sum, float *y) = 0;
  // dx = layerNormGrad's dx + addend; dx may be addend.
  virtual Status layerNormGradAdd(int64_t outer, int64_t n, int64_t inner, float epsilon,
                                  const float *x, const float *dy, const float *addend,
                                  float *dx) = 0;
  virtual Status gelu(int64_t count, const float *x, float *y) = 0;
  virtual Status geluGrad(int64_t count, const float *x, const float *dy, float *dx) = 0;
  virtual Status softmax(int64_t outer, int64_t n, int64_t inner, const float *x, float *y) = 0;
  // `slice` locates this rank's block in the global tensor (data/slice.h).
  virtual Status causalMask(const Slice &slice, int queryDim, int keyDim, float value,
                            const float *in, float *out) = 0;
  // prefix = random::hashAt(random::hashPrefix(seed, key), step): element i of the global
  // tensor is kept when uniform01(hashAt(prefix, i)) >= rate (data/random.h).
  virtual Status dropout(const Slice &slice, uint64_t prefix, float rate, const float *in,
                         float *out) = 0;
  // Fused attention and its adjoint (meshrt.h; kernels/attention_shape.h says what `a` holds).
  virtual Status attention(const AttentionShape &a, const float *q, const float *k, const float *v,
                           float *out, float *lse) = 0;
  virtual Status attentionGrad(const AttentionShape &a, const float *q, const float *k,
                               const float *v, const float *out, const float *lse,
                               const float *dout, float *dq, float *dk, float *dv) = 0;
  // The synthetic batch of `step` (data/synthetic_formula.h) for this rank's slice: int32
  // labels or f32 features.
  virtual Status synthetic(const Slice &slice, const synthetic::Prefixes &prefixes, int64_t step,
                           int32_t classes, bool labels, void *out) = 0;
  // vocabOffset: the global id of this rank's first table row.
  virtual Status embedding(int64_t n, int64_t localVocab, int64_t row, int64_t vocabOffset,
                           const float *table, const int32_t *ids, float *out) = 0;
  virtual Status embeddingGrad(int64_t n, int64_t localVocab, int64_t row, int64_t vocabOffset,
                               const int32_t *ids, const float *grad, float *tableGrad) = 0;
  virtual Status oneHot(int64_t outer, int64_t classes, int64_t inner, int64_t classOffset,
                        const void *in, bool inIsInt, float *out) = 0;
  virtual Status argmax(int64_t outer, int64_t n, int64_t inner, const float *in, int32_t *out) = 0;
  virtual Status cumsum(int64_t outer, int64_t n, int64_t inner, bool exclusive, bool reverse,
                        const float *in, float *out) = 0;
  virtual Status copyWindow(int64_t outer, int64_t inner, const void *in, int64_t inN,
                            int64_t inStart, void *out, int64_t outN, int64_t outStart, int64_t len,
                            int elemSize) = 0;

  // ---- the CNN family: `g` as checked by the entry point (kernels/window.h); `kind` a
  // meshrt_pool_kind. The halo exchange needs no method: it is copy2D, fill, binary and the
  // device communicator's sendRecv.
  virtual Status convForward(const WindowGeometry &g, const float *x, const float *w, float *y) = 0;
  virtual Status convBackwardData(const WindowGeometry &g, const float *w, const float *dy,
                                  float *dx) = 0;
  virtual Status convBackwardWeights(const WindowGeometry &g, const float *x, const float *dy,
                                     float *dw) = 0;
  virtual Status poolForward(int kind, const WindowGeometry &g, const float *x, float *y) = 0;
  virtual Status poolBackward(int kind, const WindowGeometry &g, const float *x, const float *dy,
                              float *dx) = 0;
  virtual Status batchNorm(int64_t n, int64_t c, int64_t s, float epsilon, const float *x,
                           const float *mean, const float *var, const float *scale,
                           const float *shift, float *y) = 0;
  virtual Status batchNormGrad(int64_t n, int64_t c, int64_t s, float epsilon, const float *x,
                               const float *mean, const float *var, const float *scale,
                               const float *dy, float *dx, float *dmean, float *dvar, float *dscale,
                               float *dshift) = 0;
  // The convolution fusions of meshc-fuse-conv: convForward plus the bias b[F] (then relu);
  // convBackwardWeights plus db[F], the sum of dy over N and the spatial dims.
  virtual Status convBiasActForward(const WindowGeometry &g, const float *x, const float *w,
                                    const float *b, bool relu, float *y) = 0;
  virtual Status convBackwardWeightsBias(const WindowGeometry &g, const float *x, const float *dy,
                                         float *dw, float *db) = 0;
};

// The CUDA backend lives in a plugin, libmeshrt_cuda.so, beside libmeshrt.so (or at
// $MESHRT_CUDA_PLUGIN), which the first of the two calls below loads (cuda_plugin_loader.cpp;
// no_cuda.cpp in a build without CUDA). A plugin that cannot be loaded (missing, or missing the
// CUDA libraries it links) is reported by createCudaDevice and counts as no device.

// The number of CUDA devices this process can use: 0 when there is no driver or device, when
// the plugin cannot be loaded, or when libmeshrt was built without CUDA.
int cudaDeviceCount();

// The GPU for this process is localRank % cudaDeviceCount(). Fails with a one-line message
// naming the plugin and the loader's reason, the CUDA call, or "built without CUDA support"
// when none can be used.
Status createCudaDevice(MatmulPrecision precision, int localRank, std::unique_ptr<Device> *out);

// For --version: where the CUDA backend is, without loading it or initialising CUDA, e.g.
// "plugin /opt/meshc/lib/libmeshrt_cuda.so (loaded by --device cuda)".
std::string describeCudaBackend();

} // namespace meshrt

#endif // MESHRT_SRC_DEVICE_DEVICE_H
