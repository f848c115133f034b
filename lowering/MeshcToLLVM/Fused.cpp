// Fused ops → runtime kernels: meshc.fused_elementwise → meshrt_fused_elementwise (its program
// as constant arrays: opcodes with their operand values, and the constants; each input with its
// strides by name into the result), meshc.add_layer_norm → meshrt_add_layer_norm and
// meshc.layer_norm_grad_add → meshrt_layer_norm_grad_add over [outer, n, inner] as
// meshc.layer_norm.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "dialect/IR/FusedElementwise.h"
#include "meshrt/meshrt.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/TypeSwitch.h"

#include <array>
#include <cstring>

using namespace mlir;

namespace meshc::lowering {

namespace {

static_assert(fused::kMaxInputs == MESHRT_FUSED_MAX_INPUTS &&
                  fused::kMaxOps == MESHRT_FUSED_MAX_OPS,
              "the dialect's limits of a fused op are the runtime's");

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

/// The runtime's code of each op of FusedElementwise.h, by name.
struct Opcode {
  llvm::StringLiteral name;
  int32_t code;
};
constexpr Opcode kOpcodes[] = {
    {"add", MESHRT_FUSED_ADD},
    {"sub", MESHRT_FUSED_SUB},
    {"mul", MESHRT_FUSED_MUL},
    {"div", MESHRT_FUSED_DIV},
    {"maximum", MESHRT_FUSED_MAX},
    {"minimum", MESHRT_FUSED_MIN},
    {"relu_grad", MESHRT_FUSED_RELU_GRAD},
    {"scale", MESHRT_FUSED_SCALE},
    {"relu", MESHRT_FUSED_RELU},
    {"gelu", MESHRT_FUSED_GELU},
    {"gelu_grad", MESHRT_FUSED_GELU_GRAD},
    {"exp", MESHRT_FUSED_EXP},
    {"tanh", MESHRT_FUSED_TANH},
    {"sigmoid", MESHRT_FUSED_SIGMOID},
    {"log", MESHRT_FUSED_LOG},
    {"sqrt", MESHRT_FUSED_SQRT},
    {"leaky_relu", MESHRT_FUSED_LEAKY_RELU},
};
static_assert(std::size(kOpcodes) == std::size(fused::kOps),
              "every op of FusedElementwise.h has a runtime code");

std::optional<int32_t> opcodeOf(StringRef name) {
  for (const Opcode &op : kOpcodes)
    if (name == op.name)
      return op.code;
  return std::nullopt;
}

LogicalResult emitFusedElementwise(OpBuilder &b, Location loc, LoweringState &state,
                                   FusedElementwiseOp op) {
  RuntimeABI &rt = state.rt;
  NamedTensorType out = typeOf(op.getResult());
  SmallVector<int64_t> strides;
  for (Value input : op.getInputs())
    llvm::append_range(strides, stridesByName(out, typeOf(input)));
  SmallVector<int32_t> code, constantBits;
  for (auto [j, name] : llvm::enumerate(op.getOps())) {
    std::optional<int32_t> opcode = opcodeOf(llvm::cast<StringAttr>(name).getValue());
    if (!opcode)
      return op.emitOpError() << "op #" << j << " has no runtime code";
    code.push_back(*opcode);
    code.push_back(op.getArgs()[2 * j]);
    code.push_back(op.getArgs()[2 * j + 1]);
    // The constants go to the runtime as a `const float *`: an i32 constant array holding
    // their IEEE-754 bits is the same bytes.
    float constant = static_cast<float>(op.getConstants()[j]);
    int32_t bits;
    std::memcpy(&bits, &constant, sizeof bits);
    constantBits.push_back(bits);
  }
  rt.call<kernel::FusedElementwise>(
      b, loc,
      {state.context, rt.i32c(b, loc, out.getRank()), rt.i64Array(b, loc, out.getDimSizes()),
       state.pointer(b, loc, op.getResult()),
       rt.i32c(b, loc, static_cast<int32_t>(op.getInputs().size())),
       state.pointerArray(b, loc, op.getInputs()), rt.i64Array(b, loc, strides),
       rt.i32c(b, loc, static_cast<int32_t>(op.getOps().size())), rt.i32Array(b, loc, code),
       rt.i32Array(b, loc, constantBits)});
  return success();
}

/// A layer-norm kernel's view of its result's type: [outer, n, inner] around `dim`.
struct Lines {
  int64_t outer = 1, n = 1, inner = 1;
};

Lines linesAround(Value result, StringRef dim) {
  NamedTensorType type = typeOf(result);
  Lines l;
  unsigned index = *type.findDim(dim);
  for (auto [i, size] : llvm::enumerate(type.getDimSizes()))
    (i < index ? l.outer : i == index ? l.n : l.inner) *= size;
  return l;
}

/// A layer-norm kernel K of the fused ops: (context, outer, n, inner, epsilon, four buffers of
/// the type of the last, lines along `dim`).
template <typename K>
void emitLayerNormKernel(OpBuilder &b, Location loc, LoweringState &state, StringRef dim,
                         const APFloat &epsilon, std::array<Value, 4> buffers) {
  RuntimeABI &rt = state.rt;
  Lines l = linesAround(buffers[3], dim);
  rt.call<K>(b, loc,
             {state.context, rt.i64c(b, loc, l.outer), rt.i64c(b, loc, l.n),
              rt.i64c(b, loc, l.inner),
              rt.f32c(b, loc, static_cast<float>(epsilon.convertToDouble())),
              state.pointer(b, loc, buffers[0]), state.pointer(b, loc, buffers[1]),
              state.pointer(b, loc, buffers[2]), state.pointer(b, loc, buffers[3])});
}

} // namespace

LogicalResult lowerFusedFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  Location loc = op->getLoc();
  if (auto fusedOp = llvm::dyn_cast<FusedElementwiseOp>(op))
    return emitFusedElementwise(b, loc, state, fusedOp);
  if (auto norm = llvm::dyn_cast<AddLayerNormOp>(op)) {
    emitLayerNormKernel<kernel::AddLayerNorm>(
        b, loc, state, norm.getDim(), norm.getEpsilon(),
        {norm.getLhs(), norm.getRhs(), norm.getSum(), norm.getResult()});
    return success();
  }
  if (auto grad = llvm::dyn_cast<LayerNormGradAddOp>(op)) {
    emitLayerNormKernel<kernel::LayerNormGradAdd>(
        b, loc, state, grad.getDim(), grad.getEpsilon(),
        {grad.getInput(), grad.getGrad(), grad.getAddend(), grad.getResult()});
    return success();
  }
  return unhandledOp(op, "fused");
}

} // namespace meshc::lowering
