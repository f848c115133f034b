// einsum → oneDNN matmul (and meshc.sgd_update_einsum → the same matmul adding into its
// parameter, meshrt_sgd_update_matmul): dims become batch (in A, B and C), M (A and C), N (B and C)
// and K (A and B, summed) groups; operands already laid out as [batch, M, K] / [batch, K, M] (and
// the same for B) are passed as they are with a transpose flag, others are transposed once
// into scratch; a dim only one operand has and the result lacks is summed out first.
#include "lowering/MeshcToLLVM/LoweringState.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

using Names = SmallVector<StringAttr>;

Names concat(std::initializer_list<const Names *> groups) {
  Names all;
  for (const Names *group : groups)
    all.append(group->begin(), group->end());
  return all;
}

int64_t product(NamedTensorType type, const Names &names) {
  int64_t n = 1;
  for (StringAttr name : names)
    n *= type.getDimSize(name.getValue());
  return n;
}

struct Operand {
  Value pointer;
  NamedTensorType type;
};

/// Sums away the dims of `x` that neither `other` nor `result` has.
Operand sumPrivateDims(OpBuilder &b, Location loc, LoweringState &state, Operand x,
                       NamedTensorType other, NamedTensorType result) {
  Names keep;
  for (StringAttr name : x.type.getDimNames())
    if (other.hasDim(name.getValue()) || result.hasDim(name.getValue()))
      keep.push_back(name);
  if (keep.size() == x.type.getRank())
    return x;
  NamedTensorType reduced = x.type.withDims(keep);
  Value out = state.scratch(b, loc, reduced);
  emitReduceSum(b, loc, state, x.pointer, x.type, out, reduced);
  return {out, reduced};
}

/// Lays `x` out as [batch, outer, K] (trans = 0) or [batch, K, outer] (trans = 1) when
/// `outerFirst`, or as [batch, K, outer] (trans = 0) / [batch, outer, K] (trans = 1) when not;
/// transposes into scratch when it is neither.
std::pair<Value, int32_t> orient(OpBuilder &b, Location loc, LoweringState &state, Operand x,
                                 const Names &batch, const Names &outer, const Names &k,
                                 bool outerFirst) {
  Names outerK = concat({&batch, &outer, &k}), kOuter = concat({&batch, &k, &outer});
  ArrayRef<StringAttr> order = x.type.getDimNames();
  if (order == ArrayRef<StringAttr>(outerK))
    return {x.pointer, outerFirst ? 0 : 1};
  if (order == ArrayRef<StringAttr>(kOuter))
    return {x.pointer, outerFirst ? 1 : 0};
  NamedTensorType target = x.type.withDims(outerFirst ? outerK : kOuter);
  Value copy = state.scratch(b, loc, target);
  emitStridedCopy(b, loc, state, x.pointer, x.type, copy, target);
  return {copy, 0};
}

/// The matmul that computes einsum(a, b) laid out as [batch, m, n] (`product`): its sizes and
/// operands, oriented (transposed into scratch where their layout is neither orientation).
struct PlannedMatmul {
  int64_t batch = 1, m = 1, n = 1, k = 1;
  Value a, b;
  int32_t transA = 0, transB = 0;
  NamedTensorType product;
};

PlannedMatmul planMatmul(OpBuilder &b, Location loc, LoweringState &state, Operand a, Operand bOp,
                         NamedTensorType resultType) {
  a = sumPrivateDims(b, loc, state, a, bOp.type, resultType);
  bOp = sumPrivateDims(b, loc, state, bOp, a.type, resultType);

  Names batch, m, n, k;
  for (StringAttr name : resultType.getDimNames()) {
    bool inA = a.type.hasDim(name.getValue()), inB = bOp.type.hasDim(name.getValue());
    (inA && inB ? batch : inA ? m : n).push_back(name);
  }
  for (StringAttr name : a.type.getDimNames())
    if (!resultType.hasDim(name.getValue()))
      k.push_back(name);

  // C^T = B^T A^T: swapping the operands lets a result laid out [batch, N, M] be written
  // directly.
  if (resultType.getDimNames() != ArrayRef<StringAttr>(concat({&batch, &m, &n})) &&
      resultType.getDimNames() == ArrayRef<StringAttr>(concat({&batch, &n, &m}))) {
    std::swap(a, bOp);
    std::swap(m, n);
  }
  PlannedMatmul plan;
  std::tie(plan.a, plan.transA) = orient(b, loc, state, a, batch, m, k, /*outerFirst=*/true);
  std::tie(plan.b, plan.transB) = orient(b, loc, state, bOp, batch, n, k, /*outerFirst=*/false);
  plan.batch = product(resultType, batch);
  plan.m = product(resultType, m);
  plan.n = product(resultType, n);
  plan.k = product(a.type, k);
  plan.product = resultType.withDims(concat({&batch, &m, &n}));
  return plan;
}

