// The roles of a fused attention op's dims (meshc.attention, meshc.attention_grad), computed in
// one place for the verifier, the sharding rule, the lowering and the cost report.
#ifndef MESHC_DIALECT_IR_ATTENTIONDIMS_H
#define MESHC_DIALECT_IR_ATTENTIONDIMS_H

#include "dialect/IR/MeshcDialect.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace meshc {

/// Every dim plays one role, named by the probabilities P of the unfused chain (`probs_dims`):
/// P's outer dims, the query dim, the key dim, the contracted dims (q's outside P, summed by
/// q . k) and the value dims (v's outside P, kept in out).
struct AttentionDims {
  llvm::SmallVector<mlir::StringAttr> probs; // P's dims, in P's order
  llvm::SmallVector<mlir::StringAttr> outer; // P's dims but the query and key, P's order
  mlir::StringAttr query, key;
  llvm::SmallVector<mlir::StringAttr> contracted; // in q's order
  llvm::SmallVector<mlir::StringAttr> values;     // in v's order

  static AttentionDims of(mlir::ArrayAttr probsDims, mlir::StringAttr queryDim,
                          mlir::StringAttr keyDim, NamedTensorType q, NamedTensorType v);
};

} // namespace meshc

#endif // MESHC_DIALECT_IR_ATTENTIONDIMS_H
