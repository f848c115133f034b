// hdf5_util.cpp — see hdf5_util.h.
#include "io/hdf5_util.h"

#include <mutex>

namespace meshrt::io {

void quietHdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

namespace {
herr_t firstDesc(unsigned n, const H5E_error2_t *err, void *data) {
  auto *out = static_cast<std::string *>(data);
  if (n == 0 && err->desc)
    *out = err->desc;
  return 0;
}
} // namespace

std::string hdf5Error() {
  std::string desc;
  // Upward: from the function that detected the error to the API call.
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, firstDesc, &desc);
  H5Eclear2(H5E_DEFAULT);
  return desc.empty() ? "HDF5 error" : desc;
}

} // namespace meshrt::io
