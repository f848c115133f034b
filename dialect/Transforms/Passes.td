// The passes of the meshc pipeline: check program → autodiff → decompose → check layout →
// partition.
#ifndef MESHC_PASSES_TD
#define MESHC_PASSES_TD

include "mlir/Pass/PassBase.td"

def CheckProgram : Pass<"meshc-check-program", "mlir::ModuleOp"> {
  let summary = "Check that the module is one meshc training program";
  let description = [{
    What a model generator prints: one `func.func` without arguments or results, holding
    meshc ops only, with a loss (`meshc.minimize`, or the `meshc.output "loss"` of a program
    meshc-autodiff already ran on). Errors (located): a module without a program or with two,
    a function with arguments or results, an op of another dialect, a program without a loss
    (every step would train nothing and report a loss of 0), a name given to two inputs,
    parameters, metrics or outputs (a parameter may be read twice), a metric or output named
    'loss', a metric or output whose first dim is not the sample dim (the first input's first
    dim).
  }];
}

def Autodiff : Pass<"meshc-autodiff", "mlir::ModuleOp"> {
  let summary = "Differentiate the loss of meshc.minimize and add the optimizer updates";
  let description = [{
    Reverse mode over the global program, before partitioning. Each op's rule comes from its
    DifferentiableOpInterface. `meshc.minimize %loss` is replaced by the gradient ops, one
    `meshc.sgd_update` per parameter and `meshc.output "loss", %loss`.

    Before:
      %w = meshc.param "w" ... ; %l = ... ; meshc.minimize sgd %l {...}
    After:
      ... forward ...; %g = <adjoint of %w>; meshc.sgd_update %w, %g {learning_rate = ...}
      meshc.output "loss", %l
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

def Decompose : Pass<"meshc-decompose", "mlir::ModuleOp"> {
  let summary = "Rewrite ops into the subset the partitioner and the lowering handle";
  let description = [{
    `meshc.reduce_mean` becomes `meshc.reduce_sum` followed by `meshc.scale` by one over the
    global number of reduced elements, so that a partitioned mean stays a mean.
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

def CheckLayout : Pass<"meshc-check-layout", "mlir::ModuleOp"> {
  let summary = "Check the mesh and layout against the program";
  let description = [{
    Errors (located at the op or the module): a program without mesh, a layout naming an
    unknown mesh axis or a dimension the program does not have, a dimension name with two
    sizes, a tensor with two dimensions on one mesh axis, a dimension size not divisible by
    its axis size.
  }];
}

def Partition : Pass<"meshc-partition", "mlir::ModuleOp"> {
  let summary = "Turn the global program into the per-rank program with collectives";
  let description = [{
    Local shapes from the layout; each op is run on per-rank slices as its
    ShardingRuleOpInterface allows; summed split dims leave partial sums resolved by
    meshc.all_reduce (or meshc.reduce_scatter where the result wants that dim split);
    dims an op needs whole are gathered (meshc.all_gather) and re-split (meshc.all_slice).
    Marks the function `meshc.per_rank = #meshc.mesh<...>` (the per-rank program, checked by
    the dialect: dialect/IR/PerRankVerifier.cpp).
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

#endif // MESHC_PASSES_TD
