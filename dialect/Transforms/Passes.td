// The passes of the meshc pipeline: check program → fuse attention → autodiff → [remat] → decompose → check layout →
// propagate shardings → insert reshards → localize → (CSE) → shard updates → optimize communication → fuse
// conv → fuse elementwise.
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

def Remat : Pass<"meshc-remat", "mlir::ModuleOp"> {
  let summary = "Recompute cheap forward activations in the backward pass instead of keeping them";
  let description = [{
    On the global program, right after meshc-autodiff (meshc --remat). A forward value that the
    backward program reads (after the gradient seed, the `meshc.fill {value = 1.0}` of the
    loss's type at the minimize's location) and whose op is cheap to recompute (elementwise
    ops, gelu, layer_norm, softmax, causal_mask, dropout with the same key hence the same mask,
    broadcast, rename, reshape, slice, fill; never einsum, conv, attention, embedding or a
    reduction) is recomputed right before its first backward use, and every backward use reads
    the recomputed value: the forward value then dies at its last forward use. A value is
    recomputed only where each operand is live there anyway (a parameter, an input, a value
    the backward program reads at or after that point) or is itself recomputable that way (a
    chain of at most 4 cheap ops), so no live range grows and the liveness bound never rises.
    Recomputed ops carry the unit attribute `meshc.remat`, which keeps CSE from merging them
    back into the forward ops. `all=false` recomputes only the values of the ops the DSL
    marked with `meshc.remat` inside a `RematScope` (a per-block choice; with the cheap chain
    each needs); `all=true` (meshc --remat) every cheap forward op's.

    Before:
      %y = meshc.layer_norm %h ...           // forward; %h is read by layer_norm_grad later
      ... %seed = meshc.fill {value = 1.0} ...
      %dw = meshc.einsum %dz, %y ...
    After:
      %y = meshc.layer_norm %h ...           // dies at its last forward use
      ... %seed = meshc.fill {value = 1.0} ...
      %y2 = meshc.layer_norm %h {meshc.remat} ...
      %dw = meshc.einsum %dz, %y2 ...
  }];
  let options = [
    Option<"all", "all", "bool", /*default=*/"true",
           "Recompute every cheap forward value (meshc --remat); false: only the ops marked "
           "meshc.remat by the DSL (RematScope)">
  ];
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

def ShardUpdates : Pass<"meshc-shard-updates", "mlir::ModuleOp"> {
  let summary = "Shard the optimizer update of replicated parameters over their data axis (ZeRO)";
  let description = [{
    Runs on the per-rank program after partitioning and CSE, before all_reduce bucketing.
    Where a parameter's gradient is summed by an all_reduce over one mesh axis whose only use
    is the parameter's update (sgd, momentum, adam), the parameter's first dimension is whole,
    its local size divides by the axis size and no dim of the parameter is split over the
    axis, and the sharding saves at least `min-bytes` of optimizer state per rank (Adam's m and
    v: 2 x the parameter's bytes x (1 - 1/axis size); momentum's velocity: 1 x; SGD: none, so
    SGD updates shard only at min-bytes=0): the all_reduce becomes a
    reduce_scatter of the first dim over the axis, and the update gets `shard_axis`: it updates
    only this rank's slice of the parameter and of its optimizer state (which shrinks by the
    axis size), then all-gathers the parameter (ZeRO-1/2; DeepSpeed's contiguous chunks, since a
    slice of the first dim is contiguous). The same bytes cross the network as with the
    all_reduce (a ring all_reduce is a reduce-scatter and an all-gather); Adam's m and v and
    momentum's velocity take 1/axis-size the memory, and the update 1/axis-size the time. Not
    sharded: gradients clipped by clip_global_norm (the clip needs each whole gradient),
    running statistics, gradients summed over several axes at once.

    Before:
      %s = meshc.all_reduce %g {axes = ["b"]} : !meshc.tensor<d_in=64, hidden=32, f32>
      meshc.adam_update %w, %s {...} : ..., !meshc.tensor<d_in=64, hidden=32, f32>
    After (b=2):
      %s = meshc.reduce_scatter %g {axis = "b", dim = "d_in"} : ... -> !meshc.tensor<d_in=32, hidden=32, f32>
      meshc.adam_update %w, %s {shard_axis = "b", ...} : ..., !meshc.tensor<d_in=32, hidden=32, f32>
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"256 * 1024",
           "Shard an update where it saves at least this many bytes of optimizer state per rank "
           "(0: every one that can be; meshc --shard-update-min-bytes)">
  ];
}

def ShareUpdates : Pass<"meshc-share-updates", "mlir::ModuleOp"> {
  let summary = "Update replicated SGD weights in node-shared storage inside their weight-gradient GEMMs";
  let description = [{
    Runs on the per-rank program after meshc-shard-updates, before all_reduce bucketing. Where a
    parameter's SGD update (plain sgd_update, not sharded) reads an all_reduce whose only use it
    is, of an einsum of two operands whose only use is that all_reduce, the einsum is one matmul
    without batch dims that writes the parameter's layout directly (its dims one operand's
    followed by the other's), the parameter is replicated over the all_reduce's axes and has at
    least `min-bytes`: the three ops become one meshc.sgd_update_einsum, placed right after the
    later of the einsum and the parameter's last other use (so every read of the parameter in
    the step comes first). Its parameter is allocated by meshrt_alloc_shared: where the ranks
    along the axes run on one node it is stored once for them, and each rank's GEMM adds its
    part of the gradient, times -learning_rate, straight into it (no gradient buffer, all_reduce
    or update pass); elsewhere the runtime all-reduces the product as before. Not shared:
    momentum and Adam (their state needs the summed gradient), clipped gradients (the clip reads
    the all_reduce), sharded updates, gradients used twice, batched or transposed-output einsums.

    Before:
      %g = meshc.einsum %dy, %x {...} : ..., ... -> !meshc.tensor<d_in=1024, hidden=4096, f32>
      %s = meshc.all_reduce %g {axes = ["b"]} : !meshc.tensor<d_in=1024, hidden=4096, f32>
      meshc.sgd_update %w, %s {learning_rate = 0.1} : ...
    After:
      meshc.sgd_update_einsum %w, %dy, %x {axes = ["b"], learning_rate = 0.1} : ...
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"256 * 1024",
           "Share the update of parameters of at least this many bytes per rank (smaller ones "
           "keep their all_reduce, which buckets; meshc --share-update-min-bytes)">
  ];
}

def OptimizeCommunication : Pass<"meshc-optimize-communication", "mlir::ModuleOp"> {
  let summary = "Fuse consecutive small all_reduces of the per-rank program into buckets and "
                "overlap them with the computation";
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

    Then, with `overlap` (the default), each all_reduce and bucket becomes non-blocking: it
    gets `async` and moves up to right after the last op that produces one of its operands,
    and a `meshc.wait` of its results goes right before their first use, so the ops in between
    (the rest of the backward pass, for gradients) run while the runtime's communication
    thread sums. Nothing moves across an op that writes memory the program reads (parameter
    updates, outputs, metrics, clipping), and a collective with no op between its operand's
    producer and its first use stays blocking. The passes of the executable (ProgramPasses.h)
    run a collective and its wait together: the wait has the collective's uses.

    Before:                                   After (overlap):
      %g1 = meshc.einsum ...                    %g1 = meshc.einsum ...
      %h = meshc.einsum ...                     %s = meshc.all_reduce %g1 {async, axes = ["b"]}
      %a = meshc.all_reduce %g1 {axes = ["b"]}  %h = meshc.einsum ...
      meshc.sgd_update %w, %a ...               %a = meshc.wait %s
                                                meshc.sgd_update %w, %a ...

    The per-rank verifier checks its output like the partitioner's.
  }];
  let options = [
    Option<"bucketBytes", "bucket-bytes", "int64_t", /*default=*/"256 * 1024",
           "Most bytes one bucket of all_reduces holds (0: no bucketing; meshc --bucket-bytes)">,
    Option<"overlap", "overlap", "bool", /*default=*/"true",
           "Start all_reduces and buckets early and wait at their first use (meshc --no-overlap: "
           "false)">
  ];
}

