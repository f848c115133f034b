// The tensor type with named dimensions.
#ifndef MESHC_TYPES_TD
#define MESHC_TYPES_TD

include "dialect/IR/MeshcBase.td"

def Meshc_TensorType : Meshc_Type<"NamedTensor", "tensor"> {
  let summary = "a tensor whose dimensions have names";
  let description = [{
    `!meshc.tensor<batch=256, hidden=1024, f32>`: an ordered list of named dimensions with
    their sizes, and an element type (f32 or i32). `!meshc.tensor<f32>` is a scalar. In a
    global program the sizes are global; in a partitioned program they are per rank.
  }];
  let parameters = (ins
    ArrayRefParameter<"::mlir::StringAttr", "dimension names">:$dimNames,
    ArrayRefParameter<"int64_t", "dimension sizes">:$dimSizes,
    "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    unsigned getRank() const { return getDimNames().size(); }
    int64_t getNumElements() const;
    /// Position of the dimension called `name`, if the tensor has one.
    std::optional<unsigned> findDim(::llvm::StringRef name) const;
    bool hasDim(::llvm::StringRef name) const { return findDim(name).has_value(); }
    int64_t getDimSize(::llvm::StringRef name) const;
    /// The same dimensions with other sizes (same order, same element type).
    NamedTensorType withSizes(::llvm::ArrayRef<int64_t> sizes) const;
    /// Dimensions in the given order taken from this type (every name must exist).
    NamedTensorType withDims(::llvm::ArrayRef<::mlir::StringAttr> names) const;
    NamedTensorType withElementType(::mlir::Type type) const;
  }];
}

#endif // MESHC_TYPES_TD
