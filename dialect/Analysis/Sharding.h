// The layout algebra: how a global tensor is split over the mesh, what each rank holds of it
// (its local type), and the per-rank state of a value while the partitioner works on it.
#ifndef MESHC_DIALECT_ANALYSIS_SHARDING_H
#define MESHC_DIALECT_ANALYSIS_SHARDING_H

#include "dialect/IR/MeshcDialect.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace meshc {

/// Mesh axis index used for "not split" (replicated or whole) in `Sharding::dimAxes`.
inline constexpr int kReplicated = -1;

/// What a rank holds of a global tensor: for each dimension (in the type's order) the mesh
/// axis it is split on or kReplicated, and the axes over which the rank holds only a partial
/// sum (the full value is the sum over the ranks that differ along those axes). The
/// partitioner's working form, by mesh axis index; in the IR a sharding is a ShardingAttr
/// (by axis name), see toShardingAttr / fromShardingAttr.
struct Sharding {
  llvm::SmallVector<int> dimAxes;
  llvm::SmallVector<unsigned> partialAxes; // sorted, no duplicates

  bool isPartial() const { return !partialAxes.empty(); }
  bool operator==(const Sharding &other) const {
    return dimAxes == other.dimAxes && partialAxes == other.partialAxes;
  }
  bool operator!=(const Sharding &other) const { return !(*this == other); }
};

/// `sharding` as an attribute: axes by their names in `mesh`.
ShardingAttr toShardingAttr(const Sharding &sharding, MeshAttr mesh);
/// The sharding `attr` names, by axis index in `mesh`. `attr` must be verified against `mesh`
/// (as the per-rank verifier does): known axes, at most one per dim.
Sharding fromShardingAttr(ShardingAttr attr, MeshAttr mesh);

/// One collective of a resharding plan (MeshLayout::planReshard). Dims are positions in the
/// global type, axes indices in the mesh.
struct ReshardStep {
  enum class Kind { AllReduce, ReduceScatter, AllGather, AllSlice, AllToAll };
  Kind kind;
  unsigned dim = 0;                 // the dim scattered, gathered or sliced; all_to_all: split_dim
  unsigned concatDim = 0;           // all_to_all: the dim gathered (it leaves `axis`)
  int axis = kReplicated;           // all but all_reduce
  llvm::SmallVector<unsigned> axes; // all_reduce: the axes summed over (sorted)
};

/// A resharding plan and what it costs: bytes each rank receives (ring algorithms: all_gather
/// S(n-1), reduce_scatter and all_to_all S(n-1)/n, all_reduce 2S(n-1)/n, all_slice 0, for S
/// the bytes held before the step and n the size of the group).
struct ReshardPlan {
  llvm::SmallVector<ReshardStep> steps;
  double bytes = 0;
};

/// A mesh and a layout: the map from dimension names to mesh axes, and what follows from it.
class MeshLayout {
public:
  /// `layout` may be null (everything replicated). Axis names the mesh lacks are ignored
  /// here; the layout check reports them.
  MeshLayout(MeshAttr mesh, LayoutAttr layout);

  /// The mesh and layout of `module` (ModuleAttrs.h); nullopt
  /// when the module has no mesh.
  static std::optional<MeshLayout> fromModule(mlir::ModuleOp module);

  MeshAttr getMesh() const { return mesh; }
  unsigned getNumAxes() const { return mesh.getAxisSizes().size(); }
  int64_t getAxisSize(unsigned axis) const { return mesh.getAxisSize(axis); }
  mlir::StringAttr getAxisName(unsigned axis) const { return mesh.getAxisNames()[axis]; }

  /// The mesh axis the layout puts `dim` on, or kReplicated.
  int axisOf(mlir::StringAttr dim) const;

  /// The sharding the layout gives a global tensor of this type: every dimension on its
  /// layout axis, nothing partial. A scalar is replicated.
  Sharding target(NamedTensorType global) const;

  /// What one rank holds of `global` in `sharding`: split dims divided by their axis sizes.
  NamedTensorType localType(NamedTensorType global, const Sharding &sharding) const;

  /// Bytes one rank holds of `global` in `sharding`.
  int64_t localBytes(NamedTensorType global, const Sharding &sharding) const;

  /// The sharding `override` (a relayout's layout) gives `global`: its named dims on their
  /// axes, every other dim replicated; axes of size 1 and axes the mesh lacks replicate.
  Sharding shardingOf(NamedTensorType global, LayoutAttr override) const;

  /// The cheapest sequence of collectives (least bytes received per rank, then fewest steps)
  /// that brings a value of type `global` held as `from` to `to` (not partial): local slices,
  /// all_gather, all_to_all (an axis moving from one dim to another), reduce_scatter and
  /// all_reduce (pending sums). No intermediate puts two dims on one axis, and no split
  /// leaves a dim that its axis does not divide. A shortest-path search over shardings.
  /// Nullopt when `to` cannot be reached (`from` partial over an axis that also splits a dim).
  std::optional<ReshardPlan> planReshard(NamedTensorType global, const Sharding &from,
                                         const Sharding &to) const;

private:
  MeshAttr mesh;
  LayoutAttr layout;
};

} // namespace meshc

#endif // MESHC_DIALECT_ANALYSIS_SHARDING_H
