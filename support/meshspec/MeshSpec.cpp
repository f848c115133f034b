// The mesh and layout spec grammar (see MeshSpec.h): parsing, checking and printing.
#include "support/meshspec/MeshSpec.h"

#include <charconv>

namespace meshc::meshspec {
namespace {

std::string_view trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos)
    return {};
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

/// The comma-separated items of `spec`, each trimmed.
std::vector<std::string_view> items(std::string_view spec) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t comma = spec.find(',', start);
    out.push_back(
        trim(spec.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos)
      return out;
    start = comma + 1;
  }
}

/// "left<sep>right", each side trimmed; false when there is no separator.
bool splitPair(std::string_view item, char sep, std::string_view &left, std::string_view &right) {
  size_t at = item.find(sep);
  if (at == std::string_view::npos)
    return false;
  left = trim(item.substr(0, at));
  right = trim(item.substr(at + 1));
  return true;
}

enum class Number { Ok, Invalid, TooLarge };

/// -?[0-9]+ into `value` (a sign is read so that "-1" is named as a size below 1, not as bad
/// syntax); TooLarge when it does not fit an int64.
Number parseSize(std::string_view text, int64_t &value) {
  std::string_view digits = text;
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative)
    digits.remove_prefix(1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return Number::Invalid;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size())
    return Number::TooLarge;
  if (negative)
    value = -value;
  return Number::Ok;
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string sizeTooLarge(std::string_view name, std::string_view size) {
  return "mesh axis " + quote(name) + " has size " + std::string(size) + ", more than the " +
         std::to_string(kMaxAxisSize) + " the runtime supports";
}

} // namespace

bool isName(std::string_view name) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !alpha(name.front()))
    return false;
  for (char c : name)
    if (!alpha(c) && !(c >= '0' && c <= '9'))
      return false;
  return true;
}

std::optional<std::string> checkMesh(const std::vector<Axis> &axes) {
  if (axes.empty())
    return std::string("mesh has no axes (expected name=size, like b=2,m=4)");
  std::string spec = printMesh(axes);
  if (axes.size() > static_cast<size_t>(kMaxAxes))
    return "mesh " + quote(spec) + " has " + std::to_string(axes.size()) + " axes, more than the " +
           std::to_string(kMaxAxes) + " the runtime supports";
  int64_t ranks = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    const Axis &axis = axes[i];
    if (!isName(axis.name))
      return "invalid mesh axis name " + quote(axis.name);
    for (size_t j = 0; j < i; ++j)
      if (axes[j].name == axis.name)
        return "mesh axis " + quote(axis.name) + " appears twice in mesh " + quote(spec);
    if (axis.size < 1)
      return "mesh axis " + quote(axis.name) + " has size " + std::to_string(axis.size) +
             " (sizes must be at least 1)";
    if (axis.size > kMaxAxisSize)
      return sizeTooLarge(axis.name, std::to_string(axis.size));
    ranks *= axis.size; // at most 2^30 * 2^24: no overflow
    if (ranks > kMaxRanks)
      return "mesh " + quote(spec) + " has more than " + std::to_string(kMaxRanks) +
             " ranks (the most the runtime supports)";
  }
  return std::nullopt;
}

std::optional<std::string> parseMesh(std::string_view spec, std::vector<Axis> &axes) {
  if (trim(spec).empty())
    return checkMesh({});
  std::vector<Axis> parsed;
  for (std::string_view item : items(spec)) {
    std::string_view name, size;
    int64_t value = 0;
    Number number = Number::Invalid;
    if (splitPair(item, '=', name, size) && isName(name))
      number = parseSize(size, value);
    if (number == Number::Invalid)
      return "invalid mesh axis " + quote(item) + " in mesh " + quote(spec) +
             " (expected name=size, like b=2,m=4)";
    if (number == Number::TooLarge)
      return size.front() == '-' ? "mesh axis " + quote(name) + " has size " + std::string(size) +
                                       " (sizes must be at least 1)"
                                 : sizeTooLarge(name, size);
    // Checked here, in the order of the spec, so that the first bad axis is the one named.
    for (const Axis &axis : parsed)
      if (axis.name == name)
        return "mesh axis " + quote(name) + " appears twice in mesh " + quote(spec);
    parsed.push_back({std::string(name), value});
  }
  if (std::optional<std::string> bad = checkMesh(parsed))
    return bad;
  axes = std::move(parsed);
  return std::nullopt;
}

std::optional<std::string> parseLayout(std::string_view spec, std::vector<Rule> &rules) {
  std::vector<Rule> parsed;
  if (!trim(spec).empty()) {
    for (std::string_view item : items(spec)) {
      std::string_view dim, axis;
      if (!splitPair(item, ':', dim, axis) || !isName(dim) || !isName(axis))
        return "invalid layout rule " + quote(item) + " in layout " + quote(spec) +
               " (expected dim:axis, like batch:b,hidden:m)";
      for (const Rule &rule : parsed)
        if (rule.dim == dim)
          return "dimension " + quote(dim) + " appears twice in layout " + quote(spec);
      parsed.push_back({std::string(dim), std::string(axis)});
    }
  }
  rules = std::move(parsed);
  return std::nullopt;
}

std::string printMesh(const std::vector<Axis> &axes) {
  std::string out;
  for (size_t i = 0; i < axes.size(); ++i)
    out += (i ? "," : "") + axes[i].name + "=" + std::to_string(axes[i].size);
  return out;
}

std::string printLayout(const std::vector<Rule> &rules) {
  std::string out;
  for (size_t i = 0; i < rules.size(); ++i)
    out += (i ? "," : "") + rules[i].dim + ":" + rules[i].axis;
  return out;
}

} // namespace meshc::meshspec
