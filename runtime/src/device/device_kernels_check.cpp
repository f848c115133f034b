// Compile-time checks that the Device interface and the kernel table agree
// (device_kernels.def): every kernel of meshrt_kernels.def has one entry there, and every Device
// method an entry names exists. Nothing here runs.
#include "device/device.h"
#include "profile.h"

#include <type_traits>

namespace meshrt {
namespace {

constexpr ProfileKind kListed[] = {
#define MESHRT_DEVICE_KERNEL(Kind, method) ProfileKind::Kind,
#define MESHRT_COMM_KERNEL(Kind) ProfileKind::Kind,
#define MESHRT_HOST_KERNEL(Kind) ProfileKind::Kind,
#include "device/device_kernels.def"
};

constexpr int timesListed(ProfileKind kind) {
  int count = 0;
  for (ProfileKind listed : kListed)
    count += listed == kind;
  return count;
}

#define MESHRT_KERNEL(Kind, label, Result, function, params)                                       \
  static_assert(timesListed(ProfileKind::Kind) == 1,                                               \
                #function " must be listed once in device/device_kernels.def: with the Device "    \
                          "method that runs it, or as a communicator or host kernel");
#include "meshrt/meshrt_kernels.def"

static_assert(std::size(kListed) == static_cast<size_t>(ProfileKind::Count),
              "device/device_kernels.def lists a kernel twice");

#define MESHRT_DEVICE_KERNEL(Kind, method)                                                         \
  static_assert(std::is_member_function_pointer_v<decltype(&Device::method)>,                      \
                "Device::" #method " runs " #Kind);
#include "device/device_kernels.def"

} // namespace
} // namespace meshrt
