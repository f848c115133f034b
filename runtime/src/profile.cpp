// profile.cpp — the totals behind `--profile` (see profile.h).
#include "profile.h"

#include "device/device.h"

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
#define MESHRT_KIND_NAMES(kind, name, function) {name, function},
    MESHRT_ABI_ENTRIES(MESHRT_KIND_NAMES)
#undef MESHRT_KIND_NAMES
};
static_assert(sizeof(kEntries) / sizeof(kEntries[0]) == static_cast<size_t>(ProfileKind::Count),
              "one name per kind");
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
