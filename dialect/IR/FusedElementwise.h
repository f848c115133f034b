// The instruction set of meshc.fused_elementwise (MeshcFusedOps.td), written once for its
// verifier, meshc-fuse-elementwise, the lowering and the reference interpreter: each op is a
// meshc elementwise op's mnemonic with its number of operands and whether it has a constant.
#ifndef MESHC_DIALECT_IR_FUSEDELEMENTWISE_H
#define MESHC_DIALECT_IR_FUSEDELEMENTWISE_H

#include "llvm/ADT/StringRef.h"

namespace meshc::fused {

struct OpInfo {
  llvm::StringLiteral name; // the meshc op it stands for: meshc.<name>
  int operands;             // values it reads: 1 or 2
  bool constant;            // reads constants[j]: scale's factor, leaky_relu's alpha
};

inline constexpr OpInfo kOps[] = {
    {"add", 2, false},       {"sub", 2, false},     {"mul", 2, false},       {"div", 2, false},
    {"maximum", 2, false},   {"minimum", 2, false}, {"relu_grad", 2, false}, {"scale", 1, true},
    {"relu", 1, false},      {"gelu", 1, false},    {"gelu_grad", 2, false}, {"exp", 1, false},
    {"tanh", 1, false},      {"sigmoid", 1, false}, {"log", 1, false},       {"sqrt", 1, false},
    {"leaky_relu", 1, true},
};

/// The op named `name`, or null.
inline const OpInfo *lookup(llvm::StringRef name) {
  for (const OpInfo &info : kOps)
    if (name == info.name)
      return &info;
  return nullptr;
}

/// Limits of one fused op (the runtime's MESHRT_FUSED_MAX_INPUTS / MESHRT_FUSED_MAX_OPS; the
/// lowering checks that they agree).
inline constexpr int kMaxInputs = 16;
inline constexpr int kMaxOps = 32;

} // namespace meshc::fused

#endif // MESHC_DIALECT_IR_FUSEDELEMENTWISE_H
