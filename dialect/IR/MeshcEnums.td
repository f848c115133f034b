// The closed sets of words the ops of the meshc dialect take: the optimizer of meshc.minimize,
// the initialiser of meshc.param and the kind of data of meshc.input. Each is an enum
// attribute, so a misspelled word is a parse error and C++ switches over it exhaustively; in
// the ops' assembly formats it is printed as a bare word (`meshc.param "w" uniform {...}`),
// after an empty literal `` there because the attribute prints its own leading space.
#ifndef MESHC_ENUMS_TD
#define MESHC_ENUMS_TD

include "dialect/IR/MeshcBase.td"
include "mlir/IR/EnumAttr.td"

def Meshc_Optimizer : I32EnumAttr<"Optimizer", "the optimizer of meshc.minimize", [
    I32EnumAttrCase<"Sgd", 0, "sgd">,
    I32EnumAttrCase<"Momentum", 1, "momentum">,
    I32EnumAttrCase<"Adam", 2, "adam">]> {
  let cppNamespace = "::meshc";
  let genSpecializedAttr = 0;
}
def Meshc_OptimizerAttr : EnumAttr<Meshc_Dialect, Meshc_Optimizer, "optimizer">;

def Meshc_ParamInit : I32EnumAttr<"ParamInit", "the initialiser of meshc.param", [
    I32EnumAttrCase<"Uniform", 0, "uniform">,
    I32EnumAttrCase<"Normal", 1, "normal">,
    I32EnumAttrCase<"Zeros", 2, "zeros">,
    I32EnumAttrCase<"Constant", 3, "constant">]> {
  let cppNamespace = "::meshc";
  let genSpecializedAttr = 0;
}
def Meshc_ParamInitAttr : EnumAttr<Meshc_Dialect, Meshc_ParamInit, "init">;

def Meshc_InputKind : I32EnumAttr<"InputKind", "the kind of data of meshc.input", [
    I32EnumAttrCase<"Features", 0, "features">,
    I32EnumAttrCase<"Labels", 1, "labels">]> {
  let cppNamespace = "::meshc";
  let genSpecializedAttr = 0;
}
def Meshc_InputKindAttr : EnumAttr<Meshc_Dialect, Meshc_InputKind, "input_kind">;

#endif // MESHC_ENUMS_TD
