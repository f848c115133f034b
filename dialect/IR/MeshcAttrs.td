// Mesh, layout and sharding attributes.
#ifndef MESHC_ATTRS_TD
#define MESHC_ATTRS_TD

include "dialect/IR/MeshcBase.td"

def Meshc_MeshAttr : Meshc_Attr<"Mesh", "mesh"> {
  let summary = "a processor mesh: named axes with sizes";
  let description = [{
    `#meshc.mesh<"b=2,m=4">`. Ranks map to mesh coordinates row-major (last axis fastest).
  }];
  let parameters = (ins
    ArrayRefParameter<"::mlir::StringAttr", "axis names">:$axisNames,
    ArrayRefParameter<"int64_t", "axis sizes">:$axisSizes);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getNumRanks() const;
    std::optional<unsigned> findAxis(::llvm::StringRef name) const;
    int64_t getAxisSize(unsigned axis) const { return getAxisSizes()[axis]; }
    /// "b=2,m=4"
    std::string getSpec() const;
  }];
}

def Meshc_LayoutAttr : Meshc_Attr<"Layout", "layout"> {
  let summary = "a map from dimension names to mesh axes";
  let description = [{
    `#meshc.layout<"batch:b,hidden:m">`: dimension `batch` is split along mesh axis `b`;
    dimensions that are not named are replicated.
  }];
  let parameters = (ins
    ArrayRefParameter<"::mlir::StringAttr", "dimension names">:$dimNames,
    ArrayRefParameter<"::mlir::StringAttr", "mesh axis names">:$axisNames);
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    /// The mesh axis name that `dim` is split along, or null.
    ::mlir::StringAttr lookup(::llvm::StringRef dim) const;
    /// "batch:b,hidden:m"
    std::string getSpec() const;
  }];
}

def Meshc_ShardingAttr : Meshc_Attr<"Sharding", "sharding"> {
  let summary = "how a per-rank value is split over the mesh";
  let description = [{
    `#meshc.sharding<[[b], [], [m]]>`: for each dim of the value's type, in order, the mesh
    axes it is split over, outer to inner (empty: whole on every rank);
    `#meshc.sharding<[[b], []], partial = [m]>`: the rank also holds only a partial sum over
    axis `m` (the value is the sum over the ranks that differ along `m`). No axis appears
    twice. The per-rank program carries one per op result (`meshc.sharding`, ModuleAttrs.h);
    the per-rank verifier checks them against the mesh, the types and each other.
    `#meshc.sharding<[[b], [m]], halo = [0, 0, 1, 2]>`: per dim, the rows the local block
    holds beyond its own before and after it (a halo exchange's result, or what a transposed
    window op wrote for its neighbours); the local size is the block's plus both. Absent: none.
  }];
  let parameters = (ins
    ArrayRefParameter<"::mlir::ArrayAttr", "per dim: the mesh axes it is split over">:$dims,
    ArrayRefParameter<"::mlir::StringAttr", "the axes of pending sums">:$partialAxes,
    OptionalArrayRefParameter<"int64_t", "per dim: halo rows before and after, or empty">:$halo);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    unsigned getRank() const { return getDims().size(); }
    /// The mesh axes dim `dim` (a position in the type) is split over, outer to inner.
    ::llvm::SmallVector<::mlir::StringAttr> getDimAxes(unsigned dim) const;
    bool isPartial() const { return !getPartialAxes().empty(); }
    /// From the axis names of each dim and the partial axes, without halo.
    static ShardingAttr get(::mlir::MLIRContext *context,
                            ::llvm::ArrayRef<::llvm::SmallVector<::mlir::StringAttr>> dims,
                            ::llvm::ArrayRef<::mlir::StringAttr> partialAxes);
    /// The halo rows of dim `dim` before and after its block ({0, 0} without halo).
    std::pair<int64_t, int64_t> getDimHalo(unsigned dim) const {
      if (getHalo().empty())
        return {0, 0};
      return {getHalo()[2 * dim], getHalo()[2 * dim + 1]};
    }
    bool hasHalo() const {
      return ::llvm::any_of(getHalo(), [](int64_t rows) { return rows != 0; });
    }
    /// The same sharding with `lo`/`hi` halo rows on dim `dim` (0, 0: none).
    ShardingAttr withDimHalo(unsigned dim, int64_t lo, int64_t hi) const;
  }];
}

#endif // MESHC_ATTRS_TD
