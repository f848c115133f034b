// The DSL's Index/Shape family.
//
// embedding, one_hot, argmax, reduce_max, cumsum, concat, slice, pad, rename, reshape and
// stop_gradient: each checks its operands by dimension name, then prints one meshc op of
// docs/IR.md, or records a located error and returns a placeholder.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <algorithm>
#include <set>

namespace meshc::dsl {

using detail::GraphImpl;
using detail::operandList;
using detail::placeholder;
using detail::signature;

namespace {

/// `meshc.<mnemonic> %a, %b {attrs} : T1, T2 -> T3` (no braces when attrs is empty).
std::string opText(GraphImpl &g, const char *mnemonic, const std::vector<const Tensor *> &operands,
                   const std::string &attrs, const std::vector<Dim> &dims, DType dtype) {
  std::string text = std::string("meshc.") + mnemonic + " " + operandList(g, operands);
  if (!attrs.empty())
    text += " {" + attrs + "}";
  return text + " : " + signature(operands, dims, dtype);
}

std::string attr(const char *name, std::string_view value) {
  return std::string(name) + " = " + detail::printString(value);
}

const Dim *findDim(const std::vector<Dim> &dims, std::string_view name) {
  for (const Dim &d : dims)
    if (d.name == name)
      return &d;
  return nullptr;
}

/// The element count of a shape checkSizes accepted (so it fits int64).
int64_t elementCount(const std::vector<Dim> &dims) {
  int64_t n = 1;
  for (const Dim &d : dims)
    n *= d.size;
  return n;
}

/// An integer index of type `type` (holding at most `most`) must reach every position of `dim`.
bool expectIndexable(GraphImpl &g, const Dim &dim, int64_t most, const std::string &what,
                     const char *type, const std::source_location &loc) {
  if (dim.size <= most)
    return true;
  g.error(loc, what + " '" + dim.name + "' has size " + std::to_string(dim.size) + ", more than " +
                   type + " can index (" + std::to_string(most) + ")");
  return false;
}

/// Checks that `x` has `dim` (name and size); records an error naming `fn` otherwise.
bool expectDim(GraphImpl &g, const Tensor &x, const Dim &dim, const std::string &what,
               const std::source_location &loc) {
  const Dim *own = findDim(x.dims(), dim.name);
  if (own && own->size == dim.size)
    return true;
  g.error(loc, what + " " + detail::printDims(x.dims()) + " lacks dimension '" + dim.name +
                   "' of size " + std::to_string(dim.size));
  return false;
}

/// A result shape must not name a dim twice; `what` names it in the message.
bool checkResult(GraphImpl &g, const std::vector<Dim> &dims, const std::source_location &loc,
                 const std::string &what) {
  return g.checkShape(dims, loc, what);
}

} // namespace

Tensor embedding(const Tensor &table, const Tensor &ids, std::source_location loc) {
  std::vector<const Tensor *> operands{&table, &ids};
  std::vector<Dim> dims = ids.dims();
  for (size_t i = 1; i < table.dims().size(); ++i)
    dims.push_back(table.dims()[i]);
  GraphImpl *g = GraphImpl::common(operands, "embedding", loc);
  if (!g)
    return placeholder(operands, dims, DType::F32);
  bool ok = g->expectF32(table, "table of embedding", loc);
  if (ids.dtype() != DType::I32) {
    g->error(loc, std::string("ids of embedding have element type ") +
                      detail::dtypeName(ids.dtype()) + ", expected i32");
    ok = false;
  }
  if (table.dims().empty()) {
    g->error(loc, "table of embedding is a scalar; its first dimension is the vocabulary");
    return g->placeholder(dims, DType::F32);
  }
  ok &= expectIndexable(*g, table.dims()[0], detail::kMaxI32Index,
                        "vocabulary dimension of embedding", "i32 ids", loc);
  ok = ok && checkResult(*g, dims, loc,
                         "the result of embedding (the ids' dimensions, then the table's after "
                         "the vocabulary)");
  if (!ok)
    return g->placeholder(dims, DType::F32);
  std::string attrs = attr("vocab_dim", table.dims()[0].name);
  return g->add("", dims, DType::F32, opText(*g, "embedding", operands, attrs, dims, DType::F32),
                loc);
}

Tensor one_hot(const Tensor &indices, const Dim &classes, std::source_location loc) {
  std::vector<const Tensor *> operands{&indices};
  std::vector<Dim> dims = indices.dims();
  dims.push_back(classes);
  GraphImpl *g = GraphImpl::common(operands, "one_hot", loc);
  if (!g)
    return placeholder(operands, dims, DType::F32);
  bool ok = g->checkDim(classes, loc);
  ok &= indices.dtype() == DType::I32
            ? expectIndexable(*g, classes, detail::kMaxI32Index, "class dimension of one_hot",
                              "i32 indices", loc)
            : expectIndexable(*g, classes, detail::kMaxF32Index, "class dimension of one_hot",
                              "f32 indices exactly", loc);
  if (indices.has(classes.name)) {
    g->error(loc, "indices of one_hot " + detail::printDims(indices.dims()) +
                      " already have the class dimension '" + classes.name + "'");
    ok = false;
  }
  if (!ok)
    return g->placeholder(dims, DType::F32);
  return g->add("", dims, DType::F32, opText(*g, "one_hot", operands, "", dims, DType::F32), loc);
}

Tensor argmax(const Tensor &x, const Dim &dim, std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  std::vector<Dim> dims;
  for (const Dim &d : x.dims())
    if (d.name != dim.name)
      dims.push_back(d);
  GraphImpl *g = GraphImpl::common(operands, "argmax", loc);
  if (!g)
    return placeholder(operands, dims, DType::I32);
  bool ok = g->expectF32(x, "operand of argmax", loc);
  ok &= expectDim(*g, x, dim, "operand of argmax", loc);
  ok &=
      expectIndexable(*g, dim, detail::kMaxI32Index, "dimension of argmax", "its i32 result", loc);
  if (!ok)
    return g->placeholder(dims, DType::I32);
  return g->add("", dims, DType::I32,
                opText(*g, "argmax", operands, attr("dim", dim.name), dims, DType::I32), loc);
}

Tensor reduce_max(const Tensor &x, const std::vector<Dim> &keep, std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, "reduce_max", loc);
  if (!g)
    return placeholder(operands, keep, DType::F32);
  bool ok = g->checkShape(keep, loc, "the dimensions kept by reduce_max");
  ok &= g->expectF32(x, "operand of reduce_max", loc);
  for (const Dim &d : keep)
    if (!x.has(d.name)) {
      g->error(loc, "reduce_max keeps dimension '" + d.name + "', which its operand " +
                        detail::printDims(x.dims()) + " lacks");
      ok = false;
    }
  if (!ok)
    return g->placeholder(keep, DType::F32);
  return g->add("", keep, DType::F32, opText(*g, "reduce_max", operands, "", keep, DType::F32),
                loc);
}

