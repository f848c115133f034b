// no_cuda.cpp — the device.h entry points of a libmeshrt built without the CUDA backend
// (compiled instead of cuda_plugin_loader.cpp; such a build has no plugin to load).
#include "device/device.h"

namespace meshrt {

int cudaDeviceCount() { return 0; }

Status createCudaDevice(MatmulPrecision, int, std::unique_ptr<Device> *) {
  return Status::error(MESHRT_INVALID_ARGUMENT,
                       "this libmeshrt was built without CUDA support (configure "
                       "with the CUDA toolkit installed and MESHC_ENABLE_CUDA=ON)");
}

std::string describeCudaBackend() {
  return "not available: this libmeshrt was built without CUDA support";
}

} // namespace meshrt
