// options.cpp — parsing the flags of a compiled meshc program. Pure (no MPI), so every rank
// parses the same argv to the same result and the error path needs no communication.
#include "options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace meshrt {
namespace {

bool parseInt(const std::string &text, long long min, long long max, long long *out) {
  if (text.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || errno != 0 || v < min || v > max)
    return false;
  *out = v;
  return true;
}

bool parseU64(const std::string &text, uint64_t *out) {
  if (text.empty() || text[0] == '-')
    return false;
  char *end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || errno != 0)
    return false;
  *out = v;
  return true;
}

// A decimal number in [min, max].
bool parseReal(const std::string &text, double min, double max, double *out) {
  if (text.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno != 0 || !(v >= min && v <= max))
    return false;
  *out = v;
  return true;
}

// Seconds: a decimal number in [0, 10^6].
bool parseSeconds(const std::string &text, double *out) {
  if (text.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno != 0 || !(v >= 0.0 && v <= 1e6))
    return false;
  *out = v;
  return true;
}

} // namespace

// Long on purpose: one branch per flag, in --help's order, so the flags read as one table.
bool parseOptions(int argc, char **argv, Options *out, std::string *error) {
  Options opts;
  bool lrMinGiven = false, lrFactorGiven = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      opts.help = true;
      continue;
    }
    if (arg == "--version") {
      opts.version = true;
      continue;
    }
    if (arg == "--profile") {
      opts.profile = true;
      continue;
    }
    if (arg == "--stats") {
      opts.stats = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + arg + "' (see --help)";
      return false;
    }
    // Both "--steps 5" and "--steps=5".
    std::string name = arg, value;
    bool hasValue = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasValue = true;
    }
    static const char *const kValued[] = {
        "--steps",          "--seed",           "--log-every",     "--threads",
        "--device",         "--precision",      "--comm",          "--collective-timeout",
        "--epochs",         "--denormals",      "--prefetch",      "--data",
        "--eval-data",      "--eval-every",     "--predict",       "--out",
        "--save",           "--save-every",     "--load",          "--init-from",
        "--lr-warmup",      "--lr-decay",       "--lr-min-factor", "--lr-decay-factor",
        "--lr-decay-every", "--lr-scale-batch", "--trace",         "--shared-params"};
    bool known = false;
    for (const char *flag : kValued)
      known |= name == flag;
    if (!known) {
      *error = "unknown flag '" + name + "' (see --help)";
      return false;
    }
    if (!hasValue) {
      if (i + 1 >= argc) {
        *error = "missing value for " + name + " (see --help)";
        return false;
      }
      value = argv[++i];
    }
    long long v = 0;
    bool good = true;
    if (name == "--steps") {
      good = parseInt(value, 0, int64_t{1} << 40, &v);
      opts.steps = v;
      opts.stepsGiven = true;
    } else if (name == "--epochs") {
      good = parseInt(value, 1, int64_t{1} << 30, &v);
      opts.epochs = v;
    } else if (name == "--eval-every") {
      good = parseInt(value, 1, int64_t{1} << 40, &v);
      opts.evalEvery = v;
    } else if (name == "--save-every") {
      good = parseInt(value, 1, int64_t{1} << 40, &v);
      opts.saveEvery = v;
    } else if (name == "--data" || name == "--eval-data" || name == "--predict" ||
               name == "--out" || name == "--save" || name == "--load" || name == "--init-from") {
      good = !value.empty();
      std::string *field = name == "--data"        ? &opts.data
                           : name == "--eval-data" ? &opts.evalData
                           : name == "--predict"   ? &opts.predict
                           : name == "--out"       ? &opts.out
                           : name == "--save"      ? &opts.save
                           : name == "--load"      ? &opts.load
                                                   : &opts.initFrom;
      *field = value;
    } else if (name == "--trace") {
      good = !value.empty();
      opts.trace = value;
    } else if (name == "--lr-warmup") {
      good = parseInt(value, 1, int64_t{1} << 40, &v);
      opts.lrWarmup = v;
    } else if (name == "--lr-decay") {
      good = value == "none" || value == "cosine" || value == "step";
      opts.lrDecay = value;
    } else if (name == "--lr-min-factor") {
      good = parseReal(value, 0.0, 1.0, &opts.lrMinFactor);
      lrMinGiven = true;
    } else if (name == "--lr-decay-factor") {
      good = parseReal(value, 0.0, 1.0, &opts.lrDecayFactor) && opts.lrDecayFactor > 0.0;
      lrFactorGiven = true;
    } else if (name == "--lr-decay-every") {
      good = parseInt(value, 1, int64_t{1} << 40, &v);
      opts.lrDecayEvery = v;
    } else if (name == "--lr-scale-batch") {
      good = parseInt(value, 1, int64_t{1} << 40, &v);
      opts.lrScaleBatch = v;
    } else if (name == "--log-every") {
      good = parseInt(value, 1, int64_t{1} << 40, &v);
      opts.logEvery = v;
    } else if (name == "--threads") {
      good = parseInt(value, 1, 4096, &v);
      opts.threads = static_cast<int>(v);
    } else if (name == "--seed") {
      good = parseU64(value, &opts.seed);
    } else if (name == "--device") {
      good = value == "cpu" || value == "cuda";
      opts.device = value;
    } else if (name == "--precision") {
      good = value == "fp32" || value == "tf32" || value == "bf16";
      opts.precision = value;
    } else if (name == "--comm") {
      good = value == "auto" || value == "nccl" || value == "staged";
      opts.comm = value;
    } else if (name == "--prefetch") {
      good = value == "on" || value == "off" || value == "auto";
      opts.prefetch = value;
    } else if (name == "--shared-params") {
      good = value == "on" || value == "off";
      opts.sharedParams = value == "on";
    } else if (name == "--denormals") {
      good = value == "flush" || value == "keep";
      opts.flushDenormals = value == "flush";
    } else if (name == "--collective-timeout") {
      good = parseSeconds(value, &opts.collectiveTimeout);
    }
    if (!good) {
      *error = "invalid value '" + value + "' for " + name + " (see --help)";
      return false;
    }
  }
  // Combinations that cannot mean anything.
  auto refuse = [&](const std::string &why) {
    *error = why + " (see --help)";
    return false;
  };
  if (opts.stepsGiven && opts.epochs > 0)
    return refuse("--steps and --epochs both given: choose one");
  if (opts.epochs > 0 && opts.data.empty())
    return refuse("--epochs needs --data (an epoch is one pass over its samples)");
  if (opts.evalEvery > 0 && opts.evalData.empty())
    return refuse("--eval-every needs --eval-data");
  if (opts.saveEvery > 0 && opts.save.empty())
    return refuse("--save-every needs --save DIR");
  if (!opts.load.empty() && !opts.initFrom.empty())
    return refuse("--load and --init-from both given: --load resumes a run, --init-from starts "
                  "one from given parameters");
  if (opts.lrDecay == "step" && opts.lrDecayEvery == 0)
    return refuse("--lr-decay step needs --lr-decay-every N");
  if (opts.lrDecay != "step" && (opts.lrDecayEvery > 0 || lrFactorGiven))
    return refuse("--lr-decay-every and --lr-decay-factor belong to --lr-decay step");
  if (opts.lrDecay != "cosine" && lrMinGiven)
    return refuse("--lr-min-factor belongs to --lr-decay cosine");
  if (!opts.predict.empty()) {
    if (opts.out.empty())
      return refuse("--predict needs --out FILE.npy");
    if (!opts.data.empty() || !opts.evalData.empty() || !opts.save.empty())
      return refuse("--predict runs no training: it takes no --data, --eval-data or --save");
  } else if (!opts.out.empty()) {
    return refuse("--out is where --predict writes; there is no --predict");
  }
  *out = opts;
  return true;
}

