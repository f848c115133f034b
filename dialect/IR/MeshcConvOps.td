// meshc ops: Conv family (see MeshcOps.td for the base classes): convolution over 1 to 3
// named spatial dims, its two adjoints (transposed convolution, filter gradient), max and
// average pooling with their adjoints, and batch normalisation with its adjoint. Verifiers in
// MeshcConvOps.cpp, sharding rules in ShardingRulesConv.cpp, gradient rules in
// GradientRulesConv.cpp.
//
// A window along one spatial dim is (kernel size k, stride s, dilation d, padding lo/hi);
// out = floor((in + lo + hi - d*(k-1) - 1) / s) + 1 (at least 1). The arrays of the window
// attributes have one entry per spatial dim, in one order.
#ifndef MESHC_CONV_OPS_TD
#define MESHC_CONV_OPS_TD

// The forward convolution's geometry, shared by conv, conv_transpose and conv_grad_filter.
defvar Meshc_ConvAttrs = (ins StrArrayAttr:$input_spatial, StrArrayAttr:$output_spatial,
    StrArrayAttr:$kernel_spatial, StrAttr:$in_channel, StrAttr:$out_channel,
    DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations, DenseI64ArrayAttr:$pad_lo,
    DenseI64ArrayAttr:$pad_hi);

defvar Meshc_PoolAttrs = (ins StrArrayAttr:$input_spatial, StrArrayAttr:$output_spatial,
    DenseI64ArrayAttr:$window, DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pad_lo,
    DenseI64ArrayAttr:$pad_hi);

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

class Meshc_ConvFamilyOp<string mnemonic, list<Trait> traits = [],
                         list<string> windowOverrides = []>
    : Meshc_ComputeOp<mnemonic, !listconcat(traits, [
        DeclareOpInterfaceMethods<Meshc_WindowOpInterface, windowOverrides>]),
        ["getWholeDims"]>;

def Meshc_ConvOp : Meshc_ConvFamilyOp<"conv", [
    DeclareOpInterfaceMethods<Meshc_DifferentiableOpInterface>]> {
  let summary = "convolution (cross-correlation) over named spatial dims";
  let description = [{
    y[b, f, o] = sum over c, j of x[b, c, o*s + j*d - lo] * w[c, f, j], with x read as 0 outside
    [0, in) (PyTorch's and oneDNN's convolution). `input` has batch-like dims, `in_channel` and
    `input_spatial`; `filter` has exactly `in_channel`, `out_channel` and `kernel_spatial` (any
    order); the result has the input's batch-like dims (any order), `out_channel` and
    `output_spatial` (which may keep an input spatial name when the size is unchanged). The
    kernel dims are whole on every rank; a split spatial dim is partitioned by a halo exchange
    (WindowOpInterface); a split
    `in_channel` leaves a partial sum, a split `out_channel` needs no communication.
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$filter), Meshc_ConvAttrs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter attr-dict `:` qualified(type($input)) `,` qualified(type($filter)) `->`
    qualified(type($result))
  }];
}

def Meshc_ConvTransposeOp : Meshc_ConvFamilyOp<"conv_transpose", [
    DeclareOpInterfaceMethods<Meshc_DifferentiableOpInterface>], ["hasInputSpaceResult"]> {
  let summary = "transposed convolution: the adjoint of meshc.conv with respect to its input";
  let description = [{
    The attributes describe the FORWARD convolution whose input gradient this is: `input` has
    the forward result's dims (`out_channel`, `output_spatial`), the result the forward input's
    (`in_channel`, `input_spatial`), whose sizes come from the result type and must be sizes the
    forward convolution maps onto the operand's. x[b, c, i] = sum over f, o, j with
    o*s + j*d - lo = i of y[b, f, o] * w[c, f, j]. GAN generators use it to upsample.
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$filter), Meshc_ConvAttrs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter attr-dict `:` qualified(type($input)) `,` qualified(type($filter)) `->`
    qualified(type($result))
  }];
}