Tensor max(const Tensor &x, const std::vector<Dim> &keep, std::source_location loc) {
  return reduce_max(x, keep, loc);
}

Tensor cumsum(const Tensor &x, const Dim &dim, bool exclusive, std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, "cumsum", loc);
  if (!g)
    return placeholder(operands, x.dims(), DType::F32);
  bool ok = g->expectF32(x, "operand of cumsum", loc);
  ok &= expectDim(*g, x, dim, "operand of cumsum", loc);
  if (!ok)
    return g->placeholder(x.dims(), DType::F32);
  std::string attrs = attr("dim", dim.name) + (exclusive ? ", exclusive = true" : "");
  return g->add("", x.dims(), DType::F32,
                "meshc.cumsum %" + g->ssa(x) + " {" + attrs + "} : " + x.type(), loc);
}

Tensor concat(const std::vector<Tensor> &parts, const Dim &out, std::source_location loc) {
  std::vector<const Tensor *> operands;
  operands.reserve(parts.size());
  for (const Tensor &t : parts)
    operands.push_back(&t);
  std::vector<Dim> dims = parts.empty() ? std::vector<Dim>{out} : parts[0].dims();
  GraphImpl *g = GraphImpl::common(operands, "concat", loc);
  if (!g)
    return placeholder(operands, dims, parts.empty() ? DType::F32 : parts[0].dtype());
  DType dtype = parts[0].dtype();
  size_t rank = parts[0].dims().size();
  bool ok = g->checkDim(out, loc);
  for (const Tensor &t : parts)
    if (t.dims().size() != rank || t.dtype() != dtype || rank == 0) {
      g->error(loc, "parts of concat must have one rank (at least 1) and one element type, not " +
                        detail::printDims(parts[0].dims()) + " and " + detail::printDims(t.dims()));
      return g->placeholder(dims, dtype);
    }
  size_t position = rank - 1;
  for (size_t i = 0; i < rank; ++i)
    if (std::any_of(parts.begin(), parts.end(),
                    [&](const Tensor &t) { return t.dims()[i].name != parts[0].dims()[i].name; })) {
      position = i;
      break;
    }
  int64_t total = 0;
  bool overflow = false;
  for (const Tensor &t : parts) {
    overflow |= __builtin_add_overflow(total, t.dims()[position].size, &total);
    for (size_t i = 0; i < rank; ++i)
      if (i != position && t.dims()[i] != parts[0].dims()[i]) {
        g->error(loc, "parts of concat " + detail::printDims(parts[0].dims()) + " and " +
                          detail::printDims(t.dims()) + " differ in more than one dimension");
        return g->placeholder(dims, dtype);
      }
  }
  dims[position] = out;
  if (overflow) {
    g->error(loc, "parts of concat have more than " + std::to_string(detail::kMaxInt64) +
                      " elements along '" + parts[0].dims()[position].name + "'");
    ok = false;
  } else if (total != out.size) {
    g->error(loc, "parts of concat have " + std::to_string(total) + " elements along '" +
                      parts[0].dims()[position].name + "', but '" + out.name + "' has size " +
                      std::to_string(out.size));
    ok = false;
  }
  ok = ok && checkResult(*g, dims, loc, "the result of concat");
  if (!ok)
    return g->placeholder(dims, dtype);
  return g->add("", dims, dtype, opText(*g, "concat", operands, attr("dim", out.name), dims, dtype),
                loc);
}

