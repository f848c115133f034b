// The fused attention ops (meshc.attention, meshc.attention_grad; MeshcNNOps.td): the roles of
// their dims, their verifiers, their sharding rules and the forward op's gradient rule.
//
// Every dim plays one role, named by the probabilities P of the unfused chain (`probs_dims`):
// P's outer dims (batch, heads, ...; split freely), the query dim (split freely: each query is
// independent; the causal mask reads global positions), the key dim, the contracted dims (q and
// k's, summed by q . k) and the value dims (v's, kept in out). The last three must be whole.
#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace meshc;

namespace {

using Names = llvm::SmallVector<StringAttr>;

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

Names probsNames(ArrayAttr probs) {
  Names out;
  for (Attribute a : probs)
    out.push_back(llvm::cast<StringAttr>(a));
  return out;
}

/// The dims of `type` outside `probs`, in `type`'s order.
Names outside(NamedTensorType type, ArrayRef<StringAttr> probs) {
  Names out;
  for (StringAttr name : type.getDimNames())
    if (!llvm::is_contained(probs, name))
      out.push_back(name);
  return out;
}

/// `value`'s dims must be exactly `want` (any order).
LogicalResult requireDims(Operation *op, Value value, llvm::StringRef what,
                          ArrayRef<StringAttr> want) {
  NamedTensorType type = tensorOf(value);
  llvm::SmallSetVector<StringAttr, 8> wanted(want.begin(), want.end());
  if (type.getDimNames().size() == wanted.size() &&
      llvm::all_of(type.getDimNames(), [&](StringAttr n) { return wanted.contains(n); }))
    return success();
  std::string list;
  for (StringAttr n : want)
    list += (list.empty() ? "" : ", ") + n.getValue().str();
  return op->emitOpError() << what << " must have the dims {" << list << "}, not " << type;
}

/// The shared checks of meshc.attention and meshc.attention_grad.
LogicalResult verifyAttention(Operation *op, Value q, Value k, Value v, Value out, Value lse,
                              ArrayAttr probsAttr, StringRef queryDim, StringRef keyDim,
                              bool causal, double rate) {
  for (auto [value, what] : {std::pair{q, "q"}, std::pair{k, "k"}, std::pair{v, "v"},
                             std::pair{out, "out"}, std::pair{lse, "lse"}})
    if (!tensorOf(value).getElementType().isF32())
      return op->emitOpError() << what << " must have element type f32, not "
                               << tensorOf(value).getElementType();
  Names probs = probsNames(probsAttr);
  llvm::SmallSetVector<StringAttr, 8> unique(probs.begin(), probs.end());
  if (unique.size() != probs.size())
    return op->emitOpError() << "probs_dims names a dim twice";
  auto query = StringAttr::get(op->getContext(), queryDim),
       key = StringAttr::get(op->getContext(), keyDim);
  if (query == key || !unique.contains(query) || !unique.contains(key))
    return op->emitOpError() << "query_dim '" << queryDim << "' and key_dim '" << keyDim
                             << "' must be two different dims of probs_dims";
  if (!(rate >= 0 && rate < 1))
    return op->emitOpError() << "dropout_rate must be in [0, 1), not " << rate;
  AttentionDims dims = AttentionDims::of(probsAttr, query, key, tensorOf(q), tensorOf(v));
  auto with = [&](std::initializer_list<ArrayRef<StringAttr>> groups) {
    Names all;
    for (ArrayRef<StringAttr> g : groups)
      all.append(g.begin(), g.end());
    return all;
  };
  const Names &outer = dims.outer, &contracted = dims.contracted, &values = dims.values;
  if (contracted.empty())
    return op->emitOpError() << "q must have a dim outside probs_dims to contract with k";
  if (failed(requireDims(op, q, "q", with({outer, {query}, contracted}))) ||
      failed(requireDims(op, k, "k", with({outer, {key}, contracted}))) ||
      failed(requireDims(op, v, "v", with({outer, {key}, values}))) ||
      failed(requireDims(op, out, "out", with({outer, {query}, values}))) ||
      failed(requireDims(op, lse, "lse", with({outer, {query}}))))
    return failure();
  // A dim's size is the same wherever it appears.
  llvm::DenseMap<StringAttr, int64_t> size;
  for (Value value : {q, k, v, out, lse}) {
    NamedTensorType type = tensorOf(value);
    for (StringAttr name : type.getDimNames()) {
      int64_t n = type.getDimSize(name.getValue());
      auto [it, inserted] = size.try_emplace(name, n);
      if (!inserted && it->second != n)
        return op->emitOpError() << "dim '" << name.getValue() << "' has size " << it->second
                                 << " in one operand and " << n << " in another";
    }
  }
  auto parent = llvm::dyn_cast_or_null<func::FuncOp>(op->getParentOp());
  if (causal && !(parent && isPerRank(parent)) && size[query] != size[key])
    return op->emitOpError() << "a causal mask needs as many queries as keys: '" << queryDim
                             << "' has " << size[query] << ", '" << keyDim << "' " << size[key];
  return success();
}

} // namespace