def FuseElementwise : Pass<"meshc-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuse elementwise chains, and residual adds with their layer norm and its "
                "adjoint (per-rank)";
  let description = [{
    Runs last on the per-rank program (after partitioning, so the fused ops need no sharding
    or gradient rules; meshc --no-fuse-elementwise leaves it out). Four rewrites, each computing
    what the ops it replaces compute:
    - `%s = meshc.add %a, %b` (same types) whose sum a `meshc.layer_norm` normalises becomes
      one `meshc.add_layer_norm %a, %b` (placed at the add) with both results;
    - `meshc.add %r, %g` (same types, either order) of a `%g = meshc.layer_norm_grad %x, %dy`
      used only there becomes one `meshc.layer_norm_grad_add %x, %dy, %r` (at the add): the
      adjoint of a pre-LN block's input, written in the pass that computes the layer norm's;
    - a sum of `meshc.pad`s whose windows tile one dim exactly becomes one `meshc.concat` of
      the padded pieces;
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

def FuseConv : Pass<"meshc-fuse-conv", "mlir::ModuleOp"> {
  let summary = "Fuse convolutions with their bias add and relu, and the filter gradient with "
                "the bias gradient (per-rank)";
  let description = [{
    Runs on the per-rank program just before meshc-fuse-elementwise (which would otherwise take
    the bias adds and relus into its trees; meshc --no-fuse-elementwise leaves both out). Two
    rewrites, each computing what the ops it replaces compute:
    - `%s = meshc.add %y, %c` where `%y` is a `meshc.conv` used only there and `%c` has exactly
      the conv's out_channel dim becomes one `meshc.conv_bias_act` (oneDNN's convolution with
      its bias and a relu post-op); when `%s`'s other uses are one `meshc.relu` and
      `meshc.relu_grad`s reading it as their input, the relu is fused too and the relu_grads
      read the relu's value instead (relu(s) > 0 exactly when s > 0), so that the sum is not
      kept;
    - a `meshc.conv_grad_filter %x, %dy` and a `meshc.reduce_sum` of the same `%dy` onto its
      out_channel dim become one `meshc.conv_grad_filter_bias` with both results (oneDNN's
      backward-weights primitive computes the bias gradient in the same pass over dy).
    The convolution, the bias and every value replaced must have no pending partial sum; the
    filter and bias gradients are partial over the axes of the dims they sum, as unfused.

    Before:
      %y = meshc.conv %x, %k {...} : (X, K) -> Y
      %s = meshc.add %y, %c : (Y, C) -> Y
      %a = meshc.relu %s : Y
      %g = meshc.relu_grad %s, %da : Y
    After:
      %a = meshc.conv_bias_act %x, %k, %c {relu, ...} : X, K, C -> Y
      %g = meshc.relu_grad %a, %da : Y
  }];
  let dependentDialects = ["::meshc::MeshcDialect"];
}

#endif // MESHC_PASSES_TD
