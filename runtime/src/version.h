// version.h — what this libmeshrt is and where it was loaded from: for an executable's
// --version and for finding the CUDA plugin beside the library.
#ifndef MESHRT_SRC_VERSION_H
#define MESHRT_SRC_VERSION_H

#include <string>

namespace meshrt {

// The meshc project version this libmeshrt was built as (CMake's project version).
const char *runtimeVersion();

// The canonical absolute path of the libmeshrt.so this process loaded (dladdr of one of its own
// functions, then realpath), or "" when it cannot be told.
std::string runtimeLibraryPath();

// The --version text: the meshc version that compiled the program (as the generated code passed
// it; "unknown" when null), the runtime's version and path, and the devices built in. Loads
// nothing and initialises no device.
std::string versionReport(const std::string &programName, const std::string &meshSpec,
                          const char *meshcVersion);

} // namespace meshrt

#endif // MESHRT_SRC_VERSION_H
