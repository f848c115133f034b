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

/// A tensor of `type`'s dims and sizes, all zeros.
HostTensor zerosOf(mlir::Type type);

struct InterpretResult {
  /// `meshc.output` values by name; before autodiff, `meshc.minimize %l` reports "loss".
  std::map<std::string, HostTensor> outputs;
  /// `meshc.metric` and `meshc.prediction` values by name.
  std::map<std::string, HostTensor> metrics, predictions;
  /// The gradient operand of each `meshc.sgd_update`, by parameter name.
  std::map<std::string, HostTensor> gradients;
  /// Each updated parameter after its update (param - learning_rate * grad), by name.
  std::map<std::string, HostTensor> updatedParams;
  /// Optimizer state after the step: "<param>/m", "<param>/v" (Adam), "<param>/velocity"
  /// (momentum).
  std::map<std::string, HostTensor> optimizerState;
};

/// What a step depends on besides its feeds: dropout masks (seed, step), Adam's bias
/// correction (step) and the optimizer state the previous step left (missing: zeros).
struct InterpretOptions {
  uint64_t seed = 0;
  int64_t step = 0;
  const std::map<std::string, HostTensor> *optimizerState = nullptr;
  /// An evaluation step: meshc.train_or_eval gives its eval operand (else its train operand).
  bool evaluation = false;
};

/// Runs `func` (a straight-line body of meshc ops and a `func.return`) on `feeds`, which must
/// hold a value of the op's type for every `meshc.param` and `meshc.input`, by name. Fails with
/// a diagnostic at the op that could not be evaluated.
mlir::FailureOr<InterpretResult> interpret(mlir::func::FuncOp func,
                                           const std::map<std::string, HostTensor> &feeds,
                                           const InterpretOptions &options = {});

} // namespace meshc::testing

#endif // MESHC_TESTS_SUPPORT_INTERPRETER_H