Tensor slice(const Tensor &x, const Dim &dim, int64_t start, const Dim &out,
             std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  std::vector<Dim> dims = x.dims();
  for (Dim &d : dims)
    if (d.name == dim.name)
      d = out;
  GraphImpl *g = GraphImpl::common(operands, "slice", loc);
  if (!g)
    return placeholder(operands, dims, x.dtype());
  bool ok = expectDim(*g, x, dim, "operand of slice", loc);
  ok &= g->checkDim(out, loc);
  int64_t end = 0;
  bool overflow = __builtin_add_overflow(start, out.size, &end);
  if (ok && (start < 0 || overflow || end > dim.size)) {
    g->error(loc, "slice [" + std::to_string(start) + ", " +
                      (overflow ? "start + " + std::to_string(out.size) : std::to_string(end)) +
                      ") does not fit in dimension '" + dim.name + "' of size " +
                      std::to_string(dim.size));
    ok = false;
  }
  ok = ok && checkResult(*g, dims, loc, "the result of slice");
  if (!ok)
    return g->placeholder(dims, x.dtype());
  std::string attrs = attr("dim", dim.name) + ", start = " + std::to_string(start);
  return g->add("", dims, x.dtype(), opText(*g, "slice", operands, attrs, dims, x.dtype()), loc);
}

