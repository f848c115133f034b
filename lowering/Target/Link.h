// Links the object file of a program with libmeshrt into an executable (system C++ driver).
#ifndef MESHC_LOWERING_TARGET_LINK_H
#define MESHC_LOWERING_TARGET_LINK_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace meshc {

/// The absolute directory holding libmeshrt.so for the meshc executable at `meshcExecutable`:
/// $MESHC_RUNTIME_DIR when set; else found relative to the executable's own directory, in the
/// installed layout (<bindir>/../<libdir>, e.g. /usr/bin -> /usr/lib/x86_64-linux-gnu) or the
/// build tree's (build/bin -> build/lib), so that a meshc that is installed or moved never
/// refers to the tree it was built in. Empty, with `error` set, when there is none.
std::string findRuntimeLibraryDir(llvm::StringRef meshcExecutable, std::string &error);

/// Runs `$MESHC_CXX (default c++) object -o output -L<dir> -lmeshrt -Xlinker -rpath -Xlinker
/// <dir>` with `runtimeDir` (absolute) as <dir>: the executable finds that runtime from any
/// directory, and on any node that has the same installation.
mlir::LogicalResult linkExecutable(llvm::StringRef object, llvm::StringRef output,
                                   llvm::StringRef runtimeDir, std::string &error);

} // namespace meshc

#endif // MESHC_LOWERING_TARGET_LINK_H
