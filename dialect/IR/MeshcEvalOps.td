// meshc ops: Eval family (see MeshcOps.td for the base classes): what evaluation and prediction
// need besides the loss — a comparison for accuracy, a value that differs between training and
// evaluation, and the per-sample metrics and outputs a program names. Verifiers, sharding and gradient rules in MeshcEvalOps.cpp.
#ifndef MESHC_EVAL_OPS_TD
#define MESHC_EVAL_OPS_TD

def Meshc_EqualOp : Meshc_DifferentiableOp<"equal"> {
  let summary = "1.0 where lhs == rhs, else 0.0, broadcasting by dimension name";
  let description = [{
    Both operands have one element type, f32 or i32 (argmax results against labels); the
    result is f32 and has the dims of both, as for meshc.add. Not differentiable: no gradient
    flows through it (stop_gradient semantics), so a loss may use it without error.
  }];
  let arguments = (ins Meshc_AnyTensor:$lhs, Meshc_AnyTensor:$rhs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs)) `->`
    qualified(type($result))
  }];
}

def Meshc_TrainOrEvalOp : Meshc_DifferentiableOp<"train_or_eval",
    [AllTypesMatch<["train", "eval", "result"]>]> {
  let summary = "`train` in the train pass, `eval` in the eval and predict passes";
  let description = [{
    `%s = meshc.train_or_eval %batch_mean, %running_mean : !meshc.tensor<c=8, f32>`: batch
    norm's statistics, the batch's while training and the running ones (a `meshc.param` with
    `state`) in evaluation and prediction. Each pass computes only the operand it reads. The
    gradient flows to `train` only (evaluation is not differentiated).
  }];
  let arguments = (ins Meshc_AnyTensor:$train, Meshc_AnyTensor:$eval);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$train `,` $eval attr-dict `:` qualified(type($result))";
}

class Meshc_PerSampleOp<string mnemonic, string what> : Meshc_Op<mnemonic, [
    MemoryEffects<[MemWrite]>,
    DeclareOpInterfaceMethods<Meshc_ShardingRuleOpInterface>]> {
  let summary = what;
  let arguments = (ins StrAttr:$name, Meshc_AnyTensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` qualified(type($value))";
  let hasVerifier = 1;
}

def Meshc_MetricOp : Meshc_PerSampleOp<"metric",
    "a per-sample f32 value that evaluation averages over every sample"> {
  let description = [{
    `meshc.metric "accuracy", %t : !meshc.tensor<batch=64, f32>`. The first dim of `%t` is the
    sample dim (the inputs' first dim); the runtime prints the mean over all samples of an
    evaluation set. Not part of training: autodiff ignores it and the train pass does not
    compute it; the eval pass computes it with the loss. After partitioning, the
    operand's `meshc.sharding` says how the per-rank value is split.
  }];
}

def Meshc_PredictionOp : Meshc_PerSampleOp<"prediction",
    "a per-sample value (f32 or i32) that prediction writes, in sample order"> {
  let description = [{
    `meshc.prediction "probs", %p : !meshc.tensor<batch=64, classes=10, f32>` (the DSL's
    `g.output("probs", p)`). The first dim is the sample dim. Computed only by the predict
    pass, with only the ops it depends on. Per rank, as for meshc.metric.
  }];
}

#endif // MESHC_EVAL_OPS_TD
