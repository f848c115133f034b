// Attention-family ops → the runtime's fused attention (meshrt_attention, _grad). The kernels
// take canonical contiguous layouts, q [outer, query, contracted], k [outer, key, contracted],
// v [outer, key, values], out [outer, query, values], lse [outer, query], with `outer` P's other
// dims in P's order (probs_dims) and the contracted and value dims in q's and v's order; other
// layouts are copied in and out (Canonical.h). P's global shape and dim axes, which the causal
// mask and the dropout draws need, come from the operands' shardings (q holds P's outer and
// query dims as P does, k its key dim). In the forward-only passes dropout is off.
#include "lowering/MeshcToLLVM/Canonical.h"
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "meshrt/meshrt.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

using Names = SmallVector<StringAttr>;

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

Names concat(std::initializer_list<ArrayRef<StringAttr>> groups) {
  Names all;
  for (ArrayRef<StringAttr> group : groups)
    all.append(group.begin(), group.end());
  return all;
}

/// What both ops share: the canonical types, P's placement and the attributes.
struct Problem {
  NamedTensorType q, k, v, out, lse; // canonical
  bool causal = false;
  double rate = 0.0;
  int64_t key = 0;
  SmallVector<int64_t> probsGlobal;
  SmallVector<int32_t> probsAxes;
  int32_t queryIndex = 0, keyIndex = 0;
  int64_t d = 1, dv = 1;
};

/// OpT: AttentionOp or AttentionGradOp (the same operands and attributes).
template <typename OpT> Problem problemOf(OpT op, const LoweringState &state) {
  Value q = op.getQ(), k = op.getK(), v = op.getV(), lse = op.getLse();
  AttentionDims dims = op.getDims();
  const Names &outer = dims.outer, &contracted = dims.contracted, &values = dims.values;
  StringAttr query = dims.query, key = dims.key;
  Problem p;
  p.q = typeOf(q).withDims(concat({outer, {query}, contracted}));
  p.k = typeOf(k).withDims(concat({outer, {key}, contracted}));
  p.v = typeOf(v).withDims(concat({outer, {key}, values}));
  p.lse = typeOf(lse).withDims(concat({outer, {query}}));
  p.out = typeOf(op.getOut()).withDims(concat({outer, {query}, values}));
  p.causal = op.getCausal();
  p.rate = op.getDropoutRate().convertToDouble();
  p.key = static_cast<int64_t>(op.getDropoutKey());
  for (StringAttr n : contracted)
    p.d *= typeOf(q).getDimSize(n.getValue());
  for (StringAttr n : values)
    p.dv *= typeOf(v).getDimSize(n.getValue());
  // P's dims: the outer and query dims as q holds them, the key dim as k does (whole).
  SmallVector<int32_t> qAxes = state.dimAxesOf(q), kAxes = state.dimAxesOf(k);
  for (auto [i, name] : llvm::enumerate(dims.probs)) {
    Value holder = name == key ? k : q;
    ArrayRef<int32_t> axes = name == key ? kAxes : qAxes;
    unsigned at = *typeOf(holder).findDim(name.getValue());
    int32_t axis = axes[at];
    int64_t local = typeOf(holder).getDimSizes()[at];
    p.probsAxes.push_back(axis);
    p.probsGlobal.push_back(axis < 0 ? local : local * state.mesh.getAxisSize(axis));
    if (name == query)
      p.queryIndex = static_cast<int32_t>(i);
    if (name == key)
      p.keyIndex = static_cast<int32_t>(i);
  }
  return p;
}

} // namespace

LogicalResult lowerAttentionFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  Location loc = op->getLoc();
  RuntimeABI &rt = state.rt;
  auto i64 = [&](int64_t v) { return rt.i64c(b, loc, v); };
  auto i32 = [&](int32_t v) { return rt.i32c(b, loc, v); };
  Canonical c(b, loc, state);
  // The arguments both entry points start with.
  struct Head {
    Value ndims, shape, axes, queryDim, keyDim, d, dv, causal, key, rate;
  };
  auto head = [&](const Problem &p) {
    return Head{i32(static_cast<int32_t>(p.probsGlobal.size())),
                rt.i64Array(b, loc, p.probsGlobal),
                rt.i32Array(b, loc, p.probsAxes),
                i32(p.queryIndex),
                i32(p.keyIndex),
                i64(p.d),
                i64(p.dv),
                i32(p.causal ? 1 : 0),
                i64(p.key),
                rt.f32c(b, loc, static_cast<float>(state.forwardOnly ? 0.0 : p.rate))};
  };
  if (auto o = llvm::dyn_cast<AttentionOp>(op)) {
    Problem p = problemOf(o, state);
    Head h = head(p);
    rt.call<kernel::Attention>(b, loc,
                               {state.context, h.ndims, h.shape, h.axes, h.queryDim, h.keyDim, h.d,
                                h.dv, h.causal, h.key, state.step, h.rate, c.in(o.getQ(), p.q),
                                c.in(o.getK(), p.k), c.in(o.getV(), p.v), c.out(o.getOut(), p.out),
                                c.out(o.getLse(), p.lse)});
    c.finish();
    return success();
  }
  if (auto o = llvm::dyn_cast<AttentionGradOp>(op)) {
    Problem p = problemOf(o, state);
    Head h = head(p);
    rt.call<kernel::AttentionGrad>(b, loc,
                                   {state.context,
                                    h.ndims,
                                    h.shape,
                                    h.axes,
                                    h.queryDim,
                                    h.keyDim,
                                    h.d,
                                    h.dv,
                                    h.causal,
                                    h.key,
                                    state.step,
                                    h.rate,
                                    c.in(o.getQ(), p.q),
                                    c.in(o.getK(), p.k),
                                    c.in(o.getV(), p.v),
                                    c.in(o.getOut(), p.out),
                                    c.in(o.getLse(), p.lse),
                                    c.in(o.getDout(), p.out),
                                    c.out(o.getDq(), p.q),
                                    c.out(o.getDk(), p.k),
                                    c.out(o.getDv(), p.v)});
    c.finish();
    return success();
  }
  return unhandledOp(op, "attention");
}

} // namespace meshc::lowering
