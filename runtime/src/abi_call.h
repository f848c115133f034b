// abi_call.h — the prologue every ABI kernel and collective runs before it touches memory.
//
// An AbiCall names its entry point by its profile kind (meshrt_kernels.def gives the C
// function's name), times the call for --profile, finds the context and checks the arguments;
// its run() then sends the call to the context's device or to the CPU kernel. So an entry point
// is its checks, its Device call and its CPU kernel:
//   AbiCall call(handle, ProfileKind::Fill, {{"n", n}});
//   if (!call.fits({n}, 4))
//     return;
//   call.run([&](Device &dev) { return dev.fill(n, out, value); },
//            [&](Context *ctx) { std::fill(out, out + n, value); });
//
// Generated code passes sizes that the compiler computed, and a size whose element or byte
// count wraps int64 would turn into a heap overflow deep inside oneDNN, MPI or a loop. So each
// entry point opens an AbiCall with the sizes it was handed: it finds the active context (none,
// or one that already failed: the call is a no-op), rejects negative sizes, and its checks
// reject counts, byte counts and strided offsets that overflow int64, all with one message
// format that names the call and every size:
//   meshrt_matmul(batch=1, m=-2, n=4, k=8): m is negative
//   meshrt_matmul(batch=1, m=4294967296, n=4294967296, k=8): 1 x 4294967296 x 4294967296
//       elements of 4 bytes overflow int64
// A failed check records MESHRT_INVALID_ARGUMENT in the context (the sticky status); every
// later check of the call then fails too, so a call site is one chain of `&&`.
#ifndef MESHRT_SRC_ABI_CALL_H
#define MESHRT_SRC_ABI_CALL_H

#include "context.h"
#include "device/device.h"
#include "profile.h"

#include <cstdint>
#include <initializer_list>
#include <string>

namespace meshrt {

struct Slice;

// An integer argument of an ABI call, by the name the C ABI gives it: a size (checked to be
// >= 0) or, with signedOk, a value that may be negative (a mesh axis, -1 for none).
struct NamedSize {
  const char *name;
  int64_t value;
  bool signedOk = false;
};

// *out = a * b; false where that overflows int64.
inline bool checkedMul(int64_t a, int64_t b, int64_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

class AbiCall {
public:
  // Sizes beyond this many are checked but not named in messages.
  static constexpr int kMaxNamed = 12;

  AbiCall(meshrt_context_t handle, ProfileKind kind, std::initializer_list<NamedSize> sizes = {});

  // The context, or null where there is none, it had failed before, or a check of this call
  // failed.
  Context *ctx() const { return ok_ ? ctx_ : nullptr; }
  bool ok() const { return ok_; }

  // The product of `factors` (each >= 0) times elemBytes fits int64, so every byte offset into
  // a tensor of that many elements does; *elements (if given) receives the product.
  bool fits(std::initializer_list<int64_t> factors, int64_t elemBytes, int64_t *elements = nullptr);
  // A shape array: 0 <= ndims <= kMaxDims, not null when ndims > 0, every dim >= 0, and the
  // element count times elemBytes fits int64.
  bool shape(const char *what, int32_t ndims, const int64_t *dims, int64_t elemBytes,
             int64_t *elements = nullptr);
  // Strides (in elements) of an operand walked over `dims` (already checked by shape()): each
  // >= 0 and the largest offset times elemBytes fits int64; with limit >= 0, the largest offset
  // is also below limit (the operand's element count) whenever the walk is not empty.
  bool strides(const char *what, int32_t ndims, const int64_t *dims, const int64_t *strides,
               int64_t elemBytes, int64_t limit = -1);
  // This rank's slice of a distributed tensor (data/slice.h): the global shape as by shape(),
  // the dims' mesh axes exist, are used once and divide their dims.
  bool slice(int32_t ndims, const int64_t *globalShape, const int32_t *dimAxes, Slice *out);
  // Any other condition on the arguments; records "<call>(<sizes>): <why>" when false.
  __attribute__((format(printf, 3, 4))) bool require(bool condition, const char *fmt, ...);

  // The rest of every entry point, after its own checks: nothing when a check failed or the
  // context had failed before; on a device, the Device method (`onDevice(Device &)` returns its
  // Status, recorded in the context); else the CPU kernel, `onCpu(Context *)`.
  template <typename OnDevice, typename OnCpu> void run(OnDevice &&onDevice, OnCpu &&onCpu) {
    Context *context = ctx();
    if (!context)
      return;
    if (Device *dev = context->device()) {
      context->check(onDevice(*dev));
      return;
    }
    onCpu(context);
  }

private:
  bool fail(std::string why);
  std::string shapeText(int32_t ndims, const int64_t *dims) const;

  ProfileScope profile_; // first: the whole call is timed
  Context *ctx_;
  const char *name_;
  NamedSize named_[kMaxNamed];
  int numNamed_ = 0;
  bool ok_;
};

} // namespace meshrt

#endif // MESHRT_SRC_ABI_CALL_H
