// program_tensors.h — the global tensors a compiled program registers with the runtime
// (meshrt_register_tensor): what the data, checkpoint, evaluation and prediction paths read and
// write between passes, and where inputs get their data (meshrt_input).
#ifndef MESHRT_SRC_PROGRAM_PROGRAM_TENSORS_H
#define MESHRT_SRC_PROGRAM_PROGRAM_TENSORS_H

#include "abi.h" // the C ABI with default visibility: first, before any other include of it
#include "data/slice_desc.h"
#include "io/elem_type.h"
#include "status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace meshrt {

class Context;

struct ProgramTensor {
  int32_t id = 0;
  meshrt_role_t role = MESHRT_ROLE_INPUT;
  std::string name;
  meshrt_dtype_t dtype = MESHRT_DTYPE_F32;
  std::vector<int32_t> dimAxes; // per dim: mesh axis or -1
  Slice slice;                  // global shape and this rank's block
  void *buffer = nullptr;       // the program's buffer (device memory on a device)
  int32_t syntheticKind = MESHRT_SYNTHETIC_FEATURES; // inputs without a bound file
  int32_t classes = 0;

  int64_t localBytes() const { return slice.localCount() * 4; }
  // The element type of its buffer, as the file formats name it.
  io::ElemType elemType() const {
    return dtype == MESHRT_DTYPE_I32 ? io::ElemType::I32 : io::ElemType::F32;
  }
  // True where this rank's block is the one to write for the global tensor: its coordinate is
  // 0 along every mesh axis the tensor is not split on (one writer per distinct block).
  bool writesBlock(const Context &ctx) const;
};

// Where meshrt_input gets an input's batch when a file is bound to it (data/loader.*). Not
// bound: synthetic data.
class InputSource {
public:
  virtual ~InputSource() = default;
  // Whether this source provides input `t` in the running pass.
  virtual bool binds(const ProgramTensor &t) const = 0;
  // Fills t.buffer with this rank's block of the current batch.
  virtual Status fill(Context &ctx, const ProgramTensor &t) = 0;
};

} // namespace meshrt

#endif // MESHRT_SRC_PROGRAM_PROGRAM_TENSORS_H
