// The reference interpreter's cases for the Math family (see Interpreter.h): sigmoid, tanh,
// exp, log, sqrt, leaky_relu, div, maximum, minimum and greater_equal in double precision with
// <cmath>, sharing no code with the runtime kernels.
#ifndef MESHC_TESTS_SUPPORT_INTERPRETERMATH_H
#define MESHC_TESTS_SUPPORT_INTERPRETERMATH_H

#include "tests/support/Interpreter.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace meshc::testing {

/// Whether `op` is one of the Math family's ops.
bool isMathOp(mlir::Operation *op);

/// Evaluates a Math-family op from its operands' values (`get`) into `out`.
mlir::LogicalResult interpretMathOp(mlir::Operation *op,
                                    llvm::function_ref<const HostTensor &(mlir::Value)> get,
                                    HostTensor &out);

} // namespace meshc::testing

#endif // MESHC_TESTS_SUPPORT_INTERPRETERMATH_H
