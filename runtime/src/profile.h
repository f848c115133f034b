// profile.h — per-kernel-kind wall-time totals behind `--profile` / MESHRT_PROFILE=1.
//
// Every ABI kernel and collective opens a ProfileScope for its kind. When profiling is off the
// scope is one predictable branch on a global flag; when on, it reads steady_clock twice and
// adds to a per-kind total (kernels are called from the single step thread, so no atomics).
// meshrt_main resets the totals after the warm-up steps and prints them on rank 0 at the end.
// On a device, kernels only queue work: profiling then waits for the device at both ends of a
// scope (gProfileDevice), so each kind is charged its execution time, at the cost of overlap.
// `--trace` turns the same scopes on and also appends each call as a span (trace.h).
#ifndef MESHRT_SRC_PROFILE_H
#define MESHRT_SRC_PROFILE_H

#include <chrono>
#include <cstdint>

namespace meshrt {

class Device;

// One kind per profiled ABI entry point (MESHRT_KERNEL in meshrt/meshrt_kernels.def): its
// label is the name `--profile` prints and its function the C name that error messages give
// (abi_call.h). Forward and adjoint kernels are separate kinds, so that each line of the profile
// is one function of meshrt.h.
enum class ProfileKind : int {
#define MESHRT_KERNEL(Kind, label, Result, function, params) Kind,
#include "meshrt/meshrt_kernels.def"
  Count
};

struct ProfileTotals {
  double ms[static_cast<int>(ProfileKind::Count)] = {};
  int64_t calls[static_cast<int>(ProfileKind::Count)] = {};
};

extern bool gProfileEnabled; // the scopes time calls: --profile or --trace
extern bool gTraceEnabled;   // each call is also a span of the trace (trace.h)
extern ProfileTotals gProfile;
extern Device *gProfileDevice; // null on the CPU
void profileSynchronize();     // waits for gProfileDevice, if any

// The name --profile prints, and the C function of the entry point.
const char *profileKindName(ProfileKind kind);
const char *abiFunctionName(ProfileKind kind);

// trace.h: the call's span (declared here so that every entry point need not include trace.h).
void traceCall(ProfileKind kind, std::chrono::steady_clock::time_point begin,
               std::chrono::steady_clock::time_point end);

class ProfileScope {
public:
  explicit ProfileScope(ProfileKind kind) : kind_(kind), on_(gProfileEnabled) {
    if (on_) {
      profileSynchronize();
      start_ = std::chrono::steady_clock::now();
    }
  }
  ~ProfileScope() {
    if (!on_)
      return;
    profileSynchronize();
    const auto end = std::chrono::steady_clock::now();
    const int k = static_cast<int>(kind_);
    gProfile.ms[k] += std::chrono::duration<double, std::milli>(end - start_).count();
    ++gProfile.calls[k];
    if (gTraceEnabled)
      traceCall(kind_, start_, end);
  }
  ProfileScope(const ProfileScope &) = delete;
  ProfileScope &operator=(const ProfileScope &) = delete;

private:
  ProfileKind kind_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

} // namespace meshrt

#endif // MESHRT_SRC_PROFILE_H
