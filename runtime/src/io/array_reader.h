// array_reader.h — one array of a data file (a NumPy .npy file or an HDF5 dataset), read by
// samples: each rank reads only the rows (samples) of its batch slice and, of each row, only
// its block of any split feature dim.
//
// The training data path (data/loader.*) opens one reader per bound input and calls read()
// from its prefetch thread; a reader is used by one thread at a time, and all HDF5 calls of the
// process happen on that thread (Debian's parallel HDF5 is not thread-safe).
#ifndef MESHRT_SRC_IO_ARRAY_READER_H
#define MESHRT_SRC_IO_ARRAY_READER_H

#include "io/elem_type.h"
#include "status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meshrt::io {

struct ArrayInfo {
  std::string spec;           // as given: "data/x.npy" or "data/train.h5:/images"
  std::vector<int64_t> shape; // dim 0: samples
  ElemType type = ElemType::F32;
  int64_t headerBytes = 0; // bytes read to learn shape and type
};

// What one rank reads: the rows `rows` (global sample indices, in the order they go to `out`;
// any order, repeats allowed) and, of each row, the block [lo[d], hi[d]) of every further dim
// d = 1..ndims-1 (lo/hi have ndims-1 entries; the whole dim is lo 0, hi shape[d]).
struct RowSelection {
  std::vector<int64_t> rows;
  std::vector<int64_t> lo, hi;
};

class ArrayReader {
public:
  virtual ~ArrayReader() = default;
  // spec: "PATH" (.npy; C order, little-endian u1/i4/i8/f4/f8) or "PATH:/DATASET" for an HDF5
  // file (the part after the last ':' that starts with '/'). Opens the file on this process
  // only and reads its header; errors name the spec and the problem: missing file, not an npy
  // or HDF5 file, Fortran order, big-endian or unsupported element type, no such dataset,
  // truncated file (the data shorter than the header says), rank 0 arrays (no sample dim).
  static Status open(const std::string &spec, std::unique_ptr<ArrayReader> *out);

  const ArrayInfo &info() const { return info_; }

  // Reads the selection into `out`, converted to `target` (F32 or I32): rows.size() x
  // prod(hi - lo) elements, row-major, rows in selection order. Reads only the selected bytes
  // (an MPI-IO file view over the rows' blocks, an HDF5 hyperslab union), in file order.
  // Errors name the spec: a row or block out of range, a read error, a value the target type
  // cannot hold (a fractional or out-of-range value into I32, naming the element's index).
  virtual Status read(const RowSelection &sel, ElemType target, void *out) = 0;

  // Bytes read from the file since open (header included): the data-path tests check that a
  // rank reads its slice and no more.
  int64_t bytesRead() const { return bytesRead_; }

protected:
  ArrayInfo info_;
  int64_t bytesRead_ = 0;
};

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_ARRAY_READER_H