std::string usage(const std::string &programName) {
  return "usage: mpirun -n <ranks> " + programName +
         " [flags]\n"
         "  --steps N       the step to train up to (default 10; with --data one epoch)\n"
         "  --epochs N      train N passes over the --data samples (the last partial batch\n"
         "                  of each epoch is dropped)\n"
         "  --seed S        seed of parameter initialisation, data order and synthetic\n"
         "                  data (default 0)\n"
         "  --log-every K   print the loss every K steps (default 1, 100 with --data; the\n"
         "                  last step always)\n"
         "data (NAME is an input of the program; FILE is FILE.npy or FILE.h5:/dataset, dim 0\n"
         "the sample, u8/i32/i64/f32/f64 converted to the input's type; without --data the\n"
         "inputs get synthetic data):\n"
         "  --data NAME=FILE[,NAME=FILE...]\n"
         "                  training data, shuffled per epoch from --seed\n"
         "  --eval-data NAME=FILE[,...]\n"
         "                  evaluation set: a forward pass over all of it prints\n"
         "                  'eval step N loss X METRIC Y ...' on rank 0\n"
         "  --eval-every N  evaluate every N steps (default: after each epoch and the run)\n"
         "  --predict NAME=FILE[,...] --out FILE.npy\n"
         "                  no training: write the program's outputs for every sample, in\n"
         "                  sample order (use with --load or --init-from)\n"
         "checkpoints (one safetensors file of global tensors, loadable on any mesh):\n"
         "  --save DIR      write DIR/model.safetensors at the end of the run (atomically)\n"
         "  --save-every N  ... and every N steps\n"
         "  --load PATH     resume from a checkpoint (DIR or FILE): parameters, optimizer\n"
         "                  state and step; train on up to --steps\n"
         "  --init-from FILE\n"
         "                  start from the parameters of FILE.safetensors (optimizer state\n"
         "                  zero, step 0), e.g. written with NumPy\n"
         "learning-rate schedule (a factor on the compiled learning rate at each step, a\n"
         "function of the step and the run's last step, so a resumed run keeps its curve):\n"
         "  --lr-warmup N   linear warmup: factor (step + 1) / N for steps 0..N-1\n"
         "  --lr-decay D    after the warmup: none (default), cosine (from 1 down to\n"
         "                  --lr-min-factor F at the run's last step; F default 0) or step\n"
         "                  (x --lr-decay-factor F, default 0.1, every --lr-decay-every N\n"
         "                  steps after the warmup)\n"
         "  --lr-scale-batch B0\n"
         "                  linear scaling rule (Goyal et al. 2017): x global batch / B0\n"
         "  --prefetch P    read the next batch on a thread while a step computes: on, off\n"
         "                  or auto (default: on where the node has a core to spare, cores >\n"
         "                  ranks x threads; a starved reader slows every step)\n"
         "run:\n"
         "  --threads T     threads per rank (default: OMP_NUM_THREADS, else cores / ranks\n"
         "                  on this node)\n"
         "  --device D      cpu (default) or cuda: kernels, buffers and collectives on the\n"
         "                  GPU numbered local rank modulo the GPUs of the node\n"
         "  --precision P   matmul inputs: fp32 (default), tf32 or bf16, fp32 accumulation\n"
         "                  always; on the CPU bf16 runs oneDNN's bf16 matmul and tf32 is\n"
         "                  exact fp32 (CPUs have no tf32 arithmetic)\n"
         "  --denormals D   flush (default): CPU arithmetic flushes denormal floats to zero\n"
         "                  (FTZ and DAZ, as TensorFlow does; tiny gradients and Adam\n"
         "                  moments otherwise fall into microcode, 2x slower steps seen);\n"
         "                  keep: IEEE gradual underflow\n"
         "  --comm C        cuda collectives: auto (default: staged when ranks share a GPU,\n"
         "                  else nccl), nccl, or staged (MPI on host copies); with nccl the\n"
         "                  started all_reduces run on the communication stream beside the\n"
         "                  kernels, staged runs them blocking at their start\n"
         "  --shared-params S\n"
         "                  on (default): parameters that the data-parallel ranks of one\n"
         "                  node update together (meshc-share-updates) are stored once per\n"
         "                  node and updated in place by every rank's weight-gradient GEMM,\n"
         "                  no gradient all_reduce; off: each rank keeps its own copy and\n"
         "                  all-reduces the gradient (as across nodes and on GPUs)\n"
         "  --collective-timeout S\n"
         "                  end the job when one collective has waited S seconds (default\n"
         "                  300; 0: never), naming the collective, its source line and the\n"
         "                  ranks that did not arrive\n"
         "  --profile       time every runtime call by kind (matmul, allreduce, ...) after\n"
         "                  the warm-up steps and print per-step totals on rank 0\n"
         "                  (also MESHRT_PROFILE=1)\n"
         "  --stats         record every collective the run performs (kind, mesh axes, bytes)\n"
         "                  and print one step's list on rank 0, in the format of meshc\n"
         "                  --explain, with a check that every step and rank matched\n"
         "                  (also MESHRT_STATS=1)\n"
         "  --trace FILE.json\n"
         "                  write each rank's timeline as a Chrome/Perfetto trace to FILE with\n"
         "                  .rankN before its extension (run.json: run.rank0.json, ...): every\n"
         "                  runtime call a span named as --profile names it, collectives on\n"
         "                  their own track with bytes, mesh axes, number and DSL line, one\n"
         "                  span per step (also MESHRT_TRACE=FILE.json)\n"
         "  --version       print the meshc version that compiled the program, the runtime\n"
         "                  library it loaded (version and path) and the devices it supports\n"
         "  --help          print this text\n"
         "Every rank must get the same flags except --log-every, --threads, --profile,\n"
         "--stats and --trace (checked at start-up).\n";
}

