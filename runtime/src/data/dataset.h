// dataset.h — files bound to a program's inputs (one flag's bindings), checked to fit them:
// each file's dim 0 counts samples (the same count in every file), its other dims are exactly
// the input's per-sample dims, its element type converts to the input's.
#ifndef MESHRT_SRC_DATA_DATASET_H
#define MESHRT_SRC_DATA_DATASET_H

#include "data/bindings.h"
#include "io/array_reader.h"
#include "program/program_tensors.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace meshrt {

class Dataset {
public:
  // Opens every bound file (its header only) on this rank. Collective over the world: every
  // rank returns the same status. Errors name the flag, the file and the input, e.g.
  //   --data: x.npy has samples of shape [28, 28] but input 'x' takes [784]
  static Status open(const std::string &flag, const std::vector<Binding> &bindings,
                     const Context &ctx, std::unique_ptr<Dataset> *out);

  const std::string &flag() const { return flag_; }
  int64_t samples() const { return samples_; }
  // The reader of input `id`, or null where the input is not bound.
  io::ArrayReader *reader(int32_t inputId) const;
  // Bytes this rank has read from all the files (headers included).
  int64_t bytesRead() const;

  // Reads this rank's block of input t for a batch whose j-th sample is `batch[j]` (global
  // sample indices; batch.size() is the input's global batch) into host memory `out`
  // (t.localBytes()), converted to the input's type.
  Status readBlock(const ProgramTensor &t, const std::vector<int64_t> &batch, void *out);

private:
  std::string flag_;
  int64_t samples_ = 0;
  std::vector<std::unique_ptr<io::ArrayReader>> readers_; // by input id; null: not bound
};

} // namespace meshrt

#endif // MESHRT_SRC_DATA_DATASET_H
