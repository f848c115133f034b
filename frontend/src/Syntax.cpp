// Spelling of IR pieces and spec strings: how locations, floats, strings and types are written
// in the textual IR of docs/IR.md, and the mesh and layout specs (the one grammar of
// support/meshspec).
#include "GraphImpl.h"

#include "support/meshspec/MeshSpec.h"

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

std::string printRematLoc(const std::source_location &loc) {
  std::string plain = printLoc(loc); // loc(INNER)
  return "loc(fused<\"meshc.remat\">[" + plain.substr(4, plain.size() - 5) + "])";
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

bool isIdentifier(std::string_view name) { return meshspec::isName(name); }

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
  std::vector<meshspec::Axis> parsed;
  if (std::optional<std::string> bad = meshspec::parseMesh(spec, parsed))
    return bad;
  for (meshspec::Axis &axis : parsed)
    axes.push_back(std::move(axis.name));
  return std::nullopt;
}

std::optional<std::string> checkLayoutSpec(std::string_view spec,
                                           std::vector<std::pair<std::string, std::string>> &map) {
  std::vector<meshspec::Rule> rules;
  if (std::optional<std::string> bad = meshspec::parseLayout(spec, rules))
    return bad;
  for (meshspec::Rule &rule : rules)
    map.emplace_back(std::move(rule.dim), std::move(rule.axis));
  return std::nullopt;
}

} // namespace meshc::dsl::detail
