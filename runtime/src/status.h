// status.h — the internal error value: the ABI's status code plus a message.
//
// Internal functions return Status instead of throwing so that errors reach the context's
// sticky status without exceptions ever crossing the C ABI.
#ifndef MESHRT_SRC_STATUS_H
#define MESHRT_SRC_STATUS_H

#include "abi.h"

#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>

namespace meshrt {

struct Status {
  meshrt_status_code_t code = MESHRT_OK;
  std::string message;

  bool ok() const { return code == MESHRT_OK; }
  static Status success() { return {}; }
  static Status error(meshrt_status_code_t code, std::string message) {
    return {code, std::move(message)};
  }
};

// printf-style formatting into a std::string, for error messages.
__attribute__((format(printf, 1, 2))) inline std::string strformat(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char small[256];
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(small, sizeof(small), fmt, copy);
  va_end(copy);
  std::string out;
  if (n < 0) {
    out = fmt;
  } else if (static_cast<size_t>(n) < sizeof(small)) {
    out.assign(small, n);
  } else {
    out.resize(n + 1);
    std::vsnprintf(out.data(), n + 1, fmt, args);
    out.resize(n);
  }
  va_end(args);
  return out;
}

} // namespace meshrt

#endif // MESHRT_SRC_STATUS_H