AttentionDims AttentionDims::of(ArrayAttr probsDims, StringAttr queryDim, StringAttr keyDim,
                                NamedTensorType q, NamedTensorType v) {
  AttentionDims dims;
  dims.probs = probsNames(probsDims);
  dims.query = queryDim;
  dims.key = keyDim;
  for (StringAttr n : dims.probs)
    if (n != queryDim && n != keyDim)
      dims.outer.push_back(n);
  dims.contracted = outside(q, dims.probs);
  dims.values = outside(v, dims.probs);
  return dims;
}

AttentionDims AttentionOp::getDims() {
  return AttentionDims::of(getProbsDims(), getQueryDimAttr(), getKeyDimAttr(), tensorOf(getQ()),
                           tensorOf(getV()));
}

AttentionDims AttentionGradOp::getDims() {
  return AttentionDims::of(getProbsDims(), getQueryDimAttr(), getKeyDimAttr(), tensorOf(getQ()),
                           tensorOf(getV()));
}

LogicalResult AttentionOp::verify() {
  return verifyAttention(*this, getQ(), getK(), getV(), getOut(), getLse(), getProbsDims(),
                         getQueryDim(), getKeyDim(), getCausal(),
                         getDropoutRate().convertToDouble());
}

LogicalResult AttentionGradOp::verify() {
  return verifyAttention(*this, getQ(), getK(), getV(), getOut(), getLse(), getProbsDims(),
                         getQueryDim(), getKeyDim(), getCausal(),
                         getDropoutRate().convertToDouble());
}

// ---- sharding rules

/// The key, contracted and value dims: a softmax over the keys and the dot products over the
/// contracted dims need them whole.
static Names wholeAttentionDims(const AttentionDims &dims) {
  llvm::SetVector<StringAttr> whole;
  whole.insert(dims.key);
  whole.insert(dims.contracted.begin(), dims.contracted.end());
  whole.insert(dims.values.begin(), dims.values.end());
  return whole.takeVector();
}

Names AttentionOp::getWholeDims() { return wholeAttentionDims(getDims()); }

Names AttentionGradOp::getWholeDims() { return wholeAttentionDims(getDims()); }

// dq sums over the keys, dk and dv over the queries: each result is partial over the summed
// dims it lacks (the propagation's rule), so a split query dim leaves dk and dv partial.
Names AttentionGradOp::getSummedDims() { return {getQueryDimAttr(), getKeyDimAttr()}; }

// ---- gradient rule

// The adjoint of `out` gives q, k and v theirs through one attention_grad; `lse` is not
// differentiable (only the gradient reads it).
LogicalResult AttentionOp::buildAdjoints(OpBuilder &builder, Value resultAdjoint,
                                         SmallVectorImpl<Value> &operandAdjoints) {
  auto grad = builder.create<AttentionGradOp>(
      getLoc(), TypeRange{getQ().getType(), getK().getType(), getV().getType()}, getQ(), getK(),
      getV(), getOut(), getLse(), resultAdjoint, getProbsDimsAttr(), getQueryDimAttr(),
      getKeyDimAttr(), getCausalAttr(), getDropoutRateAttr(), getDropoutKeyAttr());
  operandAdjoints.assign({grad.getDq(), grad.getDk(), grad.getDv()});
  return success();
}
