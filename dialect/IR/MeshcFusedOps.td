// The fused ops: what meshc-fuse-elementwise and meshc-fuse-conv make of the per-rank program
// (never written by a model, never differentiated or partitioned: they exist after both).
#ifndef MESHC_FUSED_OPS_TD
#define MESHC_FUSED_OPS_TD

def Meshc_FusedElementwiseOp : Meshc_Op<"fused_elementwise", [Pure]> {
  let summary = "a chain of elementwise ops evaluated in one pass over memory";
  let description = [{
    A straight-line program over the inputs, evaluated element by element of the result: value
    `i < n` is input `i` (read broadcast by dimension name, as meshc.add reads its operands);
    op `j` of `ops` (a meshc op mnemonic: add, sub, mul, div, maximum, minimum, relu_grad,
    gelu_grad take two values, scale, relu, gelu, exp, tanh, sigmoid, log, sqrt, leaky_relu one)
    reads the values `args[2j]` and `args[2j+1]` (-1 where it takes one) and defines
    value `n + j`; `constants[j]` is scale's factor or leaky_relu's alpha (else 0). The result
    is the last op's value. Each op means what the meshc op of that name means.

      %r = meshc.fused_elementwise %x, %b, %h {ops = ["add", "add"],
             args = array<i32: 0, 1, 3, 2>, constants = array<f64: 0.0, 0.0>}
           : (!meshc.tensor<b=2, d=4, f32>, !meshc.tensor<d=4, f32>, !meshc.tensor<b=2, d=4, f32>)
             -> !meshc.tensor<b=2, d=4, f32>

    is `%h + (%x + %b)`, in one pass.
  }];
  let arguments = (ins Variadic<Meshc_AnyTensor>:$inputs, StrArrayAttr:$ops,
                       DenseI32ArrayAttr:$args, DenseF64ArrayAttr:$constants);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, $result)";
  let hasVerifier = 1;
}

def Meshc_AddLayerNormOp : Meshc_Op<"add_layer_norm",
    [Pure, AllTypesMatch<["lhs", "rhs", "sum", "result"]>]> {
  let summary = "the residual add with the layer norm of its sum: sum = lhs + rhs, result = "
                "layer_norm(sum) over `dim`";
  let description = [{
    One kernel for `%s = meshc.add %lhs, %rhs` followed by `meshc.layer_norm %s` (same types,
    no broadcast): both results, as those two ops compute them.
  }];
  let arguments = (ins Meshc_AnyTensor:$lhs, Meshc_AnyTensor:$rhs, StrAttr:$dim,
                       F64Attr:$epsilon);
  let results = (outs Meshc_AnyTensor:$sum, Meshc_AnyTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def Meshc_LayerNormGradAddOp : Meshc_Op<"layer_norm_grad_add",
    [Pure, AllTypesMatch<["input", "grad", "addend", "result"]>]> {
  let summary = "the adjoint of a layer norm plus the adjoint it is summed with: result = "
                "layer_norm_grad(input, grad) + addend over `dim`";
  let description = [{
    One kernel for `%g = meshc.layer_norm_grad %input, %grad` whose only use is
    `meshc.add %addend, %g` (or `%g, %addend`; same types, no broadcast): in a pre-LN residual
    block, the adjoint of the block's input is the residual stream's adjoint plus the layer
    norm's, and this writes that sum in the pass that computes the layer norm's part. The result
    may share the addend's buffer.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad, Meshc_AnyTensor:$addend,
                       StrAttr:$dim, F64Attr:$epsilon);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input `,` $grad `,` $addend attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

// The convolution fusions of meshc-fuse-conv. Their window attributes are meshc.conv's
// (Meshc_ConvAttrs, MeshcConvOps.td), and they are window ops, so that a split spatial dim's
// halo rows reach their input as they reach meshc.conv's; verifiers in MeshcConvOps.cpp.
def Meshc_ConvBiasActOp : Meshc_Op<"conv_bias_act", [Pure,
    DeclareOpInterfaceMethods<Meshc_WindowOpInterface>]> {
  let summary = "convolution plus a per-channel bias, optionally followed by relu";
  let description = [{
    `relu(meshc.conv(%input, %filter) + %bias)` (without `relu`: the sum), one kernel: the
    convolution writes each output block with its bias added and the relu applied while in
    cache. `bias` has exactly the dim `out_channel`, of the result's size there, and is read
    broadcast along the result's other dims as meshc.add reads it. Input, filter, result and
    attributes are meshc.conv's.

      %a = meshc.conv_bias_act %x, %k, %c {relu, in_channel = "ch", out_channel = "f", ...}
           : !meshc.tensor<b=8, ch=1, h=32, w=32, f32>, !meshc.tensor<f=4, ch=1, kh=3, kw=3, f32>,
             !meshc.tensor<f=4, f32> -> !meshc.tensor<b=8, f=4, h=32, w=32, f32>
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$filter,
                            Meshc_AnyTensor:$bias), Meshc_ConvAttrs, (ins UnitAttr:$relu));
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter `,` $bias attr-dict `:` qualified(type($input)) `,`
    qualified(type($filter)) `,` qualified(type($bias)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Meshc_ConvGradFilterBiasOp : Meshc_Op<"conv_grad_filter_bias", [Pure,
    DeclareOpInterfaceMethods<Meshc_WindowOpInterface>]> {
  let summary = "meshc.conv_grad_filter with the bias gradient of the same dy";
  let description = [{
    `result` is `meshc.conv_grad_filter %input, %grad` (same attributes and types) and
    `bias_grad` the sum of `grad` over every dim but `out_channel` (the `meshc.reduce_sum` that
    the adjoint of a per-channel bias add is), one kernel. Both sum over the batch-like dims
    (and the bias gradient over the spatial ones): a split batch or spatial dim leaves both
    partial sums, as the two ops leave them.
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad), Meshc_ConvAttrs);
  let results = (outs Meshc_AnyTensor:$result, Meshc_AnyTensor:$bias_grad);
  let assemblyFormat = [{
    $input `,` $grad attr-dict `:` qualified(type($input)) `,` qualified(type($grad)) `->`
    qualified(type($result)) `,` qualified(type($bias_grad))
  }];
  let hasVerifier = 1;
}

#endif // MESHC_FUSED_OPS_TD
