// Op interfaces: how an op is partitioned and how it is differentiated.
#ifndef MESHC_INTERFACES_TD
#define MESHC_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Meshc_ShardingRuleOpInterface : OpInterface<"ShardingRuleOpInterface"> {
  let cppNamespace = "::meshc";
  let description = [{
    What the partitioner needs to know to run an op on per-rank slices. Every result and
    operand dimension is split as the layout says, except the op's whole dimensions, which
    must be complete on every rank; a summed dimension that is split leaves each rank with a
    partial sum over that dimension's mesh axis.
  }];
  let methods = [
    InterfaceMethod<
      "Operand dimension names absent from the result: the op sums over them.",
      "::llvm::SmallVector<::mlir::StringAttr>", "getSummedDims", (ins), "",
      [{ return ::meshc::detail::getSummedDims($_op.getOperation()); }]>,
    InterfaceMethod<
      "Dimension names the op needs whole (not split) on every rank.",
      "::llvm::SmallVector<::mlir::StringAttr>", "getWholeDims", (ins), "",
      [{ return {}; }]>,
    InterfaceMethod<
      [{Pairs (operand dim, result dim) of an op that renames dims: the result dim is held
        the way the operand dim was (same positions, same split), and the partitioner then
        moves it to its own layout (slice, gather or all-to-all).}],
      "::llvm::SmallVector<std::pair<::mlir::StringAttr, ::mlir::StringAttr>>",
      "getDimRenames", (ins), "", [{ return {}; }]>,
  ];
}

def Meshc_WindowOpInterface : OpInterface<"WindowOpInterface"> {
  let cppNamespace = "::meshc";
  let description = [{
    An op whose output element reads a window of input elements along some spatial dims
    (convolution, pooling and their adjoints). A spatial dim split over a mesh axis is
    partitioned by a halo exchange: each rank gets from its neighbours the rows its windows reach
    beyond its block (meshc.halo_exchange on the operands indexed by the input spatial dims),
    runs the op without padding on that dim, and, where the op's result is indexed by the input
    spatial dims (the transposed, scatter form), sends the rows it wrote beyond its block back
    to their owners (meshc.halo_exchange_grad). The split must line up: input size = stride x
    output size, both divisible by the axis size.
  }];
  let methods = [
    InterfaceMethod<"The windows, one per spatial dim.",
      "::llvm::SmallVector<::meshc::Window>", "getWindows">,
    InterfaceMethod<"The operands indexed by the input spatial dims (they need the halo).",
      "::llvm::SmallVector<unsigned>", "getInputSpaceOperands">,
    InterfaceMethod<"Whether the result is indexed by the input spatial dims (scatter form).",
      "bool", "hasInputSpaceResult", (ins), "", [{ return false; }]>,
    InterfaceMethod<"The value the halo holds beyond the global edges (0; -inf for max).",
      "double", "getHaloFill", (ins), "", [{ return 0.0; }]>,
    InterfaceMethod<"Sets the padding of window `index` (the per-rank op of a split dim).",
      "void", "setWindowPadding", (ins "unsigned":$index, "int64_t":$lo, "int64_t":$hi)>,
  ];
}

def Meshc_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::meshc";
  let description = [{
    Reverse-mode rule: given the adjoint of the op's first result (any later results are
    auxiliary values that only its own adjoint reads), build the adjoints of
    its operands right after the op. `operandAdjoints` gets one entry per operand, null where
    the operand has no gradient (integer labels, for instance).
  }];
  let methods = [
    InterfaceMethod<
      "Builds the operand adjoints from the result adjoint.",
      "::mlir::LogicalResult", "buildAdjoints",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$resultAdjoint,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandAdjoints)>,
  ];
}

def Meshc_ParamUpdateOpInterface : OpInterface<"ParamUpdateOpInterface"> {
  let cppNamespace = "::meshc";
  let description = [{
    An optimizer's update of one parameter by its gradient (made by autodiff from
    meshc.minimize): which optimizer it is, so that analyses (the cost report's optimizer
    state) read it from the op instead of from the op's name.
  }];
  let methods = [
    InterfaceMethod<"The parameter the op updates (a meshc.param result).",
      "::mlir::Value", "getParam">,
    InterfaceMethod<"The gradient it updates the parameter by.",
      "::mlir::Value", "getGrad">,
    InterfaceMethod<"The optimizer whose step the op is.",
      "::meshc::Optimizer", "getOptimizer">,
  ];
}

#endif // MESHC_INTERFACES_TD
