// Must NOT compile (lowering.bad_call_count builds it and expects the static_assert): a runtime
// call with one argument too few. The kernel table gives each typed call builder its arity, so a
// call out of step with meshrt.h is a compile error, not a crash in generated code.
#include "lowering/MeshcToLLVM/RuntimeABI.h"

mlir::Value fillWithoutValue(meshc::lowering::RuntimeABI &rt, mlir::OpBuilder &b,
                             mlir::Location loc, mlir::Value context, mlir::Value count,
                             mlir::Value out) {
  // meshrt_fill(ctx, n, out, value): `value` is missing.
  return rt.call<meshc::lowering::kernel::Fill>(b, loc, {context, count, out});
}
