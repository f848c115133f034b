// cnn.cu — the CNN family on the GPU. Not implemented yet in this commit: every method fails
// with a status that says so (the CPU kernels are complete).
#include "device/cuda/cuda_device.h"

namespace meshrt::cuda {
namespace {
Status notYet(const char *what) {
  return Status::error(MESHRT_KERNEL_ERROR,
                       strformat("%s is not implemented on CUDA in this build", what));
}
} // namespace

Status CudaDevice::convForward(const WindowGeometry &, const float *, const float *, float *) {
  return notYet("conv_forward");
}
Status CudaDevice::convBackwardData(const WindowGeometry &, const float *, const float *,
                                    float *) {
  return notYet("conv_backward_data");
}
Status CudaDevice::convBackwardWeights(const WindowGeometry &, const float *, const float *,
                                       float *) {
  return notYet("conv_backward_weights");
}
Status CudaDevice::poolForward(int, const WindowGeometry &, const float *, float *) {
  return notYet("pool_forward");
}
Status CudaDevice::poolBackward(int, const WindowGeometry &, const float *, const float *,
                                float *) {
  return notYet("pool_backward");
}
Status CudaDevice::batchNorm(int64_t, int64_t, int64_t, float, const float *, const float *,
                             const float *, const float *, const float *, float *) {
  return notYet("batch_norm");
}
Status CudaDevice::batchNormGrad(int64_t, int64_t, int64_t, float, const float *, const float *,
                                 const float *, const float *, const float *, float *, float *,
                                 float *, float *, float *) {
  return notYet("batch_norm_grad");
}

} // namespace meshrt::cuda
