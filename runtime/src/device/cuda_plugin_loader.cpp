// cuda_plugin_loader.cpp — the device.h entry points of a libmeshrt built with the CUDA backend:
// they load the backend, libmeshrt_cuda.so (cuda_plugin.h), on first use and call into it.
//
// libmeshrt links no CUDA library, so a CPU run starts where none is installed; only a request
// for CUDA dlopen()s the plugin, which brings in libcudart, cuBLAS and NCCL. Whatever stops the
// plugin from loading (no file, a missing CUDA library, another build's plugin) becomes the
// status of createCudaDevice, one line naming the plugin file and the reason.
#include "device/cuda_plugin.h"
#include "version.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace meshrt {
namespace {

struct Plugin {
  std::string path;
  const CudaPluginApi *api = nullptr; // null when loading failed: see status
  Status status;
};

// $MESHRT_CUDA_PLUGIN, else libmeshrt_cuda.so in the directory of the loaded libmeshrt.so
// (empty when that cannot be told).
std::string pluginPath(bool *fromEnv) {
  const char *env = std::getenv(kCudaPluginEnv);
  *fromEnv = env && *env;
  if (*fromEnv)
    return env; // used as given
  const std::string library = runtimeLibraryPath();
  const size_t slash = library.rfind('/');
  if (slash == std::string::npos)
    return "";
  return library.substr(0, slash + 1) + kCudaPluginFile;
}

Status loadError(const std::string &path, const std::string &reason) {
  return Status::error(MESHRT_INVALID_ARGUMENT, strformat("cannot load the CUDA plugin %s: %s",
                                                          path.c_str(), reason.c_str()));
}

Plugin load() {
  Plugin plugin;
  bool fromEnv = false;
  plugin.path = pluginPath(&fromEnv);
  if (plugin.path.empty()) {
    plugin.status = Status::error(MESHRT_INVALID_ARGUMENT,
                                  strformat("cannot find the CUDA plugin: the path of libmeshrt.so "
                                            "is unknown (set %s to the plugin's path)",
                                            kCudaPluginEnv));
    return plugin;
  }
  // RTLD_NOW: a missing symbol fails here, not in the middle of a run. Never closed once
  // loaded: devices and communicators made by it live until exit.
  void *handle = dlopen(plugin.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *error = dlerror();
    std::string reason = error ? error : "dlopen failed";
    // glibc starts the message with the file's path when the file itself is the problem.
    if (reason.rfind(plugin.path + ": ", 0) == 0)
      reason.erase(0, plugin.path.size() + 2);
    plugin.status = loadError(plugin.path, reason);
    return plugin;
  }
  auto entry = reinterpret_cast<CudaPluginEntryFn>(dlsym(handle, kCudaPluginEntry));
  if (!entry) {
    plugin.status = loadError(plugin.path, strformat("it does not export %s, so it is not a meshrt "
                                                     "CUDA plugin",
                                                     kCudaPluginEntry));
    dlclose(handle);
    return plugin;
  }
  // size and abiVersion are the two fields every ABI version starts with; nothing else of the
  // table is read before they match.
  const CudaPluginApi *api = entry();
  if (!api || api->abiVersion != kCudaPluginAbiVersion || api->size != sizeof(CudaPluginApi)) {
    plugin.status = loadError(
        plugin.path,
        api ? strformat("plugin ABI version %u (table of %u bytes), but this "
                        "libmeshrt needs version %u (%zu bytes): use the plugin "
                        "built with this libmeshrt",
                        api->abiVersion, api->size, kCudaPluginAbiVersion, sizeof(CudaPluginApi))
            : std::string("its entry point returned no table"));
    dlclose(handle);
    return plugin;
  }
  if (!api->version || std::strcmp(api->version, runtimeVersion()) != 0) {
    plugin.status = loadError(
        plugin.path, strformat("it was built by meshc %s, this libmeshrt by meshc %s: "
                               "use the plugin built with this libmeshrt",
                               api->version ? api->version : "(unknown)", runtimeVersion()));
    dlclose(handle);
    return plugin;
  }
  plugin.api = api;
  return plugin;
}

// Loaded once per process (thread-safe static initialisation), on first use.
const Plugin &plugin() {
  static const Plugin loaded = load();
  return loaded;
}

} // namespace

int cudaDeviceCount() {
  const Plugin &p = plugin();
  return p.api ? p.api->deviceCount() : 0;
}

Status createCudaDevice(MatmulPrecision precision, int localRank, std::unique_ptr<Device> *out) {
  const Plugin &p = plugin();
  if (!p.api)
    return p.status;
  return p.api->createDevice(precision, localRank, out);
}

std::string describeCudaBackend() {
  bool fromEnv = false;
  const std::string path = pluginPath(&fromEnv);
  const char *source = fromEnv ? ", from MESHRT_CUDA_PLUGIN" : "";
  if (path.empty())
    return strformat("plugin not found: the path of libmeshrt.so is unknown (set %s)",
                     kCudaPluginEnv);
  if (access(path.c_str(), R_OK) != 0)
    return strformat("plugin not found: %s (%s%s)", path.c_str(), std::strerror(errno), source);
  return strformat("plugin %s (loaded by --device cuda%s)", path.c_str(), source);
}

} // namespace meshrt
