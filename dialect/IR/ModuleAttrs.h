// The discardable attributes that carry a program's mesh, layout and per-rank form, with typed
// accessors: the only place their names are spelled. The dialect verifies each of them
// (MeshcDialect::verifyOperationAttribute).
//
//   builtin.module  meshc.mesh = #meshc.mesh<...>      the processor mesh
//                   meshc.layout = #meshc.layout<...>  the module's layout (optional)
//   func.func       meshc.per_rank = #meshc.mesh<...>  the function is the per-rank program
//                                                      for that mesh (PerRankVerifier.cpp)
//   any op          meshc.sharding = [#meshc.sharding<...>, ...]
//                                                      how each result is split over the
//                                                      mesh as the op produces it: in a
//                                                      per-rank function, and in a global one
//                                                      annotated by meshc-propagate-shardings
//   any op          meshc.operand_shardings = [...]    annotated global program only: the
//                                                      sharding the op needs each operand in
//   any op          meshc.held_shardings = [...]       annotated global program only: the
//                                                      sharding each result is resharded to
//                                                      right after the op, for its consumers
//                                                      (absent: held as produced)
#ifndef MESHC_DIALECT_IR_MODULEATTRS_H
#define MESHC_DIALECT_IR_MODULEATTRS_H

#include "dialect/IR/MeshcDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace meshc {

inline constexpr llvm::StringLiteral kMeshAttrName = "meshc.mesh";
inline constexpr llvm::StringLiteral kLayoutAttrName = "meshc.layout";
inline constexpr llvm::StringLiteral kPerRankAttrName = "meshc.per_rank";
inline constexpr llvm::StringLiteral kShardingAttrName = "meshc.sharding";
inline constexpr llvm::StringLiteral kOperandShardingsAttrName = "meshc.operand_shardings";
inline constexpr llvm::StringLiteral kHeldShardingsAttrName = "meshc.held_shardings";
/// A unit attribute on a meshc op: recomputed by meshc-remat (or, from the DSL's RematScope,
/// to be recomputed in the backward pass). On a fused op (meshc.fused_elementwise,
/// meshc.add_layer_norm) that absorbed recomputations: how many it holds, an i64 >= 1, so that
/// --explain counts what meshc-remat recomputed rather than the ops fusion left.
inline constexpr llvm::StringLiteral kRematAttrName = "meshc.remat";
/// The number of recomputations `op` stands for: 0 without kRematAttrName, 1 with the unit
/// attribute, the count on a fused op.
int64_t rematCount(mlir::Operation *op);
/// Marks a fused op with the number of recomputations its `members` stood for (nothing when
/// none): --explain counts what meshc-remat recomputed, not the ops fusion left.
void markRematMembers(llvm::ArrayRef<mlir::Operation *> members, mlir::Operation *fused);
/// True for an op to be recomputed by meshc-remat in its `all=false` mode: it carries
/// kRematAttrName, or its location is the DSL's RematScope mark, `fused<"meshc.remat">[...]`.
bool isRematMarked(mlir::Operation *op);

/// The module's mesh, or null.
MeshAttr getMesh(mlir::ModuleOp module);
void setMesh(mlir::ModuleOp module, MeshAttr mesh);
/// The module's layout, or null (everything replicated).
LayoutAttr getLayout(mlir::ModuleOp module);
void setLayout(mlir::ModuleOp module, LayoutAttr layout);
/// Drops the mesh and the layout (once the program is lowered).
void removeMeshAndLayout(mlir::ModuleOp module);

/// The mesh `func` was partitioned for, or null for a global function.
MeshAttr getPerRankMesh(mlir::func::FuncOp func);
bool isPerRank(mlir::func::FuncOp func);
/// Marks `func` as the per-rank program for `mesh`.
void setPerRank(mlir::func::FuncOp func, MeshAttr mesh);

/// The sharding of `value` in a per-rank program (its defining op's `meshc.sharding` entry);
/// null for block arguments and values without one.
ShardingAttr getSharding(mlir::Value value);
/// Whether `value` holds a pending partial sum (its sharding says so): only collectives and the
/// linear ops take those (PerRankVerifier.cpp), so the fusion passes leave such values alone.
bool isPartialSum(mlir::Value value);
/// Sets `meshc.sharding` on `op`: one sharding per result.
void setResultShardings(mlir::Operation *op, llvm::ArrayRef<ShardingAttr> shardings);
/// The shardings `op` needs its operands in (`meshc.operand_shardings`), or null.
mlir::ArrayAttr getOperandShardings(mlir::Operation *op);
void setOperandShardings(mlir::Operation *op, llvm::ArrayRef<ShardingAttr> shardings);
/// The shardings `op`'s results are held in for their consumers (`meshc.held_shardings`), or
/// null when they are held as produced.
mlir::ArrayAttr getHeldShardings(mlir::Operation *op);
void setHeldShardings(mlir::Operation *op, llvm::ArrayRef<ShardingAttr> shardings);

/// Checks one `meshc.*` attribute of `op` (the dialect's verifyOperationAttribute).
mlir::LogicalResult verifyMeshcAttribute(mlir::Operation *op, mlir::NamedAttribute attribute);
/// Checks one of the sharding lists (`meshc.sharding`, `meshc.operand_shardings`,
/// `meshc.held_shardings`) alone: an array of shardings, one per result (operand), each of its
/// value's rank, inside a function. In a global function each names axes of the module's mesh;
/// the per-rank verifier checks a per-rank function's against the mesh and each other.
mlir::LogicalResult verifyShardingList(mlir::Operation *op, mlir::NamedAttribute attribute);
/// Checks the per-rank function `func` (PerRankVerifier.cpp).
mlir::LogicalResult verifyPerRankFunction(mlir::func::FuncOp func, MeshAttr mesh);

} // namespace meshc

#endif // MESHC_DIALECT_IR_MODULEATTRS_H
