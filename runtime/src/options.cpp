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

bool parseOptions(int argc, char **argv, Options *out, std::string *error) {
  Options opts;
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
    bool known = name == "--steps" || name == "--seed" || name == "--log-every" ||
                 name == "--threads" || name == "--device" || name == "--precision" ||
                 name == "--comm" || name == "--collective-timeout";
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
    } else if (name == "--collective-timeout") {
      good = parseSeconds(value, &opts.collectiveTimeout);
    }
    if (!good) {
      *error = "invalid value '" + value + "' for " + name + " (see --help)";
      return false;
    }
  }
  *out = opts;
  return true;
}

std::string usage(const std::string &programName) {
  return "usage: mpirun -n <ranks> " + programName +
         " [flags]\n"
         "  --steps N       training steps to run (default 10)\n"
         "  --seed S        seed of parameter initialisation and synthetic data (default 0)\n"
         "  --log-every K   print the loss every K steps (default 1; the last step always)\n"
         "  --threads T     threads per rank (default: OMP_NUM_THREADS, else cores / ranks\n"
         "                  on this node)\n"
         "  --device D      cpu (default) or cuda: kernels, buffers and collectives on the\n"
         "                  GPU numbered local rank modulo the GPUs of the node\n"
         "  --precision P   matmul inputs: fp32 (default), tf32 or bf16, fp32 accumulation\n"
         "                  always; on the CPU bf16 runs oneDNN's bf16 matmul and tf32 is\n"
         "                  exact fp32 (CPUs have no tf32 arithmetic)\n"
         "  --comm C        cuda collectives: auto (default: staged when ranks share a GPU,\n"
         "                  else nccl), nccl, or staged (MPI on host copies)\n"
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
         "  --version       print the meshc version that compiled the program, the runtime\n"
         "                  library it loaded (version and path) and the devices it supports\n"
         "  --help          print this text\n"
         "Every rank must get the same --steps, --seed, --device, --precision, --comm and\n"
         "--collective-timeout (checked at start-up).\n";
}

std::vector<std::pair<std::string, std::string>> agreedFlags(const Options &opts) {
  char timeout[32];
  std::snprintf(timeout, sizeof(timeout), "%g", opts.collectiveTimeout);
  return {{"--steps", std::to_string(opts.steps)},
          {"--seed", std::to_string(opts.seed)},
          {"--device", opts.device},
          {"--precision", opts.precision},
          {"--comm", opts.comm},
          {"--collective-timeout", timeout}};
}

} // namespace meshrt
