// The per-rank form of softmax cross-entropy with its class dim split (Megatron's vocab-parallel
// cross-entropy), for meshc-localize: see LocalizeXent.cpp.
#ifndef MESHC_DIALECT_TRANSFORMS_LOCALIZEXENT_H
#define MESHC_DIALECT_TRANSFORMS_LOCALIZEXENT_H

#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/MeshcOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <utility>

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
  /// one_hot of the labels over this rank's slice of the classes, checking the labels against
  /// the whole class dim (xent_labels).
  mlir::Value xentOneHot(mlir::Location loc, mlir::Value labels, const Split &split);
  /// The rows' global maximum (an all_reduce_max) and this rank's sum of exp(logits - max).
  std::pair<mlir::Value, mlir::Value> maxAndLocalSum(mlir::Location loc, mlir::Value logits,
                                                     const Split &split);
  /// log(sum) + max: each row's log-sum-exp.
  mlir::Value logSumExp(mlir::Location loc, mlir::Value sum, mlir::Value max, const Split &split);

  const MeshLayout &layout;
  mlir::OpBuilder &builder;
  /// Per-rank logits → the log-sum-exp the forward's expansion computed from them, so that the
  /// gradient needs no collective of its own.
  llvm::DenseMap<mlir::Value, mlir::Value> lseOf;
};

} // namespace meshc

#endif // MESHC_DIALECT_TRANSFORMS_LOCALIZEXENT_H