std::vector<std::pair<std::string, std::string>> agreedFlags(const Options &opts) {
  char timeout[32];
  std::snprintf(timeout, sizeof(timeout), "%g", opts.collectiveTimeout);
  auto real = [](double v) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.17g", v);
    return std::string(text);
  };
  return {{"--steps", std::to_string(opts.steps)},
          {"--seed", std::to_string(opts.seed)},
          {"--device", opts.device},
          {"--precision", opts.precision},
          {"--comm", opts.comm},
          {"--collective-timeout", timeout},
          {"--denormals", opts.flushDenormals ? "flush" : "keep"},
          {"--shared-params", opts.sharedParams ? "on" : "off"},
          {"--epochs", std::to_string(opts.epochs)},
          {"--data", opts.data},
          {"--eval-data", opts.evalData},
          {"--eval-every", std::to_string(opts.evalEvery)},
          {"--predict", opts.predict},
          {"--out", opts.out},
          {"--save", opts.save},
          {"--save-every", std::to_string(opts.saveEvery)},
          {"--load", opts.load},
          {"--init-from", opts.initFrom},
          {"--lr-warmup", std::to_string(opts.lrWarmup)},
          {"--lr-decay", opts.lrDecay},
          {"--lr-min-factor", real(opts.lrMinFactor)},
          {"--lr-decay-factor", real(opts.lrDecayFactor)},
          {"--lr-decay-every", std::to_string(opts.lrDecayEvery)},
          {"--lr-scale-batch", std::to_string(opts.lrScaleBatch)}};
}

} // namespace meshrt
