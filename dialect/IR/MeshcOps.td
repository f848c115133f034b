// The ops of the meshc dialect: the global program the DSL writes, the ops autodiff adds,
// and the collectives the partitioner adds.
#ifndef MESHC_OPS_TD
#define MESHC_OPS_TD

include "dialect/IR/MeshcBase.td"
include "dialect/IR/MeshcTypes.td"
include "dialect/IR/MeshcAttrs.td"
include "dialect/IR/MeshcEnums.td"
include "dialect/IR/MeshcInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Meshc_AnyTensor : Type<CPred<"::llvm::isa<::meshc::NamedTensorType>($_self)">,
                           "meshc tensor", "::meshc::NamedTensorType">;

class Meshc_ComputeOp<string mnemonic, list<Trait> traits = [],
                      list<string> shardingOverrides = []>
    : Meshc_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface, shardingOverrides>])> {
  let hasVerifier = 1;
}

class Meshc_DifferentiableOp<string mnemonic, list<Trait> traits = [],
                             list<string> shardingOverrides = []>
    : Meshc_ComputeOp<mnemonic, !listconcat(traits, [
        DeclareOpInterfaceMethods<Meshc_DifferentiableOpInterface>]), shardingOverrides>;

//===----------------------------------------------------------------------===//
// Sources: inputs and parameters
//===----------------------------------------------------------------------===//

def Meshc_InputOp : Meshc_Op<"input", [
    DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface>,
    MemoryEffects<[MemRead]>]> {
  let summary = "a training input, synthesised from the step and the global sample index";
  let description = [{
    `kind` is `features` (f32) or `labels` (i32); `classes` is the number of classes of the
    synthetic task. After partitioning, its `meshc.sharding` says where the rank's slice lies.
  }];
  let arguments = (ins StrAttr:$name, Meshc_InputKindAttr:$kind, I64Attr:$classes);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$name `` $kind attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def Meshc_ParamOp : Meshc_Op<"param", [
    DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface>,
    MemoryEffects<[MemRead]>]> {
  let summary = "a trainable parameter, or (with `state`) non-trainable state";
  let description = [{
    Reads the current value of the parameter `name`. `init` is `uniform`, `normal`, `zeros`
    or `constant`, with `scale`. The global initial value depends only on the seed, the name
    and the global element index. After partitioning, `meshc.sharding` as for `meshc.input`.
    With the unit attribute `state` it is state the program updates itself (batch norm's
    running statistics, by a `meshc.sgd_update` in the forward program): autodiff neither
    differentiates nor trains it; it is stored, sharded and checkpointed like a parameter.
  }];
  let arguments = (ins StrAttr:$name, Meshc_ParamInitAttr:$init, F64Attr:$scale,
                       UnitAttr:$state);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$name `` $init attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Computation
//===----------------------------------------------------------------------===//

def Meshc_EinsumOp : Meshc_DifferentiableOp<"einsum"> {
  let summary = "product of one or two tensors, summed over the dims absent from the result";
  let arguments = (ins Variadic<Meshc_AnyTensor>:$inputs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` qualified(type($inputs)) `->` qualified(type($result))
  }];
}

class Meshc_BinaryOp<string mnemonic> : Meshc_DifferentiableOp<mnemonic> {
  let summary = "elementwise " # mnemonic # ", broadcasting by dimension name";
  let arguments = (ins Meshc_AnyTensor:$lhs, Meshc_AnyTensor:$rhs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs)) `->`
    qualified(type($result))
  }];
}
def Meshc_AddOp : Meshc_BinaryOp<"add">;
def Meshc_SubOp : Meshc_BinaryOp<"sub">;
def Meshc_MulOp : Meshc_BinaryOp<"mul">;

def Meshc_ReluOp : Meshc_DifferentiableOp<"relu", [AllTypesMatch<["input", "result"]>]> {
  let summary = "max(x, 0)";
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

class Meshc_ReduceOp<string mnemonic, string what> : Meshc_DifferentiableOp<mnemonic> {
  let summary = what # " over the operand dims absent from the result";
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}
def Meshc_ReduceSumOp : Meshc_ReduceOp<"reduce_sum", "sum">;
def Meshc_ReduceMeanOp : Meshc_ReduceOp<"reduce_mean", "mean">;

def Meshc_SoftmaxXentOp : Meshc_DifferentiableOp<"softmax_xent", [],
    ["getSummedDims", "getWholeDims"]> {
  let summary = "softmax cross-entropy over a class dimension, with integer labels";
  let description = [{
    loss = logsumexp(logits over `class_dim`) - logits[label]. Labels have the logits' dims
    without `class_dim`, in the same order; so does the result.
  }];
  let arguments = (ins Meshc_AnyTensor:$logits, Meshc_AnyTensor:$labels, StrAttr:$class_dim);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` qualified(type($logits)) `,` qualified(type($labels))
    `->` qualified(type($result))
  }];
}

//===----------------------------------------------------------------------===//
// Ops made by autodiff
//===----------------------------------------------------------------------===//

def Meshc_ReluGradOp : Meshc_ComputeOp<"relu_grad",
    [AllTypesMatch<["input", "grad", "result"]>]> {
  let summary = "grad where input > 0, else 0";
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input `,` $grad attr-dict `:` qualified(type($result))";
}

def Meshc_SoftmaxXentGradOp : Meshc_ComputeOp<"softmax_xent_grad", [], ["getWholeDims"]> {
  let summary = "(softmax(logits) - onehot(labels)) * dloss";
  let arguments = (ins Meshc_AnyTensor:$logits, Meshc_AnyTensor:$labels,
                       Meshc_AnyTensor:$dloss, StrAttr:$class_dim);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $dloss attr-dict `:` qualified(type($logits)) `,`
    qualified(type($labels)) `,` qualified(type($dloss)) `->` qualified(type($result))
  }];
}

