// profile.cpp — the totals behind `--profile` (see profile.h).
#include "profile.h"

#include "device/device.h"

#include "meshrt/meshrt.h"

#include <type_traits>

namespace meshrt {

bool gProfileEnabled = false;
ProfileTotals gProfile;
Device *gProfileDevice = nullptr;

void profileSynchronize() {
  if (gProfileDevice)
    gProfileDevice->synchronize(); // an error here resurfaces at the step's status check
}

namespace {
struct EntryNames {
  const char *kind, *function;
};
constexpr EntryNames kEntries[] = {
#define MESHRT_KERNEL(Kind, label, Result, function, params) {label, #function},
#include "meshrt/meshrt_kernels.def"
};
static_assert(sizeof(kEntries) / sizeof(kEntries[0]) == static_cast<size_t>(ProfileKind::Count),
              "one name per kind");

// Every entry of the kernel table is declared in meshrt.h with exactly the table's type (the
// compiler's declarations come from the table, so this keeps generated code and libmeshrt in
// step; a function meshrt.h lacks is a compile error here).
#define MESHRT_KERNEL(Kind, label, Result, function, params)                                       \
  static_assert(std::is_same_v<decltype(function), Result params>,                                 \
                #function " differs between meshrt.h and meshrt_kernels.def");
#define MESHRT_ENTRY(Kind, Result, function, params)                                               \
  MESHRT_KERNEL(Kind, "", Result, function, params)
#include "meshrt/meshrt_kernels.def"
} // namespace

const char *profileKindName(ProfileKind kind) {
  const int k = static_cast<int>(kind);
  return k >= 0 && k < static_cast<int>(ProfileKind::Count) ? kEntries[k].kind : "?";
}

const char *abiFunctionName(ProfileKind kind) {
  const int k = static_cast<int>(kind);
  return k >= 0 && k < static_cast<int>(ProfileKind::Count) ? kEntries[k].function : "?";
}

} // namespace meshrt
