// meshc ops: Math family (see MeshcOps.td for the base classes): the elementwise functions
// CNNs, GANs and LSTMs need — sigmoid, tanh, exp, log, sqrt, leaky relu, and the broadcasting
// div, maximum and minimum — and the comparison mask their gradients select with. Verifiers,
// sharding rules in MeshcMathOps.cpp; gradient rules in GradientRulesMath.cpp.
#ifndef MESHC_MATH_OPS_TD
#define MESHC_MATH_OPS_TD

//===----------------------------------------------------------------------===//
// Unary functions (result type = operand type)
//===----------------------------------------------------------------------===//

class Meshc_UnaryMathOp<string mnemonic, string what>
    : Meshc_DifferentiableOp<mnemonic, [AllTypesMatch<["input", "result"]>]> {
  let summary = what;
  let arguments = (ins Meshc_AnyTensor:$input);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

def Meshc_SigmoidOp : Meshc_UnaryMathOp<"sigmoid", "1 / (1 + exp(-x))">;
def Meshc_TanhOp : Meshc_UnaryMathOp<"tanh", "tanh(x)">;
def Meshc_ExpOp : Meshc_UnaryMathOp<"exp", "exp(x)">;
def Meshc_LogOp : Meshc_UnaryMathOp<"log", "natural logarithm (-inf at 0, NaN below: IEEE)">;
def Meshc_SqrtOp : Meshc_UnaryMathOp<"sqrt", "square root (NaN below 0: IEEE)">;

def Meshc_LeakyReluOp : Meshc_DifferentiableOp<"leaky_relu",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "x where x > 0, else alpha x";
  let description = [{
    `alpha` (finite; the DSL's default is 0.01) is the slope below 0. The gradient at 0 is
    alpha's side: d/dx = 1 where x > 0, else alpha.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, F64Attr:$alpha);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
}

//===----------------------------------------------------------------------===//
// Binary functions, broadcasting by dimension name like meshc.add
//===----------------------------------------------------------------------===//

def Meshc_DivOp : Meshc_BinaryOp<"div"> {
  let summary = "lhs / rhs elementwise, broadcasting by dimension name (IEEE at 0)";
}

def Meshc_MaximumOp : Meshc_BinaryOp<"maximum"> {
  let summary = "the larger of lhs and rhs elementwise, broadcasting by dimension name";
  let description = [{
    NaN in either operand gives NaN. Where lhs == rhs the whole gradient goes to lhs (the
    first operand; PyTorch splits it half and half).
  }];
}

def Meshc_MinimumOp : Meshc_BinaryOp<"minimum"> {
  let summary = "the smaller of lhs and rhs elementwise, broadcasting by dimension name";
  let description = [{
    NaN in either operand gives NaN. Where lhs == rhs the whole gradient goes to lhs.
  }];
}

//===----------------------------------------------------------------------===//
// Made by autodiff
//===----------------------------------------------------------------------===//

def Meshc_GreaterEqualOp : Meshc_ComputeOp<"greater_equal"> {
  let summary = "1.0 where lhs >= rhs, else 0.0 (f32), broadcasting by dimension name";
  let description = [{
    The selection mask of the gradients of meshc.maximum (lhs >= rhs: ties to lhs) and
    meshc.minimum (operands swapped). NaN compares false.
  }];
  let arguments = (ins Meshc_AnyTensor:$lhs, Meshc_AnyTensor:$rhs);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs)) `->`
    qualified(type($result))
  }];
}

#endif // MESHC_MATH_OPS_TD
