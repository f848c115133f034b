// LLVM dialect module → LLVM IR → native object file, in process.
#ifndef MESHC_LOWERING_TARGET_OBJECTFILE_H
#define MESHC_LOWERING_TARGET_OBJECTFILE_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace meshc {

/// Registers the translations the object emitter needs in `registry`.
void registerLLVMTranslations(mlir::DialectRegistry &registry);

/// Writes the module (LLVM dialect only) as LLVM IR text (`asText`) or as a native object
/// file for the host. On failure returns failure and sets `error` (one line).
mlir::LogicalResult emitNativeCode(mlir::ModuleOp module, llvm::StringRef path, bool asText,
                                   std::string &error);

} // namespace meshc

#endif // MESHC_LOWERING_TARGET_OBJECTFILE_H
