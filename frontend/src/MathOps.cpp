// The DSL's Math family: sigmoid, tanh, exp, log, sqrt, leaky_relu (unary, the operand's type)
// and div / operator/, maximum, minimum (broadcasting by name like `+`). Each prints one op of
// docs/IR.md's Math family, or records a located error and returns a placeholder.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <cmath>

namespace meshc::dsl {

using detail::GraphImpl;

namespace {

/// `meshc.<mnemonic> %x {attrs} : T`, after checking that x is an f32 value of a graph.
Tensor unary(const Tensor &x, const char *mnemonic, const std::string &attrs,
             const std::source_location &loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, mnemonic, loc);
  if (!g)
    return detail::placeholder(operands, x.dims(), DType::F32);
  if (!g->expectF32(x, (std::string("operand of ") + mnemonic).c_str(), loc))
    return g->placeholder(x.dims(), DType::F32);
  std::string text = std::string("meshc.") + mnemonic + " %" + g->ssa(x) +
                     (attrs.empty() ? "" : " {" + attrs + "}") + " : " + x.type();
  return g->add("", x.dims(), DType::F32, text, loc);
}

} // namespace

Tensor sigmoid(const Tensor &x, std::source_location loc) { return unary(x, "sigmoid", "", loc); }
Tensor tanh(const Tensor &x, std::source_location loc) { return unary(x, "tanh", "", loc); }
Tensor exp(const Tensor &x, std::source_location loc) { return unary(x, "exp", "", loc); }
Tensor log(const Tensor &x, std::source_location loc) { return unary(x, "log", "", loc); }
Tensor sqrt(const Tensor &x, std::source_location loc) { return unary(x, "sqrt", "", loc); }

Tensor leaky_relu(const Tensor &x, double alpha, std::source_location loc) {
  // The runtime applies alpha as an f32.
  if (!std::isfinite(static_cast<float>(alpha))) {
    std::vector<const Tensor *> operands{&x};
    if (GraphImpl *g = GraphImpl::common(operands, "leaky_relu", loc)) {
      g->error(loc, "alpha " + detail::printFloat(alpha) +
                        " of leaky_relu is not a finite number (as an f32)");
      return g->placeholder(x.dims(), DType::F32);
    }
    return detail::placeholder(operands, x.dims(), DType::F32);
  }
  return unary(x, "leaky_relu", "alpha = " + detail::printFloat(alpha), loc);
}

Tensor div(const Tensor &a, const Tensor &b, std::source_location loc) {
  return detail::broadcastingBinary("div", "div", LocatedTensor(a, loc), b);
}
Tensor operator/(LocatedTensor lhs, const Tensor &rhs) {
  return detail::broadcastingBinary("div", "/", lhs, rhs);
}
Tensor maximum(const Tensor &a, const Tensor &b, std::source_location loc) {
  return detail::broadcastingBinary("maximum", "maximum", LocatedTensor(a, loc), b);
}
Tensor minimum(const Tensor &a, const Tensor &b, std::source_location loc) {
  return detail::broadcastingBinary("minimum", "minimum", LocatedTensor(a, loc), b);
}

} // namespace meshc::dsl
