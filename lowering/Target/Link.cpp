// Linking with the system compiler driver: it knows the C runtime start files and libraries.
// The runtime is found relative to meshc itself (not at a path baked in at build time), so
// the same meshc works in its build tree, installed under any prefix, and after either moved.
#include "lowering/Target/Link.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

// Relative to the directory of the meshc executable: where the install puts libmeshrt
// (CMAKE_INSTALL_BINDIR -> CMAKE_INSTALL_LIBDIR) and where the build tree has it (bin -> lib).
#if !defined(MESHC_INSTALLED_RUNTIME_DIR) || !defined(MESHC_BUILD_RUNTIME_DIR)
#error "MESHC_INSTALLED_RUNTIME_DIR and MESHC_BUILD_RUNTIME_DIR must be defined by CMake"
#endif

namespace {

/// `path` made absolute and without `.`/`..`: it becomes the executable's RUNPATH.
std::string absoluteDir(llvm::StringRef path) {
  llvm::SmallString<256> dir(path);
  llvm::sys::fs::make_absolute(dir);
  llvm::sys::path::remove_dots(dir, /*remove_dot_dot=*/true);
  return std::string(dir);
}

bool hasRuntime(llvm::StringRef dir) {
  llvm::SmallString<256> library(dir);
  llvm::sys::path::append(library, "libmeshrt.so");
  return llvm::sys::fs::exists(library);
}

} // namespace

std::string meshc::findRuntimeLibraryDir(llvm::StringRef meshcExecutable, std::string &error) {
  if (const char *dir = std::getenv("MESHC_RUNTIME_DIR")) {
    std::string absolute = absoluteDir(dir);
    if (hasRuntime(absolute))
      return absolute;
    error = "cannot find libmeshrt.so in '" + absolute + "' (from MESHC_RUNTIME_DIR)";
    return "";
  }
  llvm::StringRef binDir = llvm::sys::path::parent_path(meshcExecutable);
  std::string tried;
  for (llvm::StringRef relative : {MESHC_INSTALLED_RUNTIME_DIR, MESHC_BUILD_RUNTIME_DIR}) {
    llvm::SmallString<256> candidate(binDir);
    llvm::sys::path::append(candidate, relative);
    std::string dir = absoluteDir(candidate);
    if (hasRuntime(dir))
      return dir;
    if (tried.find("'" + dir + "'") == std::string::npos)
      tried += (tried.empty() ? "'" : " or '") + dir + "'";
  }
  error = "cannot find libmeshrt.so in " + tried +
          " (beside meshc's own installation; set MESHC_RUNTIME_DIR)";
  return "";
}

mlir::LogicalResult meshc::linkExecutable(llvm::StringRef object, llvm::StringRef output,
                                          llvm::StringRef runtimeDir, std::string &error) {
  const char *cxx = std::getenv("MESHC_CXX");
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName(cxx ? cxx : "c++");
  if (!driver) {
    error = std::string("cannot find the C++ compiler driver '") + (cxx ? cxx : "c++") +
            "' to link with (set MESHC_CXX)";
    return mlir::failure();
  }
  // -Xlinker pairs, not -Wl,-rpath,DIR: that would split a directory name at its commas.
  std::string libDir = "-L" + runtimeDir.str();
  llvm::SmallVector<llvm::StringRef> args = {*driver,    object,     "-o",       output,
                                             libDir,     "-lmeshrt", "-Xlinker", "-rpath",
                                             "-Xlinker", runtimeDir};
  std::string message;
  int code = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0, &message);
  if (code != 0) {
    error = "linking '" + output.str() + "' failed" + (message.empty() ? "" : ": " + message);
    return mlir::failure();
  }
  return mlir::success();
}
