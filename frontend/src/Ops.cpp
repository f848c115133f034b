// The DSL's tensor operations.
//
// Each op checks its operands by dimension name, then prints one meshc op of
// docs/IR.md, or records a located error and returns a placeholder.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <algorithm>

namespace meshc::dsl {

using detail::GraphImpl;
using detail::operandList;
using detail::placeholder;
using detail::signature;

bool operator==(const Dim &a, const Dim &b) { return a.name == b.name && a.size == b.size; }

bool Tensor::has(std::string_view dimName) const {
  return std::any_of(dims_.begin(), dims_.end(), [&](const Dim &d) { return d.name == dimName; });
}

std::string Tensor::type() const { return detail::printType(dims_, dtype_); }

namespace {

const Dim *findDim(const std::vector<Dim> &dims, std::string_view name) {
  for (const Dim &d : dims)
    if (d.name == name)
      return &d;
  return nullptr;
}

Tensor elementwise(const char *mnemonic, const char *symbol, const LocatedTensor &lhs,
                   const Tensor &rhs) {
  const std::source_location &loc = lhs.loc;
  std::vector<const Tensor *> operands{&lhs.tensor, &rhs};
  std::vector<Dim> dims = lhs.tensor.dims();
  for (const Dim &d : rhs.dims())
    if (!findDim(dims, d.name))
      dims.push_back(d);
  std::string op = std::string("'") + symbol + "'";
  GraphImpl *g = GraphImpl::common(operands, op.c_str(), loc);
  if (!g)
    return placeholder(operands, dims, DType::F32);
  bool ok = g->expectF32(lhs.tensor, ("left operand of " + op).c_str(), loc);
  ok &= g->expectF32(rhs, ("right operand of " + op).c_str(), loc);
  // Within one graph a name has one size, so this holds unless a size check failed
  // earlier; the IR would need the name twice in the result otherwise.
  for (const Dim &d : rhs.dims())
    if (const Dim *l = findDim(lhs.tensor.dims(), d.name); l && l->size != d.size) {
      g->error(loc, "operands of " + op + " give dimension '" + d.name + "' the sizes " +
                        std::to_string(l->size) + " and " + std::to_string(d.size) +
                        ", so the result would need it twice");
      ok = false;
    }
  if (!ok)
    return g->placeholder(dims, DType::F32);
  std::string text = std::string("meshc.") + mnemonic + " " + operandList(*g, operands) + " : " +
                     signature(operands, dims, DType::F32);
  return g->add("", std::move(dims), DType::F32, text, loc);
}

Tensor reduce(const char *mnemonic, const char *fn, const Tensor &x, const std::vector<Dim> &keep,
              const std::source_location &loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, fn, loc);
  if (!g)
    return placeholder(operands, keep, DType::F32);
  bool ok = g->checkShape(keep, loc, std::string("the dimensions kept by ") + fn);
  ok &= g->expectF32(x, (std::string("operand of ") + fn).c_str(), loc);
  for (const Dim &d : keep)
    if (!x.has(d.name)) {
      g->error(loc, std::string(fn) + " keeps dimension '" + d.name + "', which its operand " +
                        detail::printDims(x.dims()) + " lacks");
      ok = false;
    }
  if (!ok)
    return g->placeholder(keep, DType::F32);
  std::string text = std::string("meshc.") + mnemonic + " %" + g->ssa(x) + " : " +
                     signature(operands, keep, DType::F32);
  return g->add("", keep, DType::F32, text, loc);
}

} // namespace

Tensor einsum(const std::vector<Tensor> &operands, const std::vector<Dim> &out,
              std::source_location loc) {
  std::vector<const Tensor *> pointers;
  pointers.reserve(operands.size());
  for (const Tensor &t : operands)
    pointers.push_back(&t);
  GraphImpl *g = GraphImpl::common(pointers, "einsum", loc);
  if (!g)
    return placeholder(pointers, out, DType::F32);
  bool ok = true;
  if (pointers.empty() || pointers.size() > 2) {
    g->error(loc, "einsum takes one or two operands, got " + std::to_string(pointers.size()));
    ok = false;
  }
  for (size_t i = 0; i < pointers.size(); ++i)
    ok &= g->expectF32(*pointers[i], ("operand " + std::to_string(i) + " of einsum").c_str(), loc);
  ok &= g->checkShape(out, loc, "the output of einsum");
  for (const Dim &d : out)
    if (std::none_of(pointers.begin(), pointers.end(),
                     [&](const Tensor *t) { return t->has(d.name); })) {
      g->error(loc, "einsum output dimension '" + d.name + "' is not a dimension of any operand");
      ok = false;
    }
  if (!ok)
    return g->placeholder(out, DType::F32);
  std::string text =
      "meshc.einsum " + operandList(*g, pointers) + " : " + signature(pointers, out, DType::F32);
  return g->add("", out, DType::F32, text, loc);
}