Operand operandOf(OpBuilder &b, Location loc, LoweringState &state, Value v) {
  return Operand{state.pointer(b, loc, v), llvm::cast<NamedTensorType>(v.getType())};
}

LogicalResult lowerEinsum(EinsumOp op, OpBuilder &b, LoweringState &state) {
  Location loc = op.getLoc();
  auto resultType = llvm::cast<NamedTensorType>(op.getResult().getType());
  Value result = state.pointer(b, loc, op.getResult());
  if (op.getInputs().size() == 1) {
    Operand x = operandOf(b, loc, state, op.getInputs()[0]);
    emitReduceSum(b, loc, state, x.pointer, x.type, result, resultType);
    return success();
  }
  PlannedMatmul plan = planMatmul(b, loc, state, operandOf(b, loc, state, op.getInputs()[0]),
                                  operandOf(b, loc, state, op.getInputs()[1]), resultType);
  bool direct = resultType == plan.product;
  Value c = direct ? result : state.scratch(b, loc, resultType);
  RuntimeABI &rt = state.rt;
  rt.call<kernel::Matmul>(b, loc,
                          {state.context, rt.i64c(b, loc, plan.batch), rt.i64c(b, loc, plan.m),
                           rt.i64c(b, loc, plan.n), rt.i64c(b, loc, plan.k), plan.a,
                           rt.i32c(b, loc, plan.transA), plan.b, rt.i32c(b, loc, plan.transB), c});
  if (!direct)
    emitStridedCopy(b, loc, state, c, plan.product, result, resultType);
  return success();
}

/// meshrt_sgd_update_matmul on the einsum's matmul, which the verifier made one matmul writing
/// the parameter directly (whyNotOneMatmul); a collective, numbered like the others.
LogicalResult lowerSgdUpdateEinsum(SgdUpdateEinsumOp op, OpBuilder &b, LoweringState &state) {
  Location loc = op.getLoc();
  auto paramType = llvm::cast<NamedTensorType>(op.getParam().getType());
  PlannedMatmul plan = planMatmul(b, loc, state, operandOf(b, loc, state, op.getLhs()),
                                  operandOf(b, loc, state, op.getRhs()), paramType);
  if (plan.batch != 1 || plan.product != paramType)
    return op.emitOpError() << "is not one matmul writing the parameter directly";
  RuntimeABI &rt = state.rt;
  state.emitCollectiveSite(b, loc, op);
  rt.call<kernel::SgdUpdateMatmul>(
      b, loc,
      {state.context, rt.i32c(b, loc, state.axesMask(op.getAxes())), rt.i64c(b, loc, plan.m),
       rt.i64c(b, loc, plan.n), rt.i64c(b, loc, plan.k), plan.a, rt.i32c(b, loc, plan.transA),
       plan.b, rt.i32c(b, loc, plan.transB), state.pointer(b, loc, op.getParam()),
       rt.f32c(b, loc, (float)op.getLearningRate().convertToDouble())});
  return success();
}

} // namespace

LogicalResult lowerMatmulFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  if (auto einsum = llvm::dyn_cast<EinsumOp>(op))
    return lowerEinsum(einsum, b, state);
  if (auto update = llvm::dyn_cast<SgdUpdateEinsumOp>(op))
    return lowerSgdUpdateEinsum(update, b, state);
  return unhandledOp(op, "matmul");
}

} // namespace meshc::lowering
