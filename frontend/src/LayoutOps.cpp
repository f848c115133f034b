// The DSL's Layout family.
//
// relayout(x, "hidden:m"): a per-value layout override (docs/IR.md, meshc.relayout). The
// spec is checked here as far as the graph can tell (syntax, dims of x, one dim per axis);
// the mesh axes, which meshc --mesh may change, are checked by meshc.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <map>

namespace meshc::dsl {

using detail::GraphImpl;

Tensor relayout(const Tensor &x, std::string_view layout, std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, "relayout", loc);
  if (!g)
    return x.graph() ? x.graph()->impl().placeholder(x.dims(), x.dtype()) : Tensor();
  std::vector<std::pair<std::string, std::string>> map;
  bool ok = true;
  if (std::optional<std::string> error = detail::checkLayoutSpec(layout, map)) {
    g->error(loc, "relayout: " + *error);
    ok = false;
  }
  std::map<std::string, std::string> dimOnAxis;
  for (const auto &[dim, axis] : map) {
    if (ok && !x.has(dim)) {
      g->error(loc, "relayout names dimension '" + dim + "', which its operand " +
                        detail::printDims(x.dims()) + " lacks");
      ok = false;
    }
    auto [it, inserted] = dimOnAxis.emplace(axis, dim);
    if (ok && !inserted) {
      g->error(loc, "relayout puts dimensions '" + it->second + "' and '" + dim +
                        "' on mesh axis '" + axis + "'");
      ok = false;
    }
  }
  if (!ok)
    return g->placeholder(x.dims(), x.dtype());
  std::string text = "meshc.relayout %" + g->ssa(x) + " {layout = #meshc.layout<" +
                     detail::printString(layout) + ">} : " + x.type();
  return g->add("", x.dims(), x.dtype(), text, loc);
}

} // namespace meshc::dsl
