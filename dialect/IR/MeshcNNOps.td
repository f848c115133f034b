// meshc ops: NN family (see MeshcOps.td for the base classes): normalisation, activations,
// attention masks, dropout, and the updates of the Adam and momentum optimizers.
#ifndef MESHC_NN_OPS_TD
#define MESHC_NN_OPS_TD

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

def Meshc_LayerNormOp : Meshc_DifferentiableOp<"layer_norm",
    [AllTypesMatch<["input", "result"]>], ["getWholeDims"]> {
  let summary = "(x - mean) / sqrt(var + epsilon) over `dim` (no affine part)";
  let description = [{
    Mean and (biased) variance are taken over the dimension `dim`, separately for every
    position of the other dims. `dim` must be whole on every rank.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim, F64Attr:$epsilon);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_GeluOp : Meshc_DifferentiableOp<"gelu", [AllTypesMatch<["input", "result"]>]> {
  let summary = "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))";
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_SoftmaxOp : Meshc_DifferentiableOp<"softmax",
    [AllTypesMatch<["input", "result"]>], ["getWholeDims"]> {
  let summary = "exp(x) / sum(exp(x)) over `dim`";
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$dim);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_CausalMaskOp : Meshc_DifferentiableOp<"causal_mask",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "`value` (default -1e9) where key position > query position, else x";
  let description = [{
    Positions are GLOBAL indices along `query_dim` and `key_dim` (two dims of equal size),
    so either may be split: after partitioning, `meshc.sharding` says where the slice lies.
    The adjoint is the same mask with `value = 0.0` applied to the result's adjoint.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, StrAttr:$query_dim, StrAttr:$key_dim,
                       OptionalAttr<F64Attr>:$value);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
  let extraClassDeclaration = [{
    /// The value written at masked positions.
    double getMaskValue() {
      return getValue() ? getValue()->convertToDouble() : -1.0e9;
    }
  }];
}

def Meshc_DropoutOp : Meshc_DifferentiableOp<"dropout",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "x * keep / (1 - rate), keep drawn from (seed, key, step, global index)";
  let description = [{
    keep = uniform01(hash(seed, key, step, i)) >= rate, where i is the element's row-major
    index in the GLOBAL tensor (docs/IR.md gives the hash): the mask is the same in every
    layout. The adjoint is the same dropout (same key) applied to the result's adjoint.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, F64Attr:$rate, I64Attr:$key);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_AttentionOp : Meshc_DifferentiableOp<"attention", [], ["getWholeDims"]> {
  let summary = "fused attention: dropout(softmax_key(causal_mask(q . k))) . v";
  let description = [{
    What the unfused chain computes, in one op whose scores are never stored whole (made by
    meshc-fuse-attention from einsum(q, k) -> [causal_mask] -> softmax(key) -> [dropout] ->
    einsum(., v)). `probs_dims` names the dims of the chain's probabilities P in their order:
    its other dims (batch, heads, ...), the `query_dim` and the `key_dim`. q holds P's dims but
    the key plus the contracted dims (those q shares with k outside P); k holds P's dims but the
    query plus the same contracted dims; v holds P's dims but the query plus its value dims;
    `out` (result 0) holds P's dims but the key plus v's value dims. `lse` (result 1, P's dims
    but the key) is each query's log-sum-exp of its masked scores: the gradient reads it, and
    nothing else may. `causal` masks keys after the query (global positions); dropout, when
    `dropout_rate` > 0, draws P's elements exactly as meshc.dropout with `dropout_key` does.
    The key, contracted and value dims must be whole; the others may be split.
  }];
  let arguments = (ins Meshc_AnyTensor:$q, Meshc_AnyTensor:$k, Meshc_AnyTensor:$v,
                       StrArrayAttr:$probs_dims, StrAttr:$query_dim, StrAttr:$key_dim,
                       BoolAttr:$causal, F64Attr:$dropout_rate, I64Attr:$dropout_key);
  let results = (outs Meshc_AnyTensor:$out, Meshc_AnyTensor:$lse);
  let assemblyFormat = [{
    $q `,` $k `,` $v attr-dict `:` qualified(type($q)) `,` qualified(type($k)) `,`
    qualified(type($v)) `->` qualified(type($out)) `,` qualified(type($lse))
  }];
  let extraClassDeclaration = [{
    /// The roles of the dims (AttentionDims.h).
    ::meshc::AttentionDims getDims();
  }];
}

//===----------------------------------------------------------------------===//
// Adjoint ops made by autodiff
//===----------------------------------------------------------------------===//

def Meshc_LayerNormGradOp : Meshc_ComputeOp<"layer_norm_grad",
    [AllTypesMatch<["input", "grad", "result"]>], ["getWholeDims"]> {
  let summary = "adjoint of layer_norm: (dy - mean(dy) - y mean(dy y)) / sigma over `dim`";
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad, StrAttr:$dim,
                       F64Attr:$epsilon);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input `,` $grad attr-dict `:` qualified(type($result))";
}

def Meshc_GeluGradOp : Meshc_ComputeOp<"gelu_grad",
    [AllTypesMatch<["input", "grad", "result"]>]> {
  let summary = "gelu'(input) * grad";
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input `,` $grad attr-dict `:` qualified(type($result))";
}

def Meshc_AttentionGradOp : Meshc_ComputeOp<"attention_grad", [
    AllTypesMatch<["q", "dq"]>, AllTypesMatch<["k", "dk"]>, AllTypesMatch<["v", "dv"]>,
    AllTypesMatch<["out", "dout"]>], ["getSummedDims", "getWholeDims"]> {
  let summary = "the adjoint of meshc.attention with respect to q, k and v";
  let description = [{
    From the forward's operands, its `out` and `lse` and the adjoint `dout` of out, with the
    forward's attributes: dq sums over the keys; dk and dv sum over the queries (and P's other
    dims they lack), so a split query dim leaves them partial sums.
  }];
  let arguments = (ins Meshc_AnyTensor:$q, Meshc_AnyTensor:$k, Meshc_AnyTensor:$v,
                       Meshc_AnyTensor:$out, Meshc_AnyTensor:$lse, Meshc_AnyTensor:$dout,
                       StrArrayAttr:$probs_dims, StrAttr:$query_dim, StrAttr:$key_dim,
                       BoolAttr:$causal, F64Attr:$dropout_rate, I64Attr:$dropout_key);
  let results = (outs Meshc_AnyTensor:$dq, Meshc_AnyTensor:$dk, Meshc_AnyTensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $out `,` $lse `,` $dout attr-dict `:` qualified(type($q)) `,`
    qualified(type($k)) `,` qualified(type($v)) `,` qualified(type($out)) `,`
    qualified(type($lse))
  }];
  let extraClassDeclaration = [{
    /// The roles of the dims (AttentionDims.h).
    ::meshc::AttentionDims getDims();
  }];
}

//===----------------------------------------------------------------------===//
// Optimizer updates made by autodiff
//===----------------------------------------------------------------------===//

def Meshc_AdamUpdateOp : Meshc_Op<"adam_update", [
    MemoryEffects<[MemWrite]>,
    DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface>,
    Meshc_ParamUpdateOpInterface]> {
  let summary = "Adam step on the parameter's storage, with its m and v state";
  let description = [{
    With t = step + 1 (the runtime's step number, from 0):
    m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;
    param -= learning_rate ((m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
                            + weight_decay param)
    (AdamW's decoupled weight decay, Loshchilov & Hutter; learning_rate times the run's
    schedule factor). m and v have the parameter's local shape (its layout) and start at zero.
    With `shard_axis` (meshc-shard-updates), sharded as sgd_update describes: m and v hold only
    this rank's slice, the gradient's shape.
  }];
  let arguments = (ins Meshc_AnyTensor:$param, Meshc_AnyTensor:$grad, F64Attr:$learning_rate,
                       F64Attr:$beta1, F64Attr:$beta2, F64Attr:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       OptionalAttr<StrAttr>:$shard_axis);
  let assemblyFormat = [{
    $param `,` $grad attr-dict `:` qualified(type($param)) `,` qualified(type($grad))
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::meshc::Optimizer getOptimizer() { return ::meshc::Optimizer::Adam; }
  }];
}

def Meshc_MomentumUpdateOp : Meshc_Op<"momentum_update", [
    MemoryEffects<[MemWrite]>,
    DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface>,
    Meshc_ParamUpdateOpInterface]> {
  let summary = "velocity = momentum velocity + grad; param -= learning_rate velocity";
  let description = [{
    The velocity has the parameter's local shape (its layout) and starts at zero. With
    `shard_axis` (meshc-shard-updates), sharded as sgd_update describes: the velocity holds only
    this rank's slice, the gradient's shape.
  }];
  let arguments = (ins Meshc_AnyTensor:$param, Meshc_AnyTensor:$grad, F64Attr:$learning_rate,
                       F64Attr:$momentum, OptionalAttr<StrAttr>:$shard_axis);
  let assemblyFormat = [{
    $param `,` $grad attr-dict `:` qualified(type($param)) `,` qualified(type($grad))
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::meshc::Optimizer getOptimizer() { return ::meshc::Optimizer::Momentum; }
  }];
}

def Meshc_ClipGlobalNormOp : Meshc_Op<"clip_global_norm", [Pure]> {
  let summary = "the gradients scaled together to a global norm of at most max_norm";
  let description = [{
    norm = sqrt(sum over every gradient and element of g^2), over the GLOBAL gradients; each
    result = its gradient * min(1, max_norm / (norm + 1e-6)). Made by autodiff from the
    minimize's `clip_norm`, after the gradients and before the updates, which read its results.
    The partitioner keeps each gradient in its layout (after the all-reduces that complete it)
    and sets `replicas`: per gradient, the number of ranks holding an identical copy of its
    block (the product of the sizes of the mesh axes none of its dims is split on), so that the
    runtime counts every global element once (one all-reduce of a double over every rank).
  }];
  let arguments = (ins Variadic<Meshc_AnyTensor>:$grads, F64Attr:$max_norm,
                       OptionalAttr<DenseI64ArrayAttr>:$replicas);
  let results = (outs Variadic<Meshc_AnyTensor>:$results);
  let assemblyFormat = [{
    $grads attr-dict `:` qualified(type($grads)) `->` qualified(type($results))
  }];
  let hasVerifier = 1;
}

#endif // MESHC_NN_OPS_TD
