// Flags of a model generator.
//
// A model file sizes itself from its own flags so that one source serves as an
// example and as a benchmark; what it does not take goes to Graph::emit.
//
//===----------------------------------------------------------------------===//
#include "meshc/dsl.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace meshc::dsl {

Args::Args(int argc, char **argv) {
  if (argc > 0 && argv[0]) {
    std::string_view path = argv[0];
    program_ = std::string(path.substr(path.find_last_of('/') + 1));
  }
  for (int i = 1; i < argc; ++i)
    args_.emplace_back(argv[i]);
  taken_.assign(args_.size(), false);
}

Args::Args(std::vector<std::string> args) : args_(std::move(args)) {
  taken_.assign(args_.size(), false);
}

/// Records an error once (a flag read twice is checked twice).
void Args::addError(std::string message) {
  if (std::find(errors_.begin(), errors_.end(), message) == errors_.end())
    errors_.push_back(std::move(message));
}

/// Finds `--flag VALUE` or `--flag=VALUE`, marks it taken and returns the value
/// (null when absent); the last occurrence wins, as with most command lines. Records the
/// flag for --help; a flag read again gets the value of its first read.
std::optional<std::string> Args::take(std::string_view flag, const char *kind,
                                      std::string fallback) {
  for (size_t f = 0; f < flags_.size(); ++f)
    if (flags_[f].name == flag)
      return values_[f];
  std::optional<std::string> found;
  for (size_t i = 0; i < args_.size(); ++i) {
    if (taken_[i])
      continue;
    const std::string &a = args_[i];
    if (a == flag) {
      taken_[i] = true;
      if (i + 1 >= args_.size()) {
        errors_.push_back("error: flag '" + std::string(flag) + "' needs a value");
        found.reset();
        break;
      }
      taken_[++i] = true;
      found = args_[i];
    } else if (a.size() > flag.size() && a.compare(0, flag.size(), flag) == 0 &&
               a[flag.size()] == '=') {
      taken_[i] = true;
      found = a.substr(flag.size() + 1);
    }
  }
  flags_.push_back({std::string(flag), kind, std::move(fallback)});
  values_.push_back(found);
  return found;
}

int64_t Args::integer(std::string_view flag, int64_t fallback) {
  std::optional<std::string> v = take(flag, "N", std::to_string(fallback));
  if (!v)
    return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size()) {
    addError("error: flag '" + std::string(flag) + "' expects an integer, got '" + *v + "'");
    return fallback;
  }
  return n;
}

double Args::number(std::string_view flag, double fallback) {
  char shortest[32];
  auto [fallbackEnd, fallbackEc] = std::to_chars(shortest, shortest + sizeof shortest, fallback);
  std::optional<std::string> v =
      take(flag, "X", std::string(shortest, fallbackEc == std::errc() ? fallbackEnd : shortest));
  if (!v)
    return fallback;
  double x = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || !std::isfinite(x)) {
    addError("error: flag '" + std::string(flag) + "' expects a number, got '" + *v + "'");
    return fallback;
  }
  return x;
}

std::string Args::string(std::string_view flag, std::string_view fallback) {
  std::optional<std::string> v = take(flag, "S", std::string(fallback));
  return v ? *v : std::string(fallback);
}

std::vector<std::string> Args::rest() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < args_.size(); ++i)
    if (!taken_[i])
      out.push_back(args_[i]);
  return out;
}

} // namespace meshc::dsl
