// tensor_file.h — global tensors written and read in slices by all ranks at once: checkpoints
// (safetensors) and prediction outputs (.npy).
//
// Every function here is collective over `comm` and returns the same status on every rank (a
// rank's failure is agreed before anyone continues), so a bad file never leaves some ranks
// waiting. Each rank passes, per tensor, its slice (data/slice_desc.h: the global shape, its
// block's offset and extent) of host memory; `writer` false means another rank writes this
// slice (a replica), so every byte of the file is written once.
#ifndef MESHRT_SRC_IO_TENSOR_FILE_H
#define MESHRT_SRC_IO_TENSOR_FILE_H

#include "data/slice_desc.h"
#include "io/elem_type.h"
#include "status.h"

#include <mpi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace meshrt::io {

struct SliceOut {
  std::string name; // the tensor's name in the file
  ElemType type = ElemType::F32;
  Slice slice;                // global shape and this rank's block
  const void *data = nullptr; // the block, row-major over slice.local
  bool writer = true;
};

struct SliceIn {
  std::string name;
  ElemType type = ElemType::F32; // converted to this on read (F32 or I32)
  Slice slice;                   // the expected global shape and this rank's block
  void *data = nullptr;
};

using Metadata = std::map<std::string, std::string>;

// Writes `path` (a .safetensors file: tensors in the order given, metadata as "__metadata__")
// atomically: the data goes to a temporary file beside it, written in parallel (MPI-IO, each
// rank its blocks), synced and renamed over `path` by one rank, then the directory is synced.
// A crash at any moment leaves either the old file or the new one, both complete.
Status saveSafetensors(MPI_Comm comm, const std::string &path, const std::vector<SliceOut> &tensors,
                       const Metadata &metadata);

// A safetensors file's table of contents: names, element types, global shapes, metadata.
struct TensorEntry {
  std::string name;
  ElemType type = ElemType::F32;
  std::vector<int64_t> shape;
  int64_t begin = 0, end = 0; // byte range within the data section
};
struct SafetensorsIndex {
  std::vector<TensorEntry> tensors;
  Metadata metadata;
  int64_t dataStart = 0; // file offset of the data section (8 + header length)
};

// Reads and checks the header (JSON through a JSON library: every offset inside the file, byte
// ranges that match the shapes and types). Errors name the file: missing, truncated, corrupt
// header, unsupported dtype.
Status readSafetensorsIndex(MPI_Comm comm, const std::string &path, SafetensorsIndex *out);

// Reads each rank's blocks of the named tensors, converted to each SliceIn's type. Errors name
// the tensor and the file: missing name, global shape other than expected, a type that cannot be
// converted, a read error.
Status loadSafetensors(MPI_Comm comm, const std::string &path, const std::vector<SliceIn> &tensors,
                       SafetensorsIndex *index = nullptr);

// A .npy file of shape `shape` written block by block (prediction output, one batch after
// another): create() truncates a temporary file beside `path` and writes the header, write()
// writes each rank's block (collective), commit() syncs and renames it to `path`. Destroying
// an uncommitted writer removes the temporary file.
class NpyWriter {
public:
  static Status create(MPI_Comm comm, const std::string &path, ElemType type,
                       const std::vector<int64_t> &shape, std::unique_ptr<NpyWriter> *out);
  virtual ~NpyWriter() = default;
  // `slice.global` must be the file's shape; slice.offset/local give this rank's block.
  virtual Status write(const Slice &slice, const void *data, bool writer) = 0;
  virtual Status commit() = 0;
};

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_TENSOR_FILE_H
