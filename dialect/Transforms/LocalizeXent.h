// The per-rank form of softmax cross-entropy with its class dim split (Megatron's vocab-parallel
// cross-entropy), for meshc-localize: see LocalizeXent.cpp.
#ifndef MESHC_DIALECT_TRANSFORMS_LOCALIZEXENT_H
#define MESHC_DIALECT_TRANSFORMS_LOCALIZEXENT_H

#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/MeshcOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

namespace meshc {

class XentExpander {
public:
  XentExpander(const MeshLayout &layout, mlir::OpBuilder &builder)
      : layout(layout), builder(builder) {}

  /// `op` (its results already of their local types): if it is a meshc.softmax_xent or
  /// meshc.softmax_xent_grad whose logits have the class dim split, replaces it by local ops and
  /// all_reduces over the class dim's axis and returns true; otherwise leaves it and returns false.
  bool expand(mlir::Operation *op);

private:
  struct Split;
  void expandLoss(SoftmaxXentOp op, const Split &split);
  void expandGrad(SoftmaxXentGradOp op, const Split &split);

  const MeshLayout &layout;
  mlir::OpBuilder &builder;
  /// Per-rank logits → the log-sum-exp the forward's expansion computed from them, so that the
  /// gradient needs no collective of its own.
  llvm::DenseMap<mlir::Value, mlir::Value> lseOf;
};

} // namespace meshc

#endif // MESHC_DIALECT_TRANSFORMS_LOCALIZEXENT_H
