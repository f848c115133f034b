// options.h — the command-line flags of a compiled meshc program.
#ifndef MESHRT_SRC_OPTIONS_H
#define MESHRT_SRC_OPTIONS_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace meshrt {

struct Options {
  int64_t steps = 10;
  bool stepsGiven = false; // --steps on the command line (else: 10, or --epochs of the data)
  int64_t epochs = 0;      // --epochs N: N passes over the --data samples (0: not given)
  uint64_t seed = 0;
  int64_t logEvery = 0; // 0: every step on synthetic data, every 100 with --data
  // Data files bound to the program's inputs, "x=train_x.npy,y=train.h5:/labels" (empty: none).
  std::string data;      // --data: training batches (else synthetic data)
  std::string evalData;  // --eval-data: the evaluation set
  int64_t evalEvery = 0; // --eval-every N: evaluate every N steps (0: each epoch and the end)
  std::string predict;   // --predict: run the forward pass over these inputs, write --out
  std::string out;       // --out FILE.npy: where --predict writes the outputs
  // Checkpoints: a directory holding model.safetensors.
  std::string save; // --save DIR: written at the end (and every --save-every steps)
  int64_t saveEvery = 0;
  std::string load;     // --load DIR|FILE: restore parameters, optimizer state and step
  std::string initFrom; // --init-from FILE.safetensors: parameters only, then train from 0
  // The learning-rate schedule (train/lr_schedule.h): a factor on the compiled learning rate.
  int64_t lrWarmup = 0;         // --lr-warmup N: linear from 1/N to 1 over steps 0..N-1
  std::string lrDecay = "none"; // --lr-decay none|cosine|step
  double lrMinFactor = 0.0;     // --lr-min-factor F: cosine's factor at the last step
  double lrDecayFactor = 0.1;   // --lr-decay-factor F: step decay's factor ...
  int64_t lrDecayEvery = 0;     // --lr-decay-every N: ... every N steps after the warmup
  int64_t lrScaleBatch = 0;     // --lr-scale-batch B0: x global batch / B0 (0: off)
  int threads = 0;              // 0: choose (OMP_NUM_THREADS, else cores / ranks on this node)
  bool help = false;
  bool version = false;           // --version: what compiled the program, the runtime, the devices
  bool profile = false;           // --profile or MESHRT_PROFILE=1: per-kernel-kind times on rank 0
  bool stats = false;             // --stats or MESHRT_STATS=1: the collectives performed, on rank 0
  std::string device = "cpu";     // --device cpu|cuda
  std::string precision = "fp32"; // --precision fp32|tf32|bf16 (cuda matmuls)
  std::string comm = "auto";      // --comm auto|nccl|staged (cuda collectives)
  double collectiveTimeout = 300; // --collective-timeout S: seconds one collective may wait; 0 off
  // --denormals flush|keep: flush-to-zero and denormals-are-zero on the CPU (x86 MXCSR) in
  // every thread of the rank, or IEEE gradual underflow.
  bool flushDenormals = true;
  // --shared-params on|off: node-shared storage for the parameters meshrt_alloc_shared allocates.
  bool sharedParams = true;
  // --prefetch on|off|auto: read the next batch on a thread while a step computes; auto (the
  // default) where the node has a core to spare for it (meshrt_main sets prefetchOn).
  std::string prefetch = "auto";
  bool prefetchOn = false;
  // --trace FILE.json or MESHRT_TRACE=FILE.json: each rank's timeline (trace.h).
  std::string trace;
};

// The flags every rank must be started with (meshrt_main compares them at start-up): the number
// of steps (a rank that stops early leaves the others waiting), the seed (replicas would start
// from different parameters), the device, matmul precision and collective path (ranks would
// run different collective implementations or numerics), and the collective timeout (a rank
// without the watchdog cannot answer the others'). Not compared: --log-every, --profile (rank
// 0's printing), --threads (a per-node choice), --stats (on anywhere means on everywhere),
// --trace (each rank writes its own file).
// Each entry is the flag and its value as text; equal texts mean equal settings.
std::vector<std::pair<std::string, std::string>> agreedFlags(const Options &opts);

// Parses argv[1..]; on failure returns false with a one-line message in *error (without the
// program-name prefix), e.g. "unknown flag '--foo' (see --help)".
bool parseOptions(int argc, char **argv, Options *out, std::string *error);

// The --help text.
std::string usage(const std::string &programName);

} // namespace meshrt

#endif // MESHRT_SRC_OPTIONS_H
