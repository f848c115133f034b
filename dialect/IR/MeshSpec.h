// Parsing of the user-facing mesh ("b=2,m=4") and layout ("batch:b,hidden:m") specs, shared by
// the attribute parsers and the command line.
#ifndef MESHC_DIALECT_IR_MESHSPEC_H
#define MESHC_DIALECT_IR_MESHSPEC_H

#include "dialect/IR/MeshcDialect.h"

#include <string>

namespace meshc {

/// Parses "b=2,m=4". On failure returns null and sets `error` to a one-line message.
MeshAttr parseMeshSpec(mlir::MLIRContext *context, llvm::StringRef spec, std::string &error);

/// Parses "batch:b,hidden:m" ("" = everything replicated). On failure returns null and sets
/// `error`. Axis names are not checked against a mesh here (see the layout check).
LayoutAttr parseLayoutSpec(mlir::MLIRContext *context, llvm::StringRef spec,
                           std::string &error);

/// True for names the IR accepts for dimensions and mesh axes: [A-Za-z_][A-Za-z0-9_]*.
bool isValidName(llvm::StringRef name);

} // namespace meshc

#endif // MESHC_DIALECT_IR_MESHSPEC_H
