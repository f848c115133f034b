// Graph state, checks and the graph-level calls.
//
// Every check that records a located error lives here or in Ops.cpp; nothing
// throws or exits, so one run of a model file reports all of its mistakes.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <cmath>
#include <set>

namespace meshc::dsl {
namespace detail {

void GraphImpl::error(const std::source_location &at, const std::string &message) {
  errors.push_back(formatLoc(at) + ": error: " + message);
}

bool GraphImpl::checkDim(const Dim &dim, const std::source_location &at) {
  // A bad dim is usually used many times; its first use says all there is to say.
  auto once = [&](const std::string &message) {
    if (badDims.insert(dim.name + "=" + std::to_string(dim.size)).second)
      error(at, message);
    return false;
  };
  if (!isIdentifier(dim.name))
    return once("dimension name '" + dim.name + "' is not an identifier");
  if (dim.size <= 0)
    return once("dimension '" + dim.name + "' has size " + std::to_string(dim.size) +
                ", expected a positive size");
  auto [it, fresh] = dimSizes.try_emplace(dim.name, dim.size, at);
  if (!fresh && it->second.first != dim.size) {
    error(at, "dimension '" + dim.name + "' has size " + std::to_string(dim.size) + " here but " +
                  std::to_string(it->second.first) + " at " + formatLoc(it->second.second));
    return false;
  }
  return true;
}

bool GraphImpl::checkShape(const std::vector<Dim> &shape, const std::source_location &at,
                           const std::string &what) {
  bool ok = true;
  std::set<std::string> seen;
  for (const Dim &d : shape) {
    ok &= checkDim(d, at);
    if (!seen.insert(d.name).second) {
      error(at, "dimension '" + d.name + "' appears twice in " + what);
      ok = false;
    }
  }
  return ok;
}

GraphImpl *GraphImpl::common(const std::vector<const Tensor *> &operands, const char *op,
                             const std::source_location &at) {
  GraphImpl *g = nullptr;
  for (const Tensor *t : operands)
    if (t->graph()) {
      g = &t->graph()->impl();
      break;
    }
  if (!g)
    return nullptr;
  bool ok = true;
  for (size_t i = 0; i < operands.size(); ++i) {
    const Tensor &t = *operands[i];
    if (!t.graph()) {
      g->error(at, "operand " + std::to_string(i) + " of " + op +
                       " is an empty tensor (default-constructed, never assigned)");
      ok = false;
    } else if (&t.graph()->impl() != g) {
      g->error(at, "operand " + std::to_string(i) + " of " + op + " belongs to graph '" +
                       t.graph()->name() + "', not '" + g->name + "'");
      ok = false;
    }
  }
  if (!ok)
    return nullptr;
  for (const Tensor *t : operands)
    if (!t->valid()) // an earlier error made it; that error is enough
      return nullptr;
  return g;
}

bool GraphImpl::expectF32(const Tensor &t, const char *what, const std::source_location &at) {
  if (t.dtype() == DType::F32)
    return true;
  error(at, std::string(what) + " has element type " + dtypeName(t.dtype()) + ", expected f32");
  return false;
}

Tensor GraphImpl::add(std::string ssaName, std::vector<Dim> dims, DType dtype,
                      const std::string &text, const std::source_location &at) {
  // Every value's shape passes here, so no op can make one meshc would refuse (a result may
  // combine its operands' dims: x[a] + y[b] has a x b elements).
  if (std::optional<std::string> bad = checkSizes(dims)) {
    std::string op = text.substr(0, text.find(' ')); // meshc.<mnemonic>
    std::string what = op == "meshc.input" || op == "meshc.param"
                           ? op.substr(6) + " '" + ssaName + "'"
                           : "the result of " + op.substr(6);
    error(at, what + " " + printDims(dims) + " " + *bad);
    return placeholder(std::move(dims), dtype);
  }
  if (ssaName.empty())
    ssaName = std::to_string(nextNumber++);
  ops.push_back({"%" + ssaName + " = " + text, at, rematScopes > 0});
  values.push_back({ssaName, dims, dtype});
  return Tensor(self, static_cast<int>(values.size() - 1), std::move(dims), dtype);
}

std::vector<std::string> GraphImpl::finalErrors() const {
  std::vector<std::string> out = perSampleErrors();
  // A layout rule for a dimension no value has is a misspelling, or a leftover.
  std::vector<std::pair<std::string, std::string>> rules;
  if (layout && !checkLayoutSpec(layout->text, rules)) {
    std::vector<std::string> dims;
    for (const auto &[dim, size] : dimSizes)
      dims.push_back(dim);
    for (const auto &[dim, axis] : rules)
      if (!dimSizes.count(dim))
        out.push_back(formatLoc(layout->loc) + ": error: layout names dimension '" + dim +
                      "', which no tensor of graph '" + name + "' has" + didYouMean(dim, dims));
  }
  if (!mesh || !layout)
    return out;
  std::vector<std::string> axes;
  std::vector<std::pair<std::string, std::string>> map;
  if (checkMeshSpec(mesh->text, axes) || checkLayoutSpec(layout->text, map))
    return out; // already reported where the spec was given
  for (const auto &[dim, axis] : map) {
    bool found = false;
    for (const std::string &a : axes)
      found |= a == axis;
    if (!found)
      out.push_back(formatLoc(layout->loc) + ": error: layout maps dimension '" + dim +
                    "' to axis '" + axis + "', which mesh '" + mesh->text + "' lacks" +
                    didYouMean(axis, axes));
  }
  return out;
}

} // namespace detail

double glorotScale(const std::vector<Dim> &shape) {
  double fanOut = shape.empty() ? 1.0 : static_cast<double>(shape.back().size);
  double fanIn = 1.0;
  for (size_t i = 0; i + 1 < shape.size(); ++i)
    fanIn *= static_cast<double>(shape[i].size);
  return std::sqrt(6.0 / (fanIn + fanOut));
}

RematScope::RematScope(Graph &g) : graph_(g) { ++graph_.impl().rematScopes; }
RematScope::~RematScope() { --graph_.impl().rematScopes; }

Graph::Graph(std::string_view name, std::source_location loc)
    : impl_(std::make_unique<detail::GraphImpl>(this, name, loc)) {
  if (!detail::isIdentifier(name))
    impl_->error(loc, "graph name '" + std::string(name) + "' is not an identifier");
}

Graph::~Graph() = default;

const std::string &Graph::name() const { return impl_->name; }

/// Names of inputs, params, metrics and outputs share one namespace: they name the data, the
/// checkpointed state and what evaluation and prediction report, and inputs and params are
/// the SSA names of the printed values.
bool detail::claimName(detail::GraphImpl &g, std::string_view name, const char *what,
                       const std::source_location &loc) {
  if (!detail::isIdentifier(name)) {
    g.error(loc, std::string(what) + " name '" + std::string(name) + "' is not an identifier");
    return false;
  }
  auto [it, fresh] = g.valueNames.try_emplace(std::string(name), loc);
  if (!fresh) {
    g.error(loc,
            "name '" + std::string(name) + "' is already used at " + detail::formatLoc(it->second));
    return false;
  }
  return true;
}

Tensor Graph::input(std::string_view name, std::vector<Dim> shape, const Data &data,
                    std::source_location loc) {
  detail::GraphImpl &g = *impl_;
  std::string what = "the shape of input '" + std::string(name) + "'";
  bool ok = detail::claimName(g, name, "input", loc);
  ok &= g.checkShape(shape, loc, what);
  ok &= g.checkDim(data.classes, loc);
  if (data.classes.size > detail::kMaxI32Index) {
    g.error(loc, "input '" + std::string(name) + "' has " + std::to_string(data.classes.size) +
                     " classes, more than i32 labels can index (" +
                     std::to_string(detail::kMaxI32Index) + ")");
    ok = false;
  }
  if (shape.empty()) {
    g.error(loc, "input '" + std::string(name) +
                     "' has no dimensions; its first dimension indexes samples");
    ok = false;
  }
  if (data.kind != "features" && data.kind != "labels") {
    g.error(loc, "input '" + std::string(name) + "' has data kind '" + data.kind +
                     "', expected 'features' or 'labels'");
    ok = false;
  }
  if (!ok)
    return g.placeholder(std::move(shape), data.dtype);
  if (!g.sampleDim)
    g.sampleDim = {shape.front().name, std::string(name)};
  // The kind is an enum of the dialect, printed as a bare word (checked above).
  std::string text = "meshc.input " + detail::printString(name) + " " + data.kind +
                     " {classes = " + std::to_string(data.classes.size) +
                     "} : " + detail::printType(shape, data.dtype);
  return g.add(std::string(name), std::move(shape), data.dtype, text, loc);
}

Tensor Graph::param(std::string_view name, std::vector<Dim> shape, const Init &init,
                    std::source_location loc) {
  detail::GraphImpl &g = *impl_;
  std::string what = "the shape of param '" + std::string(name) + "'";
  bool ok = detail::claimName(g, name, "param", loc);
  ok &= g.checkShape(shape, loc, what);
  const char *kind = "zeros";
  double scale = 0.0;
  switch (init.kind) {
  case Init::Kind::Glorot:
    kind = "uniform";
    scale = glorotScale(shape);
    break;
  case Init::Kind::Uniform:
    kind = "uniform";
    scale = init.value;
    break;
  case Init::Kind::Normal:
    kind = "normal";
    scale = init.value;
    break;
  case Init::Kind::Zeros:
    break;
  case Init::Kind::Constant:
    kind = "constant";
    scale = init.value;
    break;
  }
  bool signedOk = init.kind == Init::Kind::Constant || scale >= 0.0;
  if (!std::isfinite(scale) || !signedOk) {
    g.error(loc, "param '" + std::string(name) + "' has init scale " + detail::printFloat(scale) +
                     ", expected a finite" + (signedOk ? "" : " non-negative") + " value");
    ok = false;
  }
  if (!ok)
    return g.placeholder(std::move(shape), DType::F32);
  std::string text = "meshc.param " + detail::printString(name) + " " + kind +
                     " {scale = " + detail::printFloat(scale) +
                     "} : " + detail::printType(shape, DType::F32);
  return g.add(std::string(name), std::move(shape), DType::F32, text, loc);
}

void detail::GraphImpl::minimize(const Tensor &loss, const char *optimizer, const char *display,
                                 double learningRate, const std::string &extraAttrs,
                                 const std::source_location &loc) {
  detail::GraphImpl &g = *this;
  if (g.minimized) {
    g.error(loc, "graph '" + g.name + "' already minimizes a loss, at " +
                     detail::formatLoc(*g.minimized));
    return;
  }
  g.minimized = loc;
  if (!loss.graph()) {
    g.error(loc, "loss of minimize is an empty tensor (default-constructed, never assigned)");
    return;
  }
  if (&loss.graph()->impl() != &g) {
    g.error(loc, "loss of minimize belongs to graph '" + loss.graph()->name() + "', not '" +
                     g.name + "'");
    return;
  }
  bool ok = true;
  if (!std::isfinite(learningRate) || learningRate <= 0.0) {
    g.error(loc, "learning rate " + detail::printFloat(learningRate) + " of " + display +
                     " is not a positive finite number");
    ok = false;
  }
  if (!loss.valid())
    return;
  if (!loss.isScalar()) {
    g.error(loc, "loss of minimize has dimensions " + detail::printDims(loss.dims()) +
                     ", expected a scalar (reduce it with sum or mean)");
    ok = false;
  }
  ok &= g.expectF32(loss, "loss of minimize", loc);
  if (!ok)
    return;
  g.ops.push_back({"meshc.minimize " + std::string(optimizer) + " %" + g.ssa(loss) +
                       " {learning_rate = " + detail::printFloat(learningRate) + extraAttrs +
                       "} : " + loss.type(),
                   loc});
}

Graph &Graph::mesh(std::string_view spec, std::source_location loc) {
  std::vector<std::string> axes;
  if (auto bad = detail::checkMeshSpec(spec, axes))
    impl_->error(loc, *bad);
  impl_->mesh = detail::GraphImpl::Spec{std::string(spec), loc};
  return *this;
}

Graph &Graph::layout(std::string_view spec, std::source_location loc) {
  std::vector<std::pair<std::string, std::string>> map;
  if (auto bad = detail::checkLayoutSpec(spec, map))
    impl_->error(loc, *bad);
  impl_->layout = detail::GraphImpl::Spec{std::string(spec), loc};
  return *this;
}

std::vector<std::string> Graph::errors() const {
  std::vector<std::string> all = impl_->errors;
  for (std::string &e : impl_->finalErrors())
    all.push_back(std::move(e));
  return all;
}

} // namespace meshc::dsl
