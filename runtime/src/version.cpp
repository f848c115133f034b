// version.cpp — the runtime's version and location, and the --version report.
#include "version.h"

#include "device/device.h"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>

#ifndef MESHRT_VERSION
#error "MESHRT_VERSION must be the meshc project version (set by runtime/CMakeLists.txt)"
#endif

namespace meshrt {

const char *runtimeVersion() { return MESHRT_VERSION; }

std::string runtimeLibraryPath() {
  // A hidden function of this library: its address cannot be the executable's PLT stub, as
  // an exported function's might be.
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&runtimeLibraryPath), &info) == 0 || !info.dli_fname ||
      !*info.dli_fname)
    return "";
  char resolved[PATH_MAX];
  if (!realpath(info.dli_fname, resolved))
    return info.dli_fname;
  return resolved;
}

std::string versionReport(const std::string &programName, const std::string &meshSpec,
                          const char *meshcVersion) {
  const std::string library = runtimeLibraryPath();
  return strformat("program '%s' compiled by meshc %s for mesh %s\n"
                   "runtime: libmeshrt %s at %s\n"
                   "device cpu: built in\n"
                   "device cuda: %s\n",
                   programName.c_str(), meshcVersion && *meshcVersion ? meshcVersion : "unknown",
                   meshSpec.c_str(), runtimeVersion(),
                   library.empty() ? "(path unknown)" : library.c_str(),
                   describeCudaBackend().c_str());
}

} // namespace meshrt
