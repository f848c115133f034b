// cuda_plugin.h — the contract between libmeshrt and its CUDA backend, libmeshrt_cuda.so.
//
// The backend is a plugin that libmeshrt dlopen()s only when a program asks for CUDA (--device
// cuda, meshrt_device_count("cuda")), so that libmeshrt itself needs no CUDA library and one
// executable serves CPU-only and GPU nodes alike. The plugin exports one C symbol,
// kCudaPluginEntry, returning a table whose first fields (size, ABI version, build version) are
// checked before anything else is used. Beyond the table the two sides talk through the C++
// interfaces of device.h and comm/communicator.h (virtual calls, Status values), built by the
// same compiler in the same build.
//
// Bump kCudaPluginAbiVersion whenever this table or the Device / Communicator interfaces (their
// virtual methods, Slice, synthetic::Prefixes, Status) change: a plugin of another ABI is
// refused at load instead of calling through the wrong vtable slot.
#ifndef MESHRT_SRC_DEVICE_CUDA_PLUGIN_H
#define MESHRT_SRC_DEVICE_CUDA_PLUGIN_H

#include "device/device.h"

#include <cstdint>
#include <memory>

namespace meshrt {

// 2: Device::equal, 3: adamUpdate weightDecay, 4: the CNN family and Communicator::sendRecv,
// 5: the started collectives (Device::startsCollectives ... drainStarted), 6: the fused
// layerNormGradAdd, convBiasActForward and convBackwardWeightsBias
constexpr uint32_t kCudaPluginAbiVersion = 6;
// The plugin's file name, looked for in the directory of the loaded libmeshrt.so.
constexpr const char *kCudaPluginFile = "libmeshrt_cuda.so";
// Environment variable naming the plugin file to load instead.
constexpr const char *kCudaPluginEnv = "MESHRT_CUDA_PLUGIN";
// The exported entry point: `const CudaPluginApi *meshrt_cuda_plugin(void)`.
constexpr const char *kCudaPluginEntry = "meshrt_cuda_plugin";

struct CudaPluginApi {
  uint32_t size;       // sizeof(CudaPluginApi) in the plugin's build
  uint32_t abiVersion; // kCudaPluginAbiVersion in the plugin's build
  const char *version; // the meshc version the plugin was built with (must equal libmeshrt's)
  // device.h's cudaDeviceCount and createCudaDevice, implemented by the plugin.
  int (*deviceCount)();
  Status (*createDevice)(MatmulPrecision precision, int localRank, std::unique_ptr<Device> *out);
};

using CudaPluginEntryFn = const CudaPluginApi *(*)();

} // namespace meshrt

#endif // MESHRT_SRC_DEVICE_CUDA_PLUGIN_H
