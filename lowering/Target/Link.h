// Links the object file of a program with libmeshrt into an executable (system C++ driver).
#ifndef MESHC_LOWERING_TARGET_LINK_H
#define MESHC_LOWERING_TARGET_LINK_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace meshc {

/// Directory holding libmeshrt.so: $MESHC_RUNTIME_DIR, else the one meshc was built with.
std::string runtimeLibraryDir();

/// Runs `$MESHC_CXX (default c++) object -o output -L<dir> -lmeshrt -Wl,-rpath,<dir>`.
mlir::LogicalResult linkExecutable(llvm::StringRef object, llvm::StringRef output,
                                   std::string &error);

} // namespace meshc

#endif // MESHC_LOWERING_TARGET_LINK_H
