// Op interfaces of the meshc dialect: sharding rules, gradient rules, parameter updates.
#ifndef MESHC_DIALECT_IR_MESHCINTERFACES_H
#define MESHC_DIALECT_IR_MESHCINTERFACES_H

#include "dialect/IR/MeshcEnums.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>

namespace meshc {
/// One window of a window op (WindowOpInterface) along one spatial dim: output element o reads
/// input elements o*stride + j*dilation - padLo for j in [0, size).
struct Window {
  mlir::StringAttr input;  // the spatial dim in input space
  mlir::StringAttr output; // the same dim in output space (may be the same name)
  int64_t size = 1, stride = 1, dilation = 1, padLo = 0, padHi = 0;

  /// The rows a block of outputs reads beyond its own block of inputs when the dim is split
  /// into blocks of stride x (output block) inputs: padLo before it, and after it the window's
  /// extent past the block's last stride (none when the stride skips more than it reaches).
  int64_t haloLo() const { return padLo; }
  int64_t haloHi() const {
    return std::max<int64_t>(0, dilation * (size - 1) - padLo - (stride - 1));
  }
};
} // namespace meshc

namespace meshc::detail {
/// Names of operand dimensions that do not appear in the op's result.
llvm::SmallVector<mlir::StringAttr> getSummedDims(mlir::Operation *op);
} // namespace meshc::detail

#include "dialect/IR/MeshcInterfaces.h.inc"

#endif // MESHC_DIALECT_IR_MESHCINTERFACES_H
