// The DSL's NN family and the Adam/momentum optimizers.
//
// layer_norm, gelu, softmax, causal_mask and dropout print the ops of docs/IR.md's NN family;
// `Graph::minimize` with Adam{} or Momentum{} prints meshc.minimize with that optimizer.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <cmath>

namespace meshc::dsl {

using detail::GraphImpl;

namespace {

/// Checks a one-operand f32 op whose result has x's type and whose `dims` must be dims of x;
/// returns the graph, or null after recording errors.
GraphImpl *checkUnary(const Tensor &x, const char *fn, const std::vector<const Dim *> &dims,
                      const std::source_location &loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, fn, loc);
  if (!g)
    return nullptr;
  bool ok = g->expectF32(x, (std::string("operand of ") + fn).c_str(), loc);
  for (const Dim *dim : dims) {
    ok &= g->checkDim(*dim, loc);
    if (!x.has(dim->name)) {
      g->error(loc, std::string(fn) + " over dimension '" + dim->name + "', which its operand " +
                        detail::printDims(x.dims()) + " lacks");
      ok = false;
    }
  }
  return ok ? g : nullptr;
}

Tensor failed(const Tensor &x) {
  if (x.graph())
    return x.graph()->impl().placeholder(x.dims(), DType::F32);
  return Tensor();
}

Tensor unaryOp(GraphImpl &g, const Tensor &x, const std::string &mnemonic, const std::string &attrs,
               const std::source_location &loc) {
  std::string text = "meshc." + mnemonic + " %" + g.ssa(x) +
                     (attrs.empty() ? "" : " {" + attrs + "}") + " : " + x.type();
  return g.add("", x.dims(), DType::F32, text, loc);
}

bool checkOptimizerNumber(GraphImpl &g, double value, bool fraction, const char *what,
                          const char *optimizer, const std::source_location &loc) {
  bool ok = std::isfinite(value) && (fraction ? value >= 0.0 && value < 1.0 : value > 0.0);
  if (!ok)
    g.error(loc, std::string(what) + " " + detail::printFloat(value) + " of " + optimizer +
                     (fraction ? " is not in [0, 1)" : " is not a positive finite number"));
  return ok;
}

/// ", clip_norm = X" for a positive clipNorm, "" for 0 (no clipping); false after a located
/// error for anything else.
bool clipAttribute(GraphImpl &g, double clipNorm, const char *optimizer,
                   const std::source_location &loc, std::string *attr) {
  if (clipNorm == 0.0)
    return true;
  if (!(std::isfinite(clipNorm) && clipNorm > 0.0)) {
    g.error(loc, "clipNorm " + detail::printFloat(clipNorm) + " of " + optimizer +
                     " is not a positive finite number (0: no clipping)");
    return false;
  }
  *attr = ", clip_norm = " + detail::printFloat(clipNorm);
  return true;
}

} // namespace

Tensor layer_norm(const Tensor &x, const Dim &dim, double epsilon, std::source_location loc) {
  GraphImpl *g = checkUnary(x, "layer_norm", {&dim}, loc);
  if (g && !(std::isfinite(epsilon) && epsilon > 0)) {
    g->error(loc, "epsilon " + detail::printFloat(epsilon) +
                      " of layer_norm is not a positive finite number");
    g = nullptr;
  }
  if (!g)
    return failed(x);
  return unaryOp(
      *g, x, "layer_norm",
      "dim = " + detail::printString(dim.name) + ", epsilon = " + detail::printFloat(epsilon), loc);
}

Tensor layer_norm(const Tensor &x, const Dim &dim, const Tensor &gamma, const Tensor &beta,
                  double epsilon, std::source_location loc) {
  Tensor normalised = layer_norm(x, dim, epsilon, loc);
  Tensor scaled = LocatedTensor(normalised, loc) * gamma;
  return LocatedTensor(scaled, loc) + beta;
}

Tensor gelu(const Tensor &x, std::source_location loc) {
  GraphImpl *g = checkUnary(x, "gelu", {}, loc);
  return g ? unaryOp(*g, x, "gelu", "", loc) : failed(x);
}

Tensor softmax(const Tensor &x, const Dim &dim, std::source_location loc) {
  GraphImpl *g = checkUnary(x, "softmax", {&dim}, loc);
  return g ? unaryOp(*g, x, "softmax", "dim = " + detail::printString(dim.name), loc) : failed(x);
}

