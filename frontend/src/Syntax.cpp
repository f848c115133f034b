//===- Syntax.cpp - Spelling of IR pieces and spec strings ----------------===//
//
// How locations, floats, strings and types are written in the textual IR of
// docs/IR.md, and the syntax of the mesh and layout specs.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace meshc::dsl::detail {

std::string formatLoc(const std::source_location &loc) {
  return std::string(loc.file_name()) + ":" + std::to_string(loc.line()) + ":" +
         std::to_string(loc.column());
}

std::string printString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      // MLIR string literals take two-digit hex escapes.
      char hex[4];
      std::snprintf(hex, sizeof hex, "\\%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string printLoc(const std::source_location &loc) {
  return "loc(" + printString(loc.file_name()) + ":" + std::to_string(loc.line()) + ":" +
         std::to_string(loc.column()) + ")";
}

std::string printFloat(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string s(buf, ec == std::errc() ? end : buf);
  // Shortest round-trip form, but MLIR lexes `1` and `1e-05` as integers: it needs
  // a `.` before any exponent to read a float.
  if (s.find_first_of(".ni") == std::string::npos) { // not nan/inf, no point yet
    auto e = s.find('e');
    if (e == std::string::npos)
      s += ".0";
    else
      s.insert(e, ".0");
  }
  return s;
}

const char *dtypeName(DType dtype) { return dtype == DType::I32 ? "i32" : "f32"; }

std::string printType(const std::vector<Dim> &dims, DType dtype) {
  std::string s = "!meshc.tensor<";
  for (const Dim &d : dims)
    s += d.name + "=" + std::to_string(d.size) + ", ";
  return s + dtypeName(dtype) + ">";
}

std::string printDims(const std::vector<Dim> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + dims[i].name + "=" + std::to_string(dims[i].size);
  return s + "]";
}

bool isIdentifier(std::string_view name) {
  if (name.empty())
    return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!alpha(name[0]))
    return false;
  for (char c : name)
    if (!alpha(c) && !digit(c))
      return false;
  return true;
}

static std::vector<std::string_view> splitCommas(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    parts.push_back(s.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos)
      return parts;
    start = comma + 1;
  }
}

std::optional<std::string> checkSizes(const std::vector<Dim> &dims) {
  if (dims.size() > kMaxTensorDims)
    return "has " + std::to_string(dims.size()) + " dimensions, more than the " +
           std::to_string(kMaxTensorDims) + " meshc supports";
  int64_t elements = 1;
  for (const Dim &d : dims)
    if (d.size > 0 && __builtin_mul_overflow(elements, d.size, &elements))
      return "has more than " + std::to_string(kMaxInt64) +
             " elements (its element count overflows int64)";
  int64_t bytes = 0;
  if (__builtin_mul_overflow(elements, kElementBytes, &bytes))
    return "has " + std::to_string(elements) + " elements of " + std::to_string(kElementBytes) +
           " bytes, more than " + std::to_string(kMaxInt64) +
           " bytes (its byte count overflows int64)";
  return std::nullopt;
}

/// Levenshtein distance, case-insensitive (what llvm::StringRef::edit_distance_insensitive
/// gives meshc's suggestions).
static size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string didYouMean(std::string_view name, const std::vector<std::string> &candidates) {
  size_t allowed = (name.size() + 2) / 3, best = allowed + 1;
  const std::string *closest = nullptr;
  for (const std::string &candidate : candidates) {
    if (candidate == name)
      continue;
    size_t distance = editDistance(name, candidate);
    if (distance < best && distance < name.size()) {
      best = distance;
      closest = &candidate;
    }
  }
  return closest ? "; did you mean '" + *closest + "'?" : "";
}

std::optional<std::string> checkMeshSpec(std::string_view spec, std::vector<std::string> &axes) {
  std::string bad = "mesh spec '" + std::string(spec) + "' ";
  if (spec.empty())
    return bad + "is empty, expected axis=size,...";
  int64_t ranks = 1;
  for (std::string_view part : splitCommas(spec)) {
    size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      return bad + "has '" + std::string(part) + "', expected axis=size";
    std::string_view axis = part.substr(0, eq), size = part.substr(eq + 1);
    if (!isIdentifier(axis))
      return bad + "has axis name '" + std::string(axis) + "' that is not an identifier";
    int64_t n = 0;
    auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
    if (size.empty() || ec != std::errc() || end != size.data() + size.size() || n <= 0)
      return bad + "gives axis '" + std::string(axis) + "' the size '" + std::string(size) +
             "', expected a positive integer";
    for (const std::string &a : axes)
      if (a == axis)
        return bad + "has axis '" + std::string(axis) + "' twice";
    axes.emplace_back(axis);
    // The limits of meshc and the runtime: an executable for this mesh could not start.
    if (n > kMaxMeshAxisSize)
      return bad + "gives axis '" + std::string(axis) + "' the size " + std::to_string(n) +
             ", more than the " + std::to_string(kMaxMeshAxisSize) + " meshc supports";
    ranks *= n; // at most 2^30 * 2^24: no overflow
    if (ranks > kMaxMeshRanks)
      return bad + "has more than " + std::to_string(kMaxMeshRanks) +
             " ranks (the most meshc supports)";
  }
  if (axes.size() > kMaxMeshAxes)
    return bad + "has " + std::to_string(axes.size()) + " axes, more than the " +
           std::to_string(kMaxMeshAxes) + " meshc supports";
  return std::nullopt;
}

std::optional<std::string>
checkLayoutSpec(std::string_view spec, std::vector<std::pair<std::string, std::string>> &map) {
  std::string bad = "layout spec '" + std::string(spec) + "' ";
  if (spec.empty()) // everything replicated
    return std::nullopt;
  for (std::string_view part : splitCommas(spec)) {
    size_t colon = part.find(':');
    if (colon == std::string_view::npos)
      return bad + "has '" + std::string(part) + "', expected dim:axis";
    std::string_view dim = part.substr(0, colon), axis = part.substr(colon + 1);
    if (!isIdentifier(dim))
      return bad + "has dimension name '" + std::string(dim) + "' that is not an identifier";
    if (!isIdentifier(axis))
      return bad + "has axis name '" + std::string(axis) + "' that is not an identifier";
    for (const auto &[d, a] : map)
      if (d == dim)
        return bad + "maps dimension '" + std::string(dim) + "' twice";
    map.emplace_back(dim, axis);
  }
  return std::nullopt;
}

} // namespace meshc::dsl::detail
