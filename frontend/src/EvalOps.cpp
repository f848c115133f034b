// Comparison, metrics and outputs.
//
// What evaluation and prediction need: `equal` (for accuracy), and the graph's per-sample
// metrics (`g.metric`) and outputs (`g.output`), printed as meshc.metric / meshc.prediction.
// Their first dim must be the sample dim, the first dim of the inputs; that is checked when the
// graph is complete (an input may be declared after the metric's value is built).
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <algorithm>

namespace meshc::dsl {

using detail::GraphImpl;
using detail::operandList;
using detail::placeholder;
using detail::signature;

Tensor equal(const Tensor &a, const Tensor &b, std::source_location loc) {
  std::vector<const Tensor *> operands{&a, &b};
  std::vector<Dim> dims = a.dims();
  for (const Dim &d : b.dims())
    if (!a.has(d.name))
      dims.push_back(d);
  GraphImpl *g = GraphImpl::common(operands, "equal", loc);
  if (!g)
    return placeholder(operands, dims, DType::F32);
  bool ok = true;
  if (a.dtype() != b.dtype()) {
    g->error(loc, std::string("operands of equal have element types ") +
                      detail::dtypeName(a.dtype()) + " and " + detail::dtypeName(b.dtype()) +
                      ", expected one type");
    ok = false;
  }
  for (const Dim &d : b.dims())
    for (const Dim &l : a.dims())
      if (l.name == d.name && l.size != d.size) {
        g->error(loc, "operands of equal give dimension '" + d.name + "' the sizes " +
                          std::to_string(l.size) + " and " + std::to_string(d.size) +
                          ", so the result would need it twice");
        ok = false;
      }
  if (!ok)
    return g->placeholder(dims, DType::F32);
  std::string text =
      "meshc.equal " + operandList(*g, operands) + " : " + signature(operands, dims, DType::F32);
  return g->add("", std::move(dims), DType::F32, text, loc);
}

namespace {

/// g.metric / g.output: `what` is "metric" or "output", `mnemonic` the IR op.
void perSample(GraphImpl &g, const char *what, const char *mnemonic, std::string_view name,
               const Tensor &value, bool needsF32, const std::source_location &loc) {
  std::string quoted = std::string(what) + " '" + std::string(name) + "'";
  if (!value.graph()) {
    g.error(loc,
            "value of " + quoted + " is an empty tensor (default-constructed, never assigned)");
    return;
  }
  if (&value.graph()->impl() != &g) {
    g.error(loc, "value of " + quoted + " belongs to graph '" + value.graph()->name() + "', not '" +
                     g.name + "'");
    return;
  }
  // A metric named "loss" is the per-sample loss: evaluation reports its mean over every
  // sample as the loss. An output of that name would be mistaken for it.
  if (name == "loss" && std::string(what) == "output") {
    g.error(loc, std::string(what) + " name 'loss' is reserved for the loss");
    return;
  }
  bool ok = detail::claimName(g, name, what, loc);
  if (!value.valid())
    return;
  if (value.isScalar()) {
    g.error(loc, quoted + " is a scalar; it needs one value per sample (the sample dimension "
                          "first)");
    ok = false;
  }
  if (needsF32)
    ok &= g.expectF32(value, ("value of " + quoted).c_str(), loc);
  if (!ok)
    return;
  g.perSample.push_back({what, std::string(name), value.dims().front().name, loc});
  g.ops.push_back({std::string("meshc.") + mnemonic + " " + detail::printString(name) + ", %" +
                       g.ssa(value) + " : " + value.type(),
                   loc});
}

} // namespace

void Graph::metric(std::string_view name, const Tensor &value, std::source_location loc) {
  perSample(impl(), "metric", "metric", name, value, /*needsF32=*/true, loc);
}

void Graph::output(std::string_view name, const Tensor &value, std::source_location loc) {
  perSample(impl(), "output", "prediction", name, value, /*needsF32=*/false, loc);
}

std::vector<std::string> GraphImpl::perSampleErrors() const {
  std::vector<std::string> out;
  for (const PerSample &p : perSample) {
    std::string at = detail::formatLoc(p.loc) + ": error: " + p.what + " '" + p.name + "' ";
    if (!sampleDim)
      out.push_back(at + "needs the sample dimension first, but graph '" + name +
                    "' has no input to give one");
    else if (p.firstDim != sampleDim->first)
      out.push_back(at + "has first dimension '" + p.firstDim +
                    "', expected the sample dimension '" + sampleDim->first +
                    "' (the first dimension of input '" + sampleDim->second + "')");
  }
  return out;
}

} // namespace meshc::dsl
