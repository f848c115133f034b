// fake_cuda_plugin.cpp — a CUDA plugin from "another build", for the loader's refusal tests:
// it exports the real entry point but announces FAKE_ABI_VERSION / FAKE_VERSION, which differ
// from libmeshrt's. Its functions must never be called; they fail loudly if they are.
#include "device/cuda_plugin.h"

#include <cstdio>
#include <cstdlib>

namespace {

int deviceCount() {
  std::fprintf(stderr, "fake_cuda_plugin: deviceCount called on a refused plugin\n");
  std::abort();
}

meshrt::Status createDevice(meshrt::MatmulPrecision, int, std::unique_ptr<meshrt::Device> *) {
  std::fprintf(stderr, "fake_cuda_plugin: createDevice called on a refused plugin\n");
  std::abort();
}

const meshrt::CudaPluginApi kApi = {sizeof(meshrt::CudaPluginApi), FAKE_ABI_VERSION, FAKE_VERSION,
                                    deviceCount, createDevice};

} // namespace

extern "C" __attribute__((visibility("default"))) const meshrt::CudaPluginApi *
meshrt_cuda_plugin() {
  return &kApi;
}
