// Canonical layouts for the kernels that take their operands in one fixed dim order (the conv
// family's [N, C, S...], attention's [outer, query, d]): an operand already laid out so is
// passed as it is, any other is copied into scratch (meshrt_strided_copy); a result the kernel
// cannot write in place is computed in scratch and copied out by finish().
#ifndef MESHC_LOWERING_MESHCTOLLVM_CANONICAL_H
#define MESHC_LOWERING_MESHCTOLLVM_CANONICAL_H

#include "lowering/MeshcToLLVM/LoweringState.h"

namespace meshc::lowering {

/// Emits one op's kernel call between the copies into and out of canonical layouts.
class Canonical {
public:
  Canonical(mlir::OpBuilder &b, mlir::Location loc, LoweringState &state)
      : b(b), loc(loc), state(state) {}

  /// `v` laid out as `canonical` (the same dims): its own buffer when it already is, else a
  /// transposed copy in scratch.
  mlir::Value in(mlir::Value v, NamedTensorType canonical) {
    mlir::Value pointer = state.pointer(b, loc, v);
    if (typeOf(v) == canonical)
      return pointer;
    mlir::Value copy = state.scratch(b, loc, canonical);
    emitStridedCopy(b, loc, state, pointer, typeOf(v), copy, canonical);
    return copy;
  }

  /// Where the kernel writes `result` laid out as `canonical`: its own buffer when that is its
  /// layout, else scratch that finish() copies into the result.
  mlir::Value out(mlir::Value result, NamedTensorType canonical) {
    mlir::Value pointer = state.pointer(b, loc, result);
    if (typeOf(result) == canonical)
      return pointer;
    mlir::Value scratch = state.scratch(b, loc, canonical);
    pending.push_back({scratch, canonical, pointer, typeOf(result)});
    return scratch;
  }

  /// Copies each result computed in scratch into its own layout.
  void finish() {
    for (const Pending &p : pending)
      emitStridedCopy(b, loc, state, p.scratch, p.canonical, p.result, p.type);
    pending.clear();
  }

private:
  struct Pending {
    mlir::Value scratch;
    NamedTensorType canonical;
    mlir::Value result;
    NamedTensorType type;
  };
  static NamedTensorType typeOf(mlir::Value v) { return llvm::cast<NamedTensorType>(v.getType()); }
  mlir::OpBuilder &b;
  mlir::Location loc;
  LoweringState &state;
  llvm::SmallVector<Pending, 1> pending;
};

} // namespace meshc::lowering

#endif // MESHC_LOWERING_MESHCTOLLVM_CANONICAL_H