Tensor causal_mask(const Tensor &scores, const Dim &query, const Dim &key,
                   std::source_location loc) {
  GraphImpl *g = checkUnary(scores, "causal_mask", {&query, &key}, loc);
  if (g && query.name == key.name) {
    g->error(loc, "causal_mask needs two dimensions, got '" + query.name + "' twice");
    g = nullptr;
  }
  if (g && query.size != key.size) {
    g->error(loc, "causal_mask query dimension '" + query.name + "' has size " +
                      std::to_string(query.size) + " but key dimension '" + key.name +
                      "' has size " + std::to_string(key.size));
    g = nullptr;
  }
  if (!g)
    return failed(scores);
  return unaryOp(*g, scores, "causal_mask",
                 "query_dim = " + detail::printString(query.name) +
                     ", key_dim = " + detail::printString(key.name),
                 loc);
}

Tensor scale(const Tensor &x, double factor, std::source_location loc) {
  GraphImpl *g = checkUnary(x, "scale", {}, loc);
  if (g && !std::isfinite(factor)) {
    g->error(loc, "scale factor " + detail::printFloat(factor) + " is not finite");
    g = nullptr;
  }
  if (!g)
    return failed(x);
  return unaryOp(*g, x, "scale", "factor = " + detail::printFloat(factor), loc);
}

Tensor operator*(LocatedTensor lhs, double factor) { return scale(lhs.tensor, factor, lhs.loc); }

Tensor dropout(const Tensor &x, double rate, std::source_location loc) {
  GraphImpl *g = checkUnary(x, "dropout", {}, loc);
  if (g && !(std::isfinite(rate) && rate >= 0 && rate < 1)) {
    g->error(loc, "dropout rate " + detail::printFloat(rate) + " is not in [0, 1)");
    g = nullptr;
  }
  if (!g)
    return failed(x);
  int64_t key = g->nextDropoutKey++;
  return unaryOp(*g, x, "dropout",
                 "rate = " + detail::printFloat(rate) + ", key = " + std::to_string(key), loc);
}

void Graph::minimize(const Tensor &loss, const Adam &optimizer, std::source_location loc) {
  GraphImpl &g = impl();
  bool ok = checkOptimizerNumber(g, optimizer.beta1, true, "beta1", "Adam", loc);
  ok &= checkOptimizerNumber(g, optimizer.beta2, true, "beta2", "Adam", loc);
  ok &= checkOptimizerNumber(g, optimizer.epsilon, false, "epsilon", "Adam", loc);
  std::string decay, clip;
  if (optimizer.weightDecay != 0.0) {
    if (std::isfinite(optimizer.weightDecay) && optimizer.weightDecay > 0.0) {
      decay = ", weight_decay = " + detail::printFloat(optimizer.weightDecay);
    } else {
      g.error(loc, "weightDecay " + detail::printFloat(optimizer.weightDecay) +
                       " of Adam is not a non-negative finite number");
      ok = false;
    }
  }
  ok &= clipAttribute(g, optimizer.clipNorm, "Adam", loc, &clip);
  if (!ok)
    return;
  g.minimize(loss, "adam", "Adam", optimizer.learningRate,
             ", beta1 = " + detail::printFloat(optimizer.beta1) +
                 ", beta2 = " + detail::printFloat(optimizer.beta2) +
                 ", epsilon = " + detail::printFloat(optimizer.epsilon) + decay + clip,
             loc);
}

void Graph::minimize(const Tensor &loss, const Momentum &optimizer, std::source_location loc) {
  GraphImpl &g = impl();
  std::string clip;
  bool ok = checkOptimizerNumber(g, optimizer.momentum, true, "momentum", "Momentum", loc);
  ok &= clipAttribute(g, optimizer.clipNorm, "Momentum", loc, &clip);
  if (!ok)
    return;
  g.minimize(loss, "momentum", "Momentum", optimizer.learningRate,
             ", momentum = " + detail::printFloat(optimizer.momentum) + clip, loc);
}

void Graph::minimize(const Tensor &loss, const SGD &optimizer, std::source_location loc) {
  GraphImpl &g = impl();
  std::string clip;
  if (!clipAttribute(g, optimizer.clipNorm, "SGD", loc, &clip))
    return;
  g.minimize(loss, "sgd", "SGD", optimizer.learningRate, clip, loc);
}

} // namespace meshc::dsl
