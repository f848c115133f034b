// The passes of the meshc pipeline: check program → fuse attention → autodiff → decompose → check layout →
// propagate shardings → insert reshards → localize → (CSE) → optimize communication → fuse
// elementwise.
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

def FuseAttention : Pass<"meshc-fuse-attention", "mlir::ModuleOp"> {
  let summary = "Fuse einsum -> [causal_mask] -> softmax -> [dropout] -> einsum into meshc.attention";
  let description = [{
    On the global program, before autodiff: each attention chain whose intermediate values have
    no other use becomes one `meshc.attention` (and its adjoint one `meshc.attention_grad`), so
    the scores and probabilities are never stored whole. Chains whose dims do not play the roles
    meshc.attention requires stay unfused (the same computation).
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
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

// Partitioning, in three stages (the meshc-partition pipeline runs them in order), then the
// communication optimisation of the per-rank program.

def PropagateShardings : Pass<"meshc-propagate-shardings", "mlir::ModuleOp"> {
  let summary = "Decide how every op runs over the mesh: annotate the global program";
  let description = [{
    Walks the global program in order and decides, from the layout and each op's
    ShardingRuleOpInterface, how each op runs: `meshc.operand_shardings` (the sharding it needs
    each operand in), `meshc.sharding` (how it produces each result: split dims, pending partial
    sums over the axes of its split summed dims) and, where a result is resharded right after the
    op for its consumers, `meshc.held_shardings`. The rules (dialect/Transforms/
    PropagateShardings.cpp): a value is held in the layout's sharding, except a relayout's result
    (the override's), an elementwise chain after a relayout (runs in the override), a value whose
    one use is a relayout (held as produced), and partial sums whose one use is add/sub/scale
    (carried partial through the linear op when all its operands are partial alike). Types stay
    global; nothing is inserted.
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

def InsertReshards : Pass<"meshc-insert-reshards", "mlir::ModuleOp"> {
  let summary = "Insert meshc.reshard wherever a value is held in another sharding than needed";
  let description = [{
    On the annotated global program of meshc-propagate-shardings: after each op, a
    `meshc.reshard` from each result's produced sharding to its held sharding where they differ;
    before each op, one from each operand's held sharding to the sharding the op needs where they
    differ. Drops `meshc.operand_shardings` and `meshc.held_shardings`: afterwards every value is
    held as its defining op's `meshc.sharding` (or a reshard's `to`) says, which is what each
    consumer needs.
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

def Localize : Pass<"meshc-localize", "mlir::ModuleOp"> {
  let summary = "Turn the resharded global program into the per-rank program";
  let description = [{
    Every result takes its per-rank type (split dims divided by their axis sizes, from its
    `meshc.sharding`); every `meshc.reshard` becomes the cheapest collectives that perform it
    (MeshLayout::planReshard: all_slice, all_gather, all_to_all, reduce_scatter, all_reduce;
    the operator is chosen from the two shardings alone), each annotated with the sharding it
    leaves; `meshc.relayout` is replaced by its operand; `meshc.clip_global_norm` gets its
    `replicas`. Marks the function `meshc.per_rank = #meshc.mesh<...>` (checked by the
    dialect: dialect/IR/PerRankVerifier.cpp). A reshard no plan performs (from partial over an
    axis that also splits one of the value's dims) is a located error.
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

def OptimizeCommunication : Pass<"meshc-optimize-communication", "mlir::ModuleOp"> {
  let summary = "Fuse consecutive small all_reduces of the per-rank program into buckets";
  let description = [{
    Runs on the per-rank program after partitioning and CSE (Horovod's tensor fusion, PyTorch
    DDP's gradient buckets): `meshc.all_reduce`s over the same mesh axes, walked in program
    order, join one `meshc.all_reduce_bucket` placed where its last member was, so the runtime
    sums them with one allreduce of their packed bytes. A bucket closes at the first op that
    uses a member's result (so none is moved past a use) and when the next member would take
    it beyond `bucket-bytes`; only all_reduces run by the same passes of the executable
    (train, eval, predict: ProgramPasses.h) share one, so an evaluation-only forward sum never
    waits for backward values. An all_reduce of `bucket-bytes` or more, and a bucket that would
    hold one tensor, stay plain all_reduces. `bucket-bytes=0` changes nothing.

    Before:
      %a = meshc.all_reduce %ga {axes = ["b"]} : T1
      %b = meshc.all_reduce %gb {axes = ["b"]} : T2
      meshc.sgd_update %wa, %a ...
    After:
      %a, %b = meshc.all_reduce_bucket %ga, %gb {axes = ["b"]} : T1, T2 -> T1, T2
      meshc.sgd_update %wa, %a ...

    The per-rank verifier checks its output like the partitioner's.
  }];
  let options = [
    Option<"bucketBytes", "bucket-bytes", "int64_t", /*default=*/"256 * 1024",
           "Most bytes one bucket of all_reduces holds (0: no bucketing; meshc --bucket-bytes)">
  ];
}

def FuseElementwise : Pass<"meshc-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuse elementwise chains and residual adds with their layer norm (per-rank)";
  let description = [{
    Runs last on the per-rank program (after partitioning, so the fused ops need no sharding
    or gradient rules; meshc --no-fuse-elementwise leaves it out). Two rewrites, each computing
    what the ops it replaces compute:
    - `%s = meshc.add %a, %b` (same types) whose sum a `meshc.layer_norm` normalises becomes
      one `meshc.add_layer_norm %a, %b` (placed at the add) with both results;
    - a tree of elementwise ops (FusedElementwise.h) whose inner values have this one use and
      the root's type becomes one `meshc.fused_elementwise` at the root, which reads its
      leaves once and writes only the root's value (the unfused ops write and re-read every
      inner value).
    Values partial over mesh axes (pending all_reduces) are left alone; a fused op takes the
    sharding of the op whose result it replaces. Since each inner value has one use, every op
    of a tree runs in the same passes of the executable (ProgramPasses.h) as its root.

    Before:
      %t = meshc.add %x, %b  : (T, B) -> T
      %r = meshc.add %h, %t  : (T, T) -> T
    After:
      %r = meshc.fused_elementwise %h, %x, %b {ops = ["add", "add"],
             args = array<i32: 1, 2, 0, 3>, constants = array<f64: 0.0, 0.0>} : (T, T, B) -> T
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

#endif // MESHC_PASSES_TD
