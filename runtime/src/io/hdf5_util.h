// hdf5_util.h — HDF5's error stack as one line (the library's own printing is turned off).
#ifndef MESHRT_SRC_IO_HDF5_UTIL_H
#define MESHRT_SRC_IO_HDF5_UTIL_H

#include <hdf5.h>

#include <string>

namespace meshrt::io {

// Turns off HDF5's printing of error stacks to stderr (once per process).
void quietHdf5();

// The innermost description on HDF5's error stack (the most specific one), then clears it.
std::string hdf5Error();

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_HDF5_UTIL_H
