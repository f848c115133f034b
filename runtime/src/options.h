// options.h — the command-line flags of a compiled meshc program.
#ifndef MESHRT_SRC_OPTIONS_H
#define MESHRT_SRC_OPTIONS_H

#include <cstdint>
#include <string>

namespace meshrt {

struct Options {
  int64_t steps = 10;
  uint64_t seed = 0;
  int64_t logEvery = 1;
  int threads = 0; // 0: choose (OMP_NUM_THREADS, else cores / ranks on this node)
  bool help = false;
  bool version = false; // --version: what compiled the program, the runtime, the devices
  bool profile = false; // --profile or MESHRT_PROFILE=1: per-kernel-kind times on rank 0
  bool stats = false;   // --stats or MESHRT_STATS=1: the collectives performed, on rank 0
  std::string device = "cpu";     // --device cpu|cuda
  std::string precision = "fp32"; // --precision fp32|tf32|bf16 (cuda matmuls)
  std::string comm = "auto";      // --comm auto|nccl|staged (cuda collectives)
};

// Parses argv[1..]; on failure returns false with a one-line message in *error (without the
// program-name prefix), e.g. "unknown flag '--foo' (see --help)".
bool parseOptions(int argc, char **argv, Options *out, std::string *error);

// The --help text.
std::string usage(const std::string &programName);

} // namespace meshrt

#endif // MESHRT_SRC_OPTIONS_H
