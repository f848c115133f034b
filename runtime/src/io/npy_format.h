// npy_format.h — the NumPy .npy header (format versions 1.0, 2.0 and 3.0): a strict parser of
// the preamble and of the Python dict literal NumPy writes, and the writer of a v1.0 header.
//
// There is no library for the dict literal in Debian; the grammar NumPy produces is small:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }
// followed by spaces and a newline. Anything else (other keys, structured dtypes, Fortran
// order) is refused with a message that says what.
#ifndef MESHRT_SRC_IO_NPY_FORMAT_H
#define MESHRT_SRC_IO_NPY_FORMAT_H

#include "io/elem_type.h"

#include <cstdint>
#include <string>
#include <vector>

namespace meshrt::io {

// Bytes of the fixed preamble a reader needs before it knows the header's length.
constexpr int64_t kNpyPreambleBytes = 12;

// From the first min(12, file size) bytes: the offset of the data section (preamble + header
// dict). Returns "" or the problem (no file name: the caller prefixes it).
std::string parseNpyPreamble(const unsigned char *bytes, int64_t n, int64_t *dictStart,
                             int64_t *dataOffset);

// Parses the header dict (the bytes between the preamble and the data). Returns "" or the
// problem.
std::string parseNpyDict(const std::string &dict, ElemType *type, std::vector<int64_t> *shape);

// The complete header (magic, version 1.0 — 2.0 when the dict needs more than 64 KiB — length,
// dict, padding to a multiple of 64 bytes, newline) of a C-order array.
std::string formatNpyHeader(ElemType type, const std::vector<int64_t> &shape);

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_NPY_FORMAT_H