Tensor pad(const Tensor &x, const Dim &dim, int64_t start, const Dim &out,
           std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  std::vector<Dim> dims = x.dims();
  for (Dim &d : dims)
    if (d.name == dim.name)
      d = out;
  GraphImpl *g = GraphImpl::common(operands, "pad", loc);
  if (!g)
    return placeholder(operands, dims, x.dtype());
  bool ok = expectDim(*g, x, dim, "operand of pad", loc);
  ok &= g->checkDim(out, loc);
  int64_t end = 0;
  bool overflow = __builtin_add_overflow(start, dim.size, &end);
  if (ok && (start < 0 || overflow || end > out.size)) {
    g->error(loc, "pad places '" + dim.name + "' at [" + std::to_string(start) + ", " +
                      (overflow ? "start + " + std::to_string(dim.size) : std::to_string(end)) +
                      "), which does not fit in dimension '" + out.name + "' of size " +
                      std::to_string(out.size));
    ok = false;
  }
  ok = ok && checkResult(*g, dims, loc, "the result of pad");
  if (!ok)
    return g->placeholder(dims, x.dtype());
  std::string attrs = attr("dim", out.name) + ", start = " + std::to_string(start);
  return g->add("", dims, x.dtype(), opText(*g, "pad", operands, attrs, dims, x.dtype()), loc);
}

Tensor rename(const Tensor &x, const std::vector<std::pair<Dim, Dim>> &renames,
              std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  std::vector<Dim> dims = x.dims();
  for (const auto &[from, to] : renames)
    for (Dim &d : dims)
      if (d.name == from.name)
        d = to;
  GraphImpl *g = GraphImpl::common(operands, "rename", loc);
  if (!g)
    return placeholder(operands, dims, x.dtype());
  bool ok = true;
  std::set<std::string> seen;
  for (const auto &[from, to] : renames) {
    ok &= expectDim(*g, x, from, "operand of rename", loc) && g->checkDim(to, loc);
    if (ok && from.size != to.size) {
      g->error(loc, "rename of '" + from.name + "' (size " + std::to_string(from.size) + ") to '" +
                        to.name + "' (size " + std::to_string(to.size) + ") changes the size");
      ok = false;
    }
    if (!seen.insert(from.name).second) {
      g->error(loc, "rename names dimension '" + from.name + "' twice");
      ok = false;
    }
  }
  ok = ok && checkResult(*g, dims, loc, "the result of rename");
  if (!ok)
    return g->placeholder(dims, x.dtype());
  return g->add("", dims, x.dtype(), opText(*g, "rename", operands, "", dims, x.dtype()), loc);
}

Tensor reshape(const Tensor &x, const std::vector<Dim> &dims, std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, "reshape", loc);
  if (!g)
    return placeholder(operands, dims, x.dtype());
  bool ok = g->checkShape(dims, loc, "the result of reshape");
  // Counted only once known to fit: a wrapped count could equal the operand's.
  if (std::optional<std::string> bad = ok ? detail::checkSizes(dims) : std::nullopt) {
    g->error(loc, "the result of reshape " + detail::printDims(dims) + " " + *bad);
    ok = false;
  }
  if (ok && elementCount(dims) != elementCount(x.dims())) {
    g->error(loc, "reshape of " + detail::printDims(x.dims()) + " (" +
                      std::to_string(elementCount(x.dims())) + " elements) to " +
                      detail::printDims(dims) + " (" + std::to_string(elementCount(dims)) +
                      " elements) changes the element count");
    ok = false;
  }
  if (!ok)
    return g->placeholder(dims, x.dtype());
  return g->add("", dims, x.dtype(), opText(*g, "reshape", operands, "", dims, x.dtype()), loc);
}

Tensor stop_gradient(const Tensor &x, std::source_location loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, "stop_gradient", loc);
  if (!g)
    return placeholder(operands, x.dims(), x.dtype());
  if (!g->expectF32(x, "operand of stop_gradient", loc))
    return g->placeholder(x.dims(), x.dtype());
  return g->add("", x.dims(), x.dtype(), "meshc.stop_gradient %" + g->ssa(x) + " : " + x.type(),
                loc);
}

} // namespace meshc::dsl