def Meshc_BroadcastOp : Meshc_ComputeOp<"broadcast"> {
  let summary = "copy to a type with more dims (and/or another dim order)";
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_ScaleOp : Meshc_DifferentiableOp<"scale", [AllTypesMatch<["input", "result"]>]> {
  let summary = "multiply by a constant";
  let arguments = (ins Meshc_AnyTensor:$input, F64Attr:$factor);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_FillOp : Meshc_ComputeOp<"fill"> {
  let summary = "a tensor with every element equal to `value`";
  let arguments = (ins F64Attr:$value);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "attr-dict `:` qualified(type($result))";
}

//===----------------------------------------------------------------------===//
// Training: loss, optimizer, outputs
//===----------------------------------------------------------------------===//

def Meshc_MinimizeOp : Meshc_Op<"minimize", [MemoryEffects<[MemWrite]>]> {
  let summary = "train every parameter to minimize a scalar loss";
  let description = [{
    Replaced by autodiff with the gradient computation, one update per parameter and a
    `meshc.output "loss"`. `optimizer` is `sgd`, `adam` (optional beta1, beta2, epsilon,
    weight_decay: AdamW's decoupled decay) or `momentum` (optional momentum). With `clip_norm`,
    the gradients are scaled together to a global norm of at most clip_norm
    (`meshc.clip_global_norm`) before any update.
  }];
  let arguments = (ins Meshc_AnyTensor:$loss, Meshc_OptimizerAttr:$optimizer,
                       F64Attr:$learning_rate,
                       // adam only (defaults 0.9, 0.999, 1e-8):
                       OptionalAttr<F64Attr>:$beta1, OptionalAttr<F64Attr>:$beta2,
                       OptionalAttr<F64Attr>:$epsilon,
                       // adam only (default 0):
                       OptionalAttr<F64Attr>:$weight_decay,
                       // momentum only (default 0.9):
                       OptionalAttr<F64Attr>:$momentum,
                       // any optimizer (default: no clipping):
                       OptionalAttr<F64Attr>:$clip_norm);
  let assemblyFormat = "`` $optimizer $loss attr-dict `:` qualified(type($loss))";
  let hasVerifier = 1;
}

def Meshc_SgdUpdateOp : Meshc_Op<"sgd_update", [
    MemoryEffects<[MemWrite]>,
    DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface>,
    Meshc_ParamUpdateOpInterface]> {
  let summary = "param -= learning_rate * grad, in the parameter's storage";
  let description = [{
    With `shard_axis` (meshc-shard-updates, per-rank programs only): `grad` is this rank's slice
    of the summed gradient along the parameter's first dim, split over mesh axis `shard_axis`
    (a reduce_scatter's result); the op updates that slice of the parameter, then all-gathers
    the parameter over `shard_axis` in place (a collective: ZeRO's sharded update).
  }];
  let arguments = (ins Meshc_AnyTensor:$param, Meshc_AnyTensor:$grad, F64Attr:$learning_rate,
                       OptionalAttr<StrAttr>:$shard_axis);
  let assemblyFormat = [{
    $param `,` $grad attr-dict `:` qualified(type($param)) `,` qualified(type($grad))
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::meshc::Optimizer getOptimizer() { return ::meshc::Optimizer::Sgd; }
  }];
}

def Meshc_SgdUpdateEinsumOp : Meshc_Op<"sgd_update_einsum", [MemoryEffects<[MemWrite]>]> {
  let summary = "param -= learning_rate * (einsum(lhs, rhs) summed over the ranks along `axes`)";
  let description = [{
    Per-rank programs only (meshc-share-updates): the SGD update of a parameter replicated over
    mesh `axes` by its weight gradient, an einsum of two operands whose contracted dims are split
    over `axes`, so that each rank's einsum is a partial sum over them. It replaces
    `%g = einsum(%lhs, %rhs)`, `%s = all_reduce %g {axes}` and `sgd_update %param, %s`, and sits
    after the last read of the parameter in program order. A collective: where the ranks along
    `axes` share one node the parameter is stored once for all of them and each rank's GEMM adds
    -learning_rate times its product into it in place, slice by slice between barriers (no
    gradient buffer, sum or pass); elsewhere the runtime computes the product, all-reduces it and
    applies it. The einsum must be one matmul without batch dims (a plain weight gradient).
  }];
  let arguments = (ins Meshc_AnyTensor:$param, Meshc_AnyTensor:$lhs, Meshc_AnyTensor:$rhs,
                       StrArrayAttr:$axes, F64Attr:$learning_rate);
  let assemblyFormat = [{
    $param `,` $lhs `,` $rhs attr-dict `:` qualified(type($param)) `,` qualified(type($lhs)) `,`
    qualified(type($rhs))
  }];
  let hasVerifier = 1;
}

def Meshc_OutputOp : Meshc_Op<"output", [
    MemoryEffects<[MemWrite]>,
    DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface>]> {
  let summary = "a scalar the step reports (the loss)";
  let arguments = (ins StrAttr:$name, Meshc_AnyTensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` qualified(type($value))";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Collectives (partitioned programs only)
//===----------------------------------------------------------------------===//

class Meshc_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : Meshc_Op<mnemonic, !listconcat(traits, [Pure])> {
  let hasVerifier = 1;
}

def Meshc_AllReduceOp : Meshc_CollectiveOp<"all_reduce",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "sum over the ranks that differ only along `axes`";
  let description = [{
    With `async` (set by meshc-optimize-communication) the op only starts the sum: the runtime
    runs it on its communication thread (on a GPU with NCCL: its communication stream) while
    the ops after it run, and its result may be used only by the one `meshc.wait` that ends it.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, StrArrayAttr:$axes, UnitAttr:$async);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_AllReduceMaxOp : Meshc_CollectiveOp<"all_reduce_max",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "elementwise maximum over the ranks that differ only along `axes`";
  let description = [{
    The vocab-parallel softmax cross-entropy's row maximum (meshc-localize, LocalizeXent.cpp):
    each rank holds the maximum of its slice of the class dim, the result is the maximum over
    the whole dim. Per rank, the operand's sharding is partial over `axes` (a part of a
    reduction not yet combined) and the result's is not. A separate op from the sum, so that
    all_reduce buckets never mix the two (runtime: meshrt_all_reduce_max).
  }];
  let arguments = (ins Meshc_AnyTensor:$input, StrArrayAttr:$axes);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_AllReduceBucketOp : Meshc_CollectiveOp<"all_reduce_bucket"> {
  let summary = "several all_reduces over the same `axes` as one collective (a bucket)";
  let description = [{
    `%a2, %b2 = meshc.all_reduce_bucket %a, %b {axes = ["b"]} : T1, T2`: result i is operand i
    summed over the ranks that differ only along `axes`, as `meshc.all_reduce` would give it;
    the runtime packs the operands into one buffer and sums that in ONE allreduce
    (meshrt_all_reduce_bucket). Made by meshc-optimize-communication from consecutive
    all_reduces (Horovod's tensor fusion): fewer, larger messages. Results have their operands'
    types, f32. `async`: started only, as for `meshc.all_reduce`; one `meshc.wait` of all its
    results ends it.
  }];
  let arguments = (ins Variadic<Meshc_AnyTensor>:$inputs, StrArrayAttr:$axes, UnitAttr:$async);
  let results = (outs Variadic<Meshc_AnyTensor>:$results);
  let assemblyFormat = "$inputs attr-dict `:` qualified(type($inputs)) `->` qualified(type($results))";
}

def Meshc_WaitOp : Meshc_Op<"wait", [Pure]> {
  let summary = "the results of an async all_reduce or all_reduce_bucket, once it has finished";
  let description = [{
    `%a2, %b2 = meshc.wait %a, %b : T1, T2 -> T1, T2` where `%a, %b` are ALL the results, in order, of one
    `async` `meshc.all_reduce` or `meshc.all_reduce_bucket`, and this is their only use: result
    i is operand i (the same buffer), ready. The runtime blocks here until the collective has
    run (meshrt_collective_wait) and reports its status here. Placed by
    meshc-optimize-communication right before the first use of the sums.
  }];
  let arguments = (ins Variadic<Meshc_AnyTensor>:$inputs);
  let results = (outs Variadic<Meshc_AnyTensor>:$results);
  let assemblyFormat = "$inputs attr-dict `:` qualified(type($inputs)) `->` qualified(type($results))";
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::ValueRange":$inputs), [{
    build($_builder, $_state, inputs.getTypes(), inputs);
  }]>];
}

class Meshc_DimAxisCollectiveOp<string mnemonic, string what>
    : Meshc_CollectiveOp<mnemonic> {
  let summary = what;
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim, StrAttr:$axis);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}
def Meshc_AllGatherOp : Meshc_DimAxisCollectiveOp<"all_gather",
    "concatenate the slices of `dim` held along mesh axis `axis`">;
def Meshc_ReduceScatterOp : Meshc_DimAxisCollectiveOp<"reduce_scatter",
    "sum over `axis`, keeping this rank's slice of `dim`">;
def Meshc_AllSliceOp : Meshc_DimAxisCollectiveOp<"all_slice",
    "keep this rank's slice of the replicated `dim` along `axis` (no communication)">;

def Meshc_AllToAllOp : Meshc_CollectiveOp<"all_to_all"> {
  let summary = "split `split_dim` and gather `concat_dim` along mesh axis `axis`";
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$split_dim, StrAttr:$concat_dim,
                       StrAttr:$axis);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

// Halo exchanges: the per-rank form of a window op (WindowOpInterface) on a split spatial dim.
class Meshc_HaloOp<string mnemonic> : Meshc_CollectiveOp<mnemonic> {
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_HaloExchangeOp : Meshc_HaloOp<"halo_exchange"> {
  let summary = "extend this rank's block of `dim` by its neighbours' boundary rows";
  let description = [{
    `%y = meshc.halo_exchange %x {axis = "m", dim = "h", lo = 1, hi = 2, fill = 0.0}`:
    `dim` is split over mesh axis `axis`; the result has `lo` + local + `hi` rows of it: the
    previous rank's last `lo` rows, this rank's block, the next rank's first `hi` rows (ranks
    along `axis`; beyond the first and last rank: `fill`, the window op's padding). lo and hi
    are at most the block's size. Point-to-point with the two neighbours on `axis`.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim, StrAttr:$axis, I64Attr:$lo,
                       I64Attr:$hi, F64Attr:$fill);
}

def Meshc_HaloExchangeGradOp : Meshc_HaloOp<"halo_exchange_grad"> {
  let summary = "the adjoint of meshc.halo_exchange: return the halo rows to their owners";
  let description = [{
    `%y = meshc.halo_exchange_grad %x {axis = "m", dim = "h", lo = 1, hi = 2}`: `%x` has `lo` +
    block + `hi` rows of `dim` (what a transposed window op wrote, its halo rows belonging to the
    neighbours); the result is the block, plus the previous rank's last `hi` rows added onto its
    first `hi` rows and the next rank's first `lo` rows added onto its last `lo` rows. Rows
    beyond the global edges are dropped.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim, StrAttr:$axis, I64Attr:$lo,
                       I64Attr:$hi);
}

// Op families of the transformer/MoE op set, of evaluation and of CNNs, one file each.
include "dialect/IR/MeshcNNOps.td"
include "dialect/IR/MeshcIndexOps.td"
include "dialect/IR/MeshcLayoutOps.td"
include "dialect/IR/MeshcEvalOps.td"
include "dialect/IR/MeshcConvOps.td"
include "dialect/IR/MeshcMathOps.td"
include "dialect/IR/MeshcFusedOps.td"

#endif // MESHC_OPS_TD
