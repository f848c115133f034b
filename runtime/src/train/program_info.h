// program_info.h — what meshrt_main knows about the compiled program: its name, where it was
// compiled for and its passes. Checkpoints record the first four.
#ifndef MESHRT_SRC_TRAIN_PROGRAM_INFO_H
#define MESHRT_SRC_TRAIN_PROGRAM_INFO_H

#include "meshrt/meshrt.h"

#include <cstdint>
#include <string>

namespace meshrt {

struct ProgramInfo {
  std::string name;
  std::string mesh;   // "b=2,m=2"
  std::string layout; // "batch:b,hidden:m"
  uint64_t hash = 0;  // fingerprint of the compiled per-rank program
  meshrt_step_fn train = nullptr, eval = nullptr, predict = nullptr;
};

} // namespace meshrt

#endif // MESHRT_SRC_TRAIN_PROGRAM_INFO_H
