// plugin.cpp — the entry point of libmeshrt_cuda.so, the CUDA backend that libmeshrt dlopen()s
// (device/cuda_plugin.h): the one exported symbol, a table of the backend's functions.
#include "device/cuda/cuda_device.h"
#include "device/cuda_plugin.h"

namespace meshrt::cuda {
namespace {

int deviceCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return count;
}

constexpr CudaPluginApi kApi = {
    sizeof(CudaPluginApi), kCudaPluginAbiVersion, MESHRT_VERSION, deviceCount, CudaDevice::create,
};

} // namespace
} // namespace meshrt::cuda

extern "C" __attribute__((visibility("default"))) const meshrt::CudaPluginApi *
meshrt_cuda_plugin() {
  return &meshrt::cuda::kApi;
}