Tensor detail::broadcastingBinary(const char *mnemonic, const char *symbol,
                                  const LocatedTensor &lhs, const Tensor &rhs) {
  return elementwise(mnemonic, symbol, lhs, rhs);
}

Tensor operator+(LocatedTensor lhs, const Tensor &rhs) { return elementwise("add", "+", lhs, rhs); }
Tensor operator-(LocatedTensor lhs, const Tensor &rhs) { return elementwise("sub", "-", lhs, rhs); }
Tensor operator*(LocatedTensor lhs, const Tensor &rhs) { return elementwise("mul", "*", lhs, rhs); }

Tensor relu(const Tensor &x, std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, "relu", loc);
  if (!g)
    return placeholder(operands, x.dims(), DType::F32);
  if (!g->expectF32(x, "operand of relu", loc))
    return g->placeholder(x.dims(), DType::F32);
  return g->add("", x.dims(), DType::F32, "meshc.relu %" + g->ssa(x) + " : " + x.type(), loc);
}

Tensor sum(const Tensor &x, const std::vector<Dim> &keep, std::source_location loc) {
  return reduce("reduce_sum", "sum", x, keep, loc);
}

Tensor mean(const Tensor &x, const std::vector<Dim> &keep, std::source_location loc) {
  return reduce("reduce_mean", "mean", x, keep, loc);
}

Tensor softmax_cross_entropy(const Tensor &logits, const Tensor &labels, const Dim &classes,
                             std::source_location loc) {
  std::vector<const Tensor *> operands{&logits, &labels};
  GraphImpl *g = GraphImpl::common(operands, "softmax_cross_entropy", loc);
  if (!g)
    return placeholder(operands, labels.dims(), DType::F32);
  bool ok = g->checkDim(classes, loc);
  if (classes.size > detail::kMaxI32Index) {
    g->error(loc, "class dimension '" + classes.name + "' of softmax_cross_entropy has size " +
                      std::to_string(classes.size) + ", more than i32 labels can index (" +
                      std::to_string(detail::kMaxI32Index) + ")");
    ok = false;
  }
  ok &= g->expectF32(logits, "logits of softmax_cross_entropy", loc);
  if (labels.dtype() != DType::I32) {
    g->error(loc, std::string("labels of softmax_cross_entropy have element type ") +
                      detail::dtypeName(labels.dtype()) + ", expected i32");
    ok = false;
  }
  if (!logits.has(classes.name)) {
    g->error(loc, "logits of softmax_cross_entropy " + detail::printDims(logits.dims()) +
                      " lack the class dimension '" + classes.name + "'");
    ok = false;
  } else {
    std::vector<Dim> expected;
    for (const Dim &d : logits.dims())
      if (d.name != classes.name)
        expected.push_back(d);
    if (expected != labels.dims()) {
      g->error(loc, "labels of softmax_cross_entropy have dimensions " +
                        detail::printDims(labels.dims()) + ", expected the logits' minus '" +
                        classes.name + "': " + detail::printDims(expected));
      ok = false;
    }
  }
  if (!ok)
    return g->placeholder(labels.dims(), DType::F32);
  std::string text = "meshc.softmax_xent " + operandList(*g, operands) +
                     " {class_dim = " + detail::printString(classes.name) +
                     "} : " + signature(operands, labels.dims(), DType::F32);
  return g->add("", labels.dims(), DType::F32, text, loc);
}

namespace detail {

/// The result of an op that could not be built: in the operands' graph when they
/// have one, so that later ops stay quiet about it.
Tensor placeholder(const std::vector<const Tensor *> &operands, std::vector<Dim> dims,
                   DType dtype) {
  for (const Tensor *t : operands)
    if (t->graph())
      return t->graph()->impl().placeholder(std::move(dims), dtype);
  return Tensor();
}

std::string operandList(GraphImpl &g, const std::vector<const Tensor *> &operands) {
  std::string s;
  for (size_t i = 0; i < operands.size(); ++i)
    s += (i ? ", %" : "%") + g.ssa(*operands[i]);
  return s;
}

/// `T1, T2 -> T3`
std::string signature(const std::vector<const Tensor *> &operands, const std::vector<Dim> &dims,
                      DType dtype) {
  std::string s;
  for (size_t i = 0; i < operands.size(); ++i)
    s += (i ? ", " : "") + operands[i]->type();
  return s + " -> " + detail::printType(dims, dtype);
}

} // namespace detail

} // namespace meshc::dsl
