// A reference interpreter for GLOBAL (unpartitioned) meshc programs, for tests.
//
// Evaluates a function's meshc ops with naive loops in double precision, written straight from
// the op semantics of docs/IR.md; it shares no code with the runtime kernels so that it can
// judge them. Inputs and parameters are given by name; labels are integer-valued doubles.
#ifndef MESHC_TESTS_SUPPORT_INTERPRETER_H
#define MESHC_TESTS_SUPPORT_INTERPRETER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace meshc::testing {

/// A host tensor: named dims (row-major, first dim slowest) and its elements.
struct HostTensor {
  std::vector<std::string> dims;
  std::vector<int64_t> sizes;
  std::vector<double> data;

  int64_t numElements() const;
};

struct InterpretResult {
  /// `meshc.output` values by name; before autodiff, `meshc.minimize %l` reports "loss".
  std::map<std::string, HostTensor> outputs;
  /// The gradient operand of each `meshc.sgd_update`, by parameter name.
  std::map<std::string, HostTensor> gradients;
  /// Each updated parameter after its update (param - learning_rate * grad), by name.
  std::map<std::string, HostTensor> updatedParams;
};

/// Runs `func` (a straight-line body of meshc ops and a `func.return`) on `feeds`, which must
/// hold a value of the op's type for every `meshc.param` and `meshc.input`, by name. Fails with
/// a diagnostic at the op that could not be evaluated.
mlir::FailureOr<InterpretResult> interpret(mlir::func::FuncOp func,
                                           const std::map<std::string, HostTensor> &feeds);

} // namespace meshc::testing

#endif // MESHC_TESTS_SUPPORT_INTERPRETER_H
