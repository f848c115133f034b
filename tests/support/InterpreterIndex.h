// The reference interpreter's cases for the Index family (see Interpreter.h): naive loops in
// double precision written from the op semantics of docs/IR.md, sharing no code with the
// runtime kernels.
#ifndef MESHC_TESTS_SUPPORT_INTERPRETERINDEX_H
#define MESHC_TESTS_SUPPORT_INTERPRETERINDEX_H

#include "tests/support/Interpreter.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace meshc::testing {

/// Evaluates an Index-family op from its operands' values (`get`) into `out`; fails with a
/// diagnostic at the op (an index that is not an integer, for instance).
mlir::LogicalResult interpretIndexOp(mlir::Operation *op,
                                     llvm::function_ref<const HostTensor &(mlir::Value)> get,
                                     HostTensor &out);

} // namespace meshc::testing

#endif // MESHC_TESTS_SUPPORT_INTERPRETERINDEX_H
