// The user-facing mesh ("b=2,m=4") and layout ("batch:b,hidden:m") specs as dialect
// attributes, for the attribute parsers and the command line. The grammar (whitespace, names,
// sizes, limits, messages) is support/meshspec's, which the frontend and the runtime use too.
#ifndef MESHC_DIALECT_IR_MESHSPEC_H
#define MESHC_DIALECT_IR_MESHSPEC_H

#include "dialect/IR/MeshcDialect.h"

#include <optional>
#include <string>

namespace meshc {

/// Parses "b=2,m=4". On failure returns null and sets `error` to a one-line message.
MeshAttr parseMeshSpec(mlir::MLIRContext *context, llvm::StringRef spec, std::string &error);

/// Checks a mesh: as many names as sizes, then meshspec::checkMesh (valid and distinct axis
/// names, sizes from 1, and at most the axes, axis size and ranks the runtime supports). Returns
/// the problem, if any, as a one-line message. The mesh attribute's verifier and parseMeshSpec both
/// use it.
std::optional<std::string> checkMesh(llvm::ArrayRef<mlir::StringAttr> names,
                                     llvm::ArrayRef<int64_t> sizes);

/// Parses "batch:b,hidden:m" ("" = everything replicated). On failure returns null and sets
/// `error`. Axis names are not checked against a mesh here (see the layout check).
LayoutAttr parseLayoutSpec(mlir::MLIRContext *context, llvm::StringRef spec, std::string &error);

/// "; did you mean 'batch'?" when one of `candidates` is a close spelling of `name` (edit
/// distance at most a third of its length, and less than the length), else "".
std::string didYouMean(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> candidates);

/// True for names the IR accepts for dimensions and mesh axes: [A-Za-z_][A-Za-z0-9_]*.
bool isValidName(llvm::StringRef name);

} // namespace meshc

#endif // MESHC_DIALECT_IR_MESHSPEC_H
