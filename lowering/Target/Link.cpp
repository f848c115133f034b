// Linking with the system compiler driver: it knows the C runtime start files and libraries.
#include "lowering/Target/Link.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

#ifndef MESHC_RUNTIME_DIR
#error "MESHC_RUNTIME_DIR must name the directory of libmeshrt.so"
#endif

std::string meshc::runtimeLibraryDir() {
  if (const char *dir = std::getenv("MESHC_RUNTIME_DIR"))
    return dir;
  return MESHC_RUNTIME_DIR;
}

mlir::LogicalResult meshc::linkExecutable(llvm::StringRef object, llvm::StringRef output,
                                          std::string &error) {
  const char *cxx = std::getenv("MESHC_CXX");
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName(cxx ? cxx : "c++");
  if (!driver) {
    error = std::string("cannot find the C++ compiler driver '") + (cxx ? cxx : "c++") +
            "' to link with (set MESHC_CXX)";
    return mlir::failure();
  }
  std::string dir = runtimeLibraryDir();
  if (!llvm::sys::fs::exists(dir + "/libmeshrt.so")) {
    error = "cannot find libmeshrt.so in '" + dir + "' (set MESHC_RUNTIME_DIR)";
    return mlir::failure();
  }
  std::string rpath = "-Wl,-rpath," + dir, libDir = "-L" + dir;
  llvm::SmallVector<llvm::StringRef> args = {*driver, object, "-o",   output,
                                             libDir,  "-lmeshrt", rpath};
  std::string message;
  int code = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0, &message);
  if (code != 0) {
    error = "linking '" + output.str() + "' failed" + (message.empty() ? "" : ": " + message);
    return mlir::failure();
  }
  return mlir::success();
}
