// The FuseAttention pass: the attention chain of the global program, before autodiff,
//   %s = einsum(%q, %k) -> P; [%s = causal_mask %s]; %p = softmax %s over the key dim;
//   [%p = dropout %p]; %o = einsum(%p, %v)
// becomes one meshc.attention (whose adjoint is one meshc.attention_grad), so that neither
// pass stores the [.., query, key] scores and probabilities whole. A chain is fused only when
// every intermediate value has this one use and the dims play the roles meshc.attention
// requires (MeshcNNOps.td): otherwise the ops stay as they are, which computes the same.
#include "dialect/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/SetVector.h"

namespace meshc {
#define GEN_PASS_DEF_FUSEATTENTION
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

/// The single user of `v` if it is an OpT, else null.
template <typename OpT> OpT onlyUser(Value v) {
  if (!v.hasOneUse())
    return nullptr;
  return llvm::dyn_cast<OpT>(*v.getUsers().begin());
}

bool has(NamedTensorType t, StringAttr name) { return t.hasDim(name.getValue()); }

/// Fuses the chain that starts at `scores` (an einsum of two tensors), if it is one; adds the
/// second einsum, which it erases, to `erased`.
void tryFuse(EinsumOp scores, llvm::DenseSet<Operation *> &erased) {
  if (scores.getInputs().size() != 2)
    return;
  Value tail = scores.getResult();
  NamedTensorType probs = typeOf(tail);
  CausalMaskOp mask = onlyUser<CausalMaskOp>(tail);
  if (mask)
    tail = mask.getResult();
  SoftmaxOp softmax = onlyUser<SoftmaxOp>(tail);
  if (!softmax)
    return;
  tail = softmax.getResult();
  DropoutOp dropout = onlyUser<DropoutOp>(tail);
  if (dropout)
    tail = dropout.getResult();
  EinsumOp weighted = onlyUser<EinsumOp>(tail);
  if (!weighted || weighted.getInputs().size() != 2)
    return;
  MLIRContext *ctx = scores.getContext();
  auto key = StringAttr::get(ctx, softmax.getDim());
  if (mask && mask.getKeyDim() != softmax.getDim())
    return;
  // q holds the query dim and not the key dim, k the key dim and not the query dim.
  Value a = scores.getInputs()[0], b = scores.getInputs()[1];
  Value q = has(typeOf(a), key) ? b : a, k = q == a ? b : a;
  if (has(typeOf(q), key) || !has(typeOf(k), key))
    return;
  StringAttr query;
  for (StringAttr n : probs.getDimNames())
    if (n != key && has(typeOf(q), n) && !has(typeOf(k), n)) {
      if (query)
        return; // two candidates: not an attention
      query = n;
    }
  if (!query || (mask && mask.getQueryDim() != query.getValue()))
    return;
  Value v = weighted.getInputs()[0] == tail ? weighted.getInputs()[1] : weighted.getInputs()[0];
  if (v == tail)
    return;
  NamedTensorType outType = typeOf(weighted.getResult());
  // Result dims of the second einsum: P's dims but the key, plus v's value dims; lse: P's
  // dims but the key, in P's order.
  llvm::SmallVector<StringAttr> lseDims;
  for (StringAttr n : probs.getDimNames())
    if (n != key)
      lseDims.push_back(n);
  if (has(outType, key))
    return;
  for (StringAttr n : lseDims)
    if (!has(outType, n))
      return;
  NamedTensorType lseType = probs.withDims(lseDims);
  SmallVector<Attribute> probsNames(probs.getDimNames().begin(), probs.getDimNames().end());

  OpBuilder builder(weighted);
  auto fused = builder.create<AttentionOp>(
      weighted.getLoc(), TypeRange{outType, lseType}, q, k, v, builder.getArrayAttr(probsNames),
      query, key, builder.getBoolAttr(static_cast<bool>(mask)),
      builder.getF64FloatAttr(dropout ? dropout.getRate().convertToDouble() : 0.0),
      builder.getI64IntegerAttr(dropout ? static_cast<int64_t>(dropout.getKey()) : 0));
  // The fused op must be one meshc.attention accepts (dims in the roles it requires);
  // otherwise the chain stays. A refusal is not the user's error: its diagnostic is dropped.
  LogicalResult valid = success();
  {
    ScopedDiagnosticHandler quiet(scores.getContext(), [](Diagnostic &) { return success(); });
    valid = mlir::verify(fused, /*verifyRecursively=*/false);
  }
  if (failed(valid)) {
    fused.erase();
    return;
  }
  weighted.getResult().replaceAllUsesWith(fused.getOut());
  erased.insert(weighted);
  weighted.erase();
  if (dropout)
    dropout.erase();
  softmax.erase();
  if (mask)
    mask.erase();
  scores.erase();
}

struct FuseAttentionPass : meshc::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    llvm::SmallVector<EinsumOp> einsums;
    getOperation().walk([&](EinsumOp op) { einsums.push_back(op); });
    llvm::DenseSet<Operation *> erased;
    for (EinsumOp op : einsums)
      if (!erased.count(op))
        tryFuse(op, erased);
  }
};

} // namespace
