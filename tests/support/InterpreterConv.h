// The reference interpreter's cases for the Conv family (see Interpreter.h): convolution and its
// adjoints, pooling and its adjoints, batch normalisation and its adjoint, as naive loops in
// double precision written from the op semantics of dialect/IR/MeshcConvOps.td, sharing no code
// with the runtime kernels.
#ifndef MESHC_TESTS_SUPPORT_INTERPRETERCONV_H
#define MESHC_TESTS_SUPPORT_INTERPRETERCONV_H

#include "tests/support/Interpreter.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace meshc::testing {

/// Evaluates a Conv-family op from its operands' values (`get`) into `results`, one per op
/// result.
mlir::LogicalResult interpretConvOp(mlir::Operation *op,
                                    llvm::function_ref<const HostTensor &(mlir::Value)> get,
                                    llvm::SmallVectorImpl<HostTensor> &results);

} // namespace meshc::testing

#endif // MESHC_TESTS_SUPPORT_INTERPRETERCONV_H
