// meshc ops: Index family (see MeshcOps.td for the base classes): lookups and one-hots by
// integer index, max/argmax/cumsum along a named dim, and the shape ops (concat, slice, pad,
// rename, reshape, stop_gradient). Verifiers in MeshcIndexOps.cpp, sharding rules in
// ShardingRulesIndex.cpp, gradient rules in GradientRulesIndex.cpp.
#ifndef MESHC_INDEX_OPS_TD
#define MESHC_INDEX_OPS_TD

//===----------------------------------------------------------------------===//
// Lookups by index
//===----------------------------------------------------------------------===//

def Meshc_EmbeddingOp : Meshc_DifferentiableOp<"embedding"> {
  let summary = "rows of a table picked by integer ids";
  let description = [{
    `table` is [vocab_dim, d...] (f32; vocab_dim first), `ids` are i32 of any dims; the result
    is [ids dims..., d...] with result[i, :] = table[ids[i], :], and zeros for an id outside
    [0, vocab). The result sums over the vocabulary (a one-hot product), so a split vocabulary
    leaves each rank the rows it holds (others give 0) and the partitioner's all_reduce
    completes it: Megatron's vocab-parallel embedding. Per rank, the table's `meshc.sharding`
    gives the mesh axis of a split vocabulary (its slice's offset).
  }];
  let arguments = (ins Meshc_AnyTensor:$table, Meshc_AnyTensor:$ids, StrAttr:$vocab_dim);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` qualified(type($table)) `,` qualified(type($ids)) `->`
    qualified(type($result))
  }];
}

def Meshc_EmbeddingGradOp : Meshc_ComputeOp<"embedding_grad"> {
  let summary = "scatter-add of row gradients into a table-shaped gradient";
  let description = [{
    The adjoint of meshc.embedding's table: result[v, :] = sum over i with ids[i] = v of
    grad[i, :]. The result has the table's type; `grad` has the embedding result's type.
  }];
  let arguments = (ins Meshc_AnyTensor:$ids, Meshc_AnyTensor:$grad, StrAttr:$vocab_dim);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $ids `,` $grad attr-dict `:` qualified(type($ids)) `,` qualified(type($grad)) `->`
    qualified(type($result))
  }];
}

def Meshc_OneHotOp : Meshc_DifferentiableOp<"one_hot"> {
  let summary = "one-hot rows of integer indices; an index out of range gives a zero row";
  let description = [{
    `input` (i32, or f32 holding integers) has the result's dims minus one, the class dim
    (any position); result[..., c, ...] = 1.0 where input[...] == c, else 0.0. An index
    outside [0, classes) gives an all-zero row (MoE capacity relies on it). Per rank,
    the result's `meshc.sharding` gives the mesh axis of a split class dim. No gradient.

    `xent_labels` (i32 input only): the indices are the labels of a softmax cross-entropy
    whose class dim is split (meshc-localize's vocab-parallel form, LocalizeXent.cpp). Each
    rank sees all the labels of its rows, so a label outside the whole class dim, [0, classes
    x the axis size), fails the run with the message meshc.softmax_xent gives it on one rank,
    where no rank's slice would have held it and the loss would silently lack its term.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, UnitAttr:$xent_labels);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
  let extraClassDeclaration = [{
    /// The result dim the operand lacks (null if there is none).
    ::mlir::StringAttr getClassDim();
  }];
}

//===----------------------------------------------------------------------===//
// Along a named dim
//===----------------------------------------------------------------------===//

def Meshc_ArgmaxOp : Meshc_DifferentiableOp<"argmax", [], ["getWholeDims"]> {
  let summary = "index of the (first) maximum along `dim`, as i32";
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_ReduceMaxOp : Meshc_DifferentiableOp<"reduce_max", [], ["getWholeDims"]> {
  let summary = "max over the operand dims absent from the result";
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_ReduceMaxGradOp : Meshc_ComputeOp<"reduce_max_grad", [], ["getWholeDims"]> {
  let summary = "routes each gradient element to the first maximum of its reduced group";
  let description = [{
    The adjoint of `meshc.reduce_max %input`: `grad` has the reduce_max result's type; the
    result has the input's type, grad at the first (row-major) maximum of each group, else 0.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad attr-dict `:` qualified(type($input)) `,` qualified(type($grad)) `->`
    qualified(type($result))
  }];
}

def Meshc_CumsumOp : Meshc_DifferentiableOp<"cumsum",
    [AllTypesMatch<["input", "result"]>], ["getWholeDims"]> {
  let summary = "running sum along `dim`";
  let description = [{
    result[t] = sum of input[u] for u <= t (u < t when `exclusive`); with `reverse`, for
    u >= t (u > t). The gradient of a cumsum is the cumsum the other way.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def Meshc_ConcatOp : Meshc_DifferentiableOp<"concat", [], ["getWholeDims"]> {
  let summary = "operands joined along `dim`";
  let description = [{
    Every operand has the result's dims in the result's order, except at the position of
    `dim`, where each has a piece dim of its own (any name, since one name has one size);
    the pieces' sizes add up to the size of `dim`.
  }];
  let arguments = (ins Variadic<Meshc_AnyTensor>:$inputs, StrAttr:$dim);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` qualified(type($inputs)) `->` qualified(type($result))
  }];
}

class Meshc_WindowOp<string mnemonic, string what>
    : Meshc_DifferentiableOp<mnemonic, [], ["getWholeDims"]> {
  let summary = what;
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim, I64Attr:$start);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
  let extraClassDeclaration = [{
    /// The n-long dim at the position of `dim` in the other type (the slice's result, the
    /// pad's operand); null if `dim` is missing.
    ::mlir::StringAttr getWindowDim();
  }];
}
def Meshc_SliceOp : Meshc_WindowOp<"slice",
    "the window [start, start + n) of operand dim `dim`; the result's dim there (n long) "
    "may have another name">;
def Meshc_PadOp : Meshc_WindowOp<"pad",
    "the operand placed at [start, start + n) of result dim `dim`, zeros elsewhere; the "
    "operand's dim there (n long) may have another name">;

def Meshc_RenameOp : Meshc_DifferentiableOp<"rename", [], ["getDimRenames"]> {
  let summary = "the same tensor with dims renamed (paired by position)";
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_ReshapeOp : Meshc_DifferentiableOp<"reshape", [], ["getWholeDims"]> {
  let summary = "the same elements, row-major, under other dims";
  let description = [{
    A dim of the operand that the result has with the same name, size and row-major position
    (same element count before it) keeps its split; every other dim is needed whole.
  }];
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_StopGradientOp : Meshc_DifferentiableOp<"stop_gradient",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "identity whose gradient is zero";
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

#endif // MESHC_INDEX_OPS_TD
