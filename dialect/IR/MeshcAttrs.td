// Mesh and layout attributes.
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

#endif // MESHC_ATTRS_TD