def Meshc_ConvGradFilterOp : Meshc_ConvFamilyOp<"conv_grad_filter"> {
  let summary = "the adjoint of meshc.conv with respect to its filter";
  let description = [{
    dw[c, f, j] = sum over b, o of x[b, c, o*s + j*d - lo] * dy[b, f, o] (x read as 0 outside),
    for the forward convolution the attributes describe: `input` is its input, `grad` has its
    result's type and the result has the filter's. Summed over the batch-like dims, so a split
    batch leaves a partial sum (data parallelism).
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad), Meshc_ConvAttrs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad attr-dict `:` qualified(type($input)) `,` qualified(type($grad)) `->`
    qualified(type($result))
  }];
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Meshc_MaxPoolOp : Meshc_ConvFamilyOp<"max_pool", [
    DeclareOpInterfaceMethods<Meshc_DifferentiableOpInterface>], ["getHaloFill"]> {
  let summary = "maximum over a window of the spatial dims (padding reads -inf)";
  let description = [{
    y[b, o] = max over j of x[b, o*s + j - lo], for j in the window. Every dim of `input`
    besides `input_spatial` (channels included) is batch-like and appears unchanged in the
    result. Each padding is smaller than its window, so every window holds an element.
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input), Meshc_PoolAttrs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_AvgPoolOp : Meshc_ConvFamilyOp<"avg_pool", [
    DeclareOpInterfaceMethods<Meshc_DifferentiableOpInterface>]> {
  let summary = "mean over a window of the spatial dims, the padding counted as zeros";
  let description = [{
    y[b, o] = (sum over j of x[b, o*s + j - lo]) / (product of the window sizes), with x read as
    0 outside (PyTorch's count_include_pad = True). Dims as for meshc.max_pool.
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input), Meshc_PoolAttrs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
}

def Meshc_MaxPoolGradOp : Meshc_ConvFamilyOp<"max_pool_grad", [],
    ["hasInputSpaceResult", "getHaloFill"]> {
  let summary = "the adjoint of meshc.max_pool: each dy to its window's first maximum";
  let description = [{
    `input` is the forward input, `grad` has the forward result's type, the result the input's.
    Each window sends its gradient to the position of its maximum; on ties, to the first in
    window order (row-major over the spatial dims), as oneDNN and PyTorch do. A position that
    is the maximum of several windows sums their gradients.
  }];
  let arguments = !con((ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$grad), Meshc_PoolAttrs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad attr-dict `:` qualified(type($input)) `,` qualified(type($grad)) `->`
    qualified(type($result))
  }];
}

def Meshc_AvgPoolGradOp : Meshc_ConvFamilyOp<"avg_pool_grad", [], ["hasInputSpaceResult"]> {
  let summary = "the adjoint of meshc.avg_pool: each dy spread evenly over its window";
  let description = [{
    `grad` has the forward result's type; the result has the forward input's (its sizes come
    from the result type). dx[b, i] = sum over windows o holding i of dy[b, o] / window size.
  }];
  let arguments = !con((ins Meshc_AnyTensor:$grad), Meshc_PoolAttrs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $grad attr-dict `:` qualified(type($grad)) `->` qualified(type($result))
  }];
}

//===----------------------------------------------------------------------===//
// Batch normalisation
//===----------------------------------------------------------------------===//

def Meshc_BatchNormOp : Meshc_DifferentiableOp<"batch_norm",
    [AllTypesMatch<["input", "result"]>, AllTypesMatch<["mean", "var", "scale", "shift"]>]> {
  let summary = "(x - mean) / sqrt(var + epsilon) * scale + shift, per channel";
  let description = [{
    `mean`, `var`, `scale` and `shift` have exactly the dim `channel` (of x's size) and are
    broadcast along x's other dims. The statistics are operands: training computes them from
    the batch with reduce ops (the DSL's batch_norm), evaluation will pass running ones.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$mean, Meshc_AnyTensor:$var,
                       Meshc_AnyTensor:$scale, Meshc_AnyTensor:$shift, StrAttr:$channel,
                       F64Attr:$epsilon);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $mean `,` $var `,` $scale `,` $shift attr-dict `:` qualified(type($input)) `,`
    qualified(type($mean))
  }];
}

def Meshc_BatchNormGradOp : Meshc_ComputeOp<"batch_norm_grad", [
    AllTypesMatch<["input", "grad", "dinput"]>,
    AllTypesMatch<["mean", "var", "scale", "dmean", "dvar", "dscale", "dshift"]>],
    ["getSummedDims"]> {
  let summary = "the adjoint of meshc.batch_norm with respect to all its operands";
  let description = [{
    With rstd = 1 / sqrt(var + epsilon) and xhat = (x - mean) rstd: dx = scale rstd dy (the
    part through x directly; the statistics' own gradients flow through the ops that made
    them), dscale = sum dy xhat, dshift = sum dy, dmean = -dshift scale rstd,
    dvar = -0.5 dscale scale rstd^2, the sums over every dim but `channel`. The four [channel]
    results sum over x's other dims: a split batch or spatial dim leaves them partial sums
    (synchronised batch norm). NOTE: `dx` keeps those dims, and is not a partial sum.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_AnyTensor:$mean, Meshc_AnyTensor:$var,
                       Meshc_AnyTensor:$scale, Meshc_AnyTensor:$grad, StrAttr:$channel,
                       F64Attr:$epsilon);
  let results = (outs Meshc_AnyTensor:$dinput, Meshc_AnyTensor:$dmean, Meshc_AnyTensor:$dvar,
                      Meshc_AnyTensor:$dscale, Meshc_AnyTensor:$dshift);
  let assemblyFormat = [{
    $input `,` $mean `,` $var `,` $scale `,` $grad attr-dict `:` qualified(type($input)) `,`
    qualified(type($mean))
  }];
}

#endif // MESHC_CONV_OPS_TD
