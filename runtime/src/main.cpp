// main.cpp — meshrt_main: the whole life of a compiled meshc executable.
//
// Order matters: process-wide tuning before MPI_Init (MCA parameters are read there, malloc
// options must precede the big allocations), flags and start-up checks after it (only rank 0
// prints, every rank takes the same exit path, so a bad start never hangs), then init, the step
// loop with a status check after every step, and the summary.
#include "abi.h"
#include "comm/mpi_comm.h"
#include "context.h"
#include "options.h"
#include "profile.h"
#include "stats.h"
#include "trace.h"
#include "train/run.h"
#include "version.h"
#include "watchdog.h"

#include <malloc.h>
#include <mpi.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace meshrt {
namespace {

// Measured on the target machines (TOOLCHAIN.md): Open MPI's single-copy mechanism and glibc
// returning freed buffers to the OS make large collectives 1.5-7x slower.
void tuneProcess() {
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", /*overwrite=*/0);
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

// Denormal floats (below 2^-126) take a microcode path on x86, tens of times slower: training
// drifts into them (tiny gradients, Adam's second moments), and steps got ~2x slower over a
// Fashion-MNIST run (bench/README.md). FTZ and DAZ in MXCSR make them zero; threads created
// later (OpenMP's, the prefetch and watchdog threads) inherit the setting from this one.
void setDenormals(bool flush) {
#if defined(__x86_64__) || defined(__i386__)
  constexpr unsigned kFtzDaz = 0x8040; // flush-to-zero (bit 15), denormals-are-zero (bit 6)
  const unsigned csr = __builtin_ia32_stmxcsr();
  __builtin_ia32_ldmxcsr(flush ? csr | kFtzDaz : csr & ~kFtzDaz);
#else
  (void)flush;
#endif
}

int ranksOnThisNode() {
  int localRank = 0, localSize = 1;
  nodePlacement(&localRank, &localSize);
  return localSize;
}

// Threads per rank: the flag, else OMP_NUM_THREADS (already applied by the OpenMP runtime),
// else the cores shared out among the ranks on this node so that ranks do not oversubscribe.
int configureThreads(int requested) {
  int threads = requested;
  if (threads <= 0) {
    if (std::getenv("OMP_NUM_THREADS"))
      return omp_get_max_threads();
    int cores = static_cast<int>(std::thread::hardware_concurrency());
    threads = std::max(1, cores / std::max(1, ranksOnThisNode()));
  }
  omp_set_num_threads(threads);
  return threads;
}

double medianMs(std::vector<double> times) {
  if (times.empty())
    return 0.0;
  std::sort(times.begin(), times.end());
  size_t n = times.size();
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

// An embedder (a test harness, a Python host) may have started MPI itself; then it also ends it.
bool ownsMpi = true;

int finish(int code) {
  if (ownsMpi)
    MPI_Finalize();
  return code;
}

// The value Open MPI actually uses for an MCA variable (through the MPI tool interface), so that
// `--profile` shows whether tuneProcess()'s settings took effect; "?" where it cannot tell.
std::string mcaValue(const char *name) {
  int provided = 0, index = -1;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS)
    return "?";
  std::string value = "?";
  if (MPI_T_cvar_get_index(name, &index) == MPI_SUCCESS) {
    char cname[256], desc[1];
    int nameLen = sizeof(cname), descLen = 0, verbosity = 0, bind = 0, scope = 0;
    MPI_Datatype type;
    MPI_T_enum enumType = MPI_T_ENUM_NULL;
    MPI_T_cvar_handle handle;
    int count = 0;
    if (MPI_T_cvar_get_info(index, cname, &nameLen, &verbosity, &type, &enumType, desc, &descLen,
                            &bind, &scope) == MPI_SUCCESS &&
        type == MPI_INT &&
        MPI_T_cvar_handle_alloc(index, nullptr, &handle, &count) == MPI_SUCCESS) {
      int v = 0;
      if (MPI_T_cvar_read(handle, &v) == MPI_SUCCESS) {
        value = std::to_string(v);
        int items = 0;
        if (enumType != MPI_T_ENUM_NULL &&
            MPI_T_enum_get_info(enumType, &items, cname, &nameLen) == MPI_SUCCESS)
          for (int i = 0; i < items; ++i) {
            int iv = 0, len = sizeof(cname);
            if (MPI_T_enum_get_item(enumType, i, &iv, cname, &len) == MPI_SUCCESS && iv == v)
              value = cname;
          }
      }
      MPI_T_cvar_handle_free(&handle);
    }
  }
  MPI_T_finalize();
  return value;
}

// The lowest rank for which `mine` holds, or worldSize if none (collective).
int lowestRankWhere(bool mine, int rank, int worldSize) {
  int candidate = mine ? rank : worldSize, lowest = worldSize;
  MPI_Allreduce(&candidate, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return lowest;
}

// "0-1", "0,2,5-7": a sorted list of ranks with runs collapsed.
std::string rankList(const std::vector<int> &ranks) {
  std::string text;
  for (size_t i = 0; i < ranks.size();) {
    size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1)
      ++j;
    text += (text.empty() ? "" : ",") + std::to_string(ranks[i]);
    if (j > i)
      text += "-" + std::to_string(ranks[j]);
    i = j + 1;
  }
  return text;
}

// Compares agreedFlags() over all ranks (collective). On a mismatch returns false with one line
// naming the first flag that differs and which ranks have which value, e.g.
//   --steps differs between ranks: 2 on ranks 0-1, 3 on ranks 2-3
bool flagsAgree(const Options &opts, int worldSize, std::string *error) {
  constexpr size_t kValue = 1024; // a path fits; longer values compare by their first 1023 bytes
  const auto flags = agreedFlags(opts);
  std::vector<char> mine(flags.size() * kValue, '\0'), all(mine.size() * worldSize);
  for (size_t f = 0; f < flags.size(); ++f)
    std::snprintf(&mine[f * kValue], kValue, "%s", flags[f].second.c_str());
  MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_CHAR, all.data(),
                static_cast<int>(mine.size()), MPI_CHAR, MPI_COMM_WORLD);
  auto value = [&](int r, size_t f) { return std::string(&all[(r * flags.size() + f) * kValue]); };
  for (size_t f = 0; f < flags.size(); ++f) {
    std::vector<std::pair<std::string, std::vector<int>>> groups; // in order of first rank
    for (int r = 0; r < worldSize; ++r) {
      const std::string v = value(r, f);
      auto it =
          std::find_if(groups.begin(), groups.end(), [&](const auto &g) { return g.first == v; });
      if (it == groups.end())
        groups.push_back({v, {r}});
      else
        it->second.push_back(r);
    }
    if (groups.size() == 1)
      continue;
    *error = flags[f].first + " differs between ranks:";
    for (size_t g = 0; g < groups.size(); ++g)
      *error +=
          strformat("%s %s on rank%s %s", g ? "," : "", groups[g].first.c_str(),
                    groups[g].second.size() > 1 ? "s" : "", rankList(groups[g].second).c_str());
    return false;
  }
  return true;
}

// The watchdog's thread talks MPI while the step thread is inside a collective: it needs
// MPI_THREAD_MULTIPLE, which this process asked for when --collective-timeout is on. Agreed
// over all ranks (collective); false on a world of one rank (nothing to wait for).
bool watchdogPossible(const Options &opts, int worldSize) {
  if (opts.collectiveTimeout <= 0 || worldSize <= 1)
    return false;
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  int mine = level >= MPI_THREAD_MULTIPLE, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all != 0;
}

bool envFlag(const char *name) {
  const char *v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}

// `--profile`: the per-kind totals over the timed steps, per step, rank 0's view (a collective's
// time includes waiting for the slowest rank). "outside runtime calls" is the rest of the step
// time: generated code between the calls and the call overhead itself.
void printProfile(int64_t steps, double stepMsTotal) {
  if (steps <= 0)
    return;
  const double per = 1.0 / static_cast<double>(steps);
  std::printf("profile: rank 0, per step, mean over %lld timed steps\n",
              static_cast<long long>(steps));
  std::printf("profile: %-22s %8s %10s %7s\n", "kind", "calls", "ms", "%step");
  double accounted = 0.0;
  for (int k = 0; k < static_cast<int>(ProfileKind::Count); ++k) {
    if (gProfile.calls[k] == 0)
      continue;
    accounted += gProfile.ms[k];
    std::printf("profile: %-22s %8.1f %10.3f %6.1f%%\n",
                profileKindName(static_cast<ProfileKind>(k)), gProfile.calls[k] * per,
                gProfile.ms[k] * per, stepMsTotal > 0 ? 100.0 * gProfile.ms[k] / stepMsTotal : 0.0);
  }
  const double rest = stepMsTotal - accounted;
  const struct mallinfo2 mi = mallinfo2();
  std::printf("profile: tuning: btl_vader_single_copy_mechanism=%s, malloc mmap'd bytes %zu\n",
              mcaValue("btl_vader_single_copy_mechanism").c_str(), mi.hblkhd);
  std::printf("profile: %-22s %8s %10.3f %6.1f%%\n", "outside runtime calls", "", rest * per,
              stepMsTotal > 0 ? 100.0 * rest / stepMsTotal : 0.0);
  std::printf("profile: %-22s %8s %10.3f\n", "step (mean)", "", stepMsTotal * per);
}

// `--stats`: rank 0 prints the collectives of one step in program order, in the format of
// `meshc --explain`'s collective lines, then whether every step and every rank performed the
// same list. Collective (every rank calls it) because of the cross-rank check.
void reportStats(const Context &ctx, int64_t driverAllocsAfterStep0, int64_t dataBytes, bool root) {
  const Mesh &mesh = ctx.mesh();
  uint64_t fingerprint = gStats.fingerprint(), minFp = 0, maxFp = 0;
  MPI_Allreduce(&fingerprint, &minFp, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&fingerprint, &maxFp, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  long long mismatch = gStats.firstMismatch() < 0 ? -1 : gStats.firstMismatch(), anyMismatch = -1;
  MPI_Allreduce(&mismatch, &anyMismatch, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  int worldSize = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
  long long mine = dataBytes;
  std::vector<long long> dataBytesByRank(static_cast<size_t>(worldSize));
  MPI_Gather(&mine, 1, MPI_LONG_LONG, dataBytesByRank.data(), 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  if (!root)
    return;
  std::printf("stats: collectives of one step on rank 0, in program order (bytes = this rank's "
              "input buffer)\n");
  int64_t bytes = 0;
  for (const CollectiveRecord &r : gStats.firstStep())
    bytes += r.bytes;
  for (const std::string &line : gStats.formatFirstStep(mesh.names))
    std::printf("stats: %s\n", line.c_str());
  std::printf("stats: per step: %zu collectives, %lld bytes\n", gStats.firstStep().size(),
              static_cast<long long>(bytes));
  std::printf("stats: memory: %lld bytes allocated by the program (meshrt_alloc) on rank 0\n",
              static_cast<long long>(gStats.allocatedBytes()));
  if (const Device *dev = ctx.device()) {
    const DeviceMemoryStats m = dev->memoryStats();
    std::printf("stats: device memory: %lld bytes from the driver in %lld allocations (%lld after "
                "step 0), peak in use %lld bytes, %lld requests served\n",
                static_cast<long long>(m.driverBytes), static_cast<long long>(m.driverAllocs),
                static_cast<long long>(m.driverAllocs - driverAllocsAfterStep0),
                static_cast<long long>(m.peakInUseBytes), static_cast<long long>(m.requests));
  }
  const auto &outside = gStats.outsideSteps();
  for (size_t i = 0; i < outside.size(); ++i)
    std::printf("stats: outside the steps: %s\n",
                StatsRecorder::formatRecord(i, outside[i], mesh.names).c_str());
  if (anyMismatch >= 0)
    std::printf("stats: steps: %lld, all alike: no (step %lld differs from step 0)\n",
                static_cast<long long>(gStats.stepsRecorded()), anyMismatch);
  else
    std::printf("stats: steps: %lld, all alike: yes\n",
                static_cast<long long>(gStats.stepsRecorded()));
  std::printf("stats: ranks: %d, all alike: %s\n", worldSize, minFp == maxFp ? "yes" : "no");
  if (dataBytes > 0 || worldSize > 1) {
    bool any = false;
    for (long long b : dataBytesByRank)
      any |= b > 0;
    for (int r = 0; any && r < worldSize; ++r)
      std::printf("stats: data: rank %d read %lld bytes of training data\n", r,
                  dataBytesByRank[static_cast<size_t>(r)]);
  }
}

// What every start-up step needs to know about this job.
struct Job {
  std::string name; // the program's, for messages
  std::string spec; // the mesh it was compiled for, "b=2,m=2"
  int rank = 0, worldSize = 1;
  bool root() const { return rank == 0; }
};

// Before MPI_Init: process-wide tuning and the flags. They are parsed only to choose the
// thread level (parsing is pure); errors are reported once ranks can agree on them. Returns
// whether the flags parsed, with the message in *error otherwise.
bool startMpi(int &argc, char **&argv, Options *opts, std::string *error, Job *job) {
  tuneProcess();
  const bool parsed = parseOptions(argc, argv, opts, error);
  setDenormals(opts->flushDenormals); // before any thread starts: they inherit it
  int initialized = 0, provided = 0;
  MPI_Initialized(&initialized);
  ownsMpi = !initialized;
  if (ownsMpi)
    MPI_Init_thread(&argc, &argv,
                    parsed && (opts->collectiveTimeout > 0 || !opts->data.empty() ||
                               !opts->evalData.empty() || !opts->predict.empty())
                        ? MPI_THREAD_MULTIPLE
                        : MPI_THREAD_SERIALIZED, // the communication thread (comm_thread.h)
                    &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &job->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &job->worldSize);
  return parsed;
}

// Bad flags, --help and --version end the run before anything starts. Ranks may have been
// started with different command lines (mpirun's MPMD syntax), so every decision to leave is
// agreed: the lowest rank with a bad flag (or --help) speaks for all. Returns the exit code,
// or nothing to go on.
std::optional<int> flagsEndTheRun(const Job &job, const Options &opts, bool parsed,
                                  const std::string &error, const char *meshcVersion) {
  const int rank = job.rank, worldSize = job.worldSize;
  if (int bad = lowestRankWhere(!parsed, rank, worldSize); bad < worldSize) {
    if (rank == bad)
      std::fprintf(stderr, "%s: %s%s\n", job.name.c_str(),
                   rank ? strformat("rank %d: ", rank).c_str() : "", error.c_str());
    return 2;
  }
  if (int asked = lowestRankWhere(opts.help, rank, worldSize); asked < worldSize) {
    if (rank == asked)
      std::printf("%s", usage(job.name).c_str());
    return 0;
  }
  if (int asked = lowestRankWhere(opts.version, rank, worldSize); asked < worldSize) {
    if (rank == asked)
      std::printf("%s", versionReport(job.name, job.spec, meshcVersion).c_str());
    return 0;
  }
  return std::nullopt;
}

// The checks that the job runs the program it was compiled for: one program on every rank,
// the mesh's rank count, the flags that must agree. Collective; on a failure rank 0 says why
// and every rank returns false.
bool jobMatchesProgram(const Job &job, const Options &opts, uint64_t programHash) {
  const char *name = job.name.c_str();
  // Every rank must run the same compiled program (same mesh, layout, collectives in the same
  // order), or the job would deadlock or compute garbage. First of the checks, so that the
  // others below see one program on every rank and take the same branch everywhere.
  uint64_t minHash = 0, maxHash = 0;
  MPI_Allreduce(&programHash, &minHash, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&programHash, &maxHash, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  if (minHash != maxHash) {
    if (job.root())
      std::fprintf(stderr,
                   "error: the ranks run different builds of program '%s' (program hashes "
                   "differ); start the same executable on every rank\n",
                   name);
    return false;
  }
  Mesh mesh;
  if (Status s = Mesh::parse(job.spec, &mesh); !s.ok()) {
    if (job.root())
      std::fprintf(stderr, "error: program '%s': %s\n", name, s.message.c_str());
    return false;
  }
  if (mesh.numRanks() != job.worldSize) {
    if (job.root())
      std::fprintf(stderr,
                   "error: program '%s' was compiled for mesh %s (%lld rank%s) but runs on %d "
                   "rank%s; start it with mpirun -n %lld\n",
                   name, job.spec.c_str(), static_cast<long long>(mesh.numRanks()),
                   mesh.numRanks() == 1 ? "" : "s", job.worldSize, job.worldSize == 1 ? "" : "s",
                   static_cast<long long>(mesh.numRanks()));
    return false;
  }
  // Flags that change what the ranks compute or how they meet (options.h) must agree.
  std::string error;
  if (!flagsAgree(opts, job.worldSize, &error)) {
    if (job.root())
      std::fprintf(stderr, "error: program '%s': %s; start every rank with the same flags\n", name,
                   error.c_str());
    return false;
  }
  return true;
}

// Profiling, statistics, threads per rank and the prefetch thread; returns the threads.
int configureRun(Options &opts) {
  opts.profile = opts.profile || envFlag("MESHRT_PROFILE");
  if (const char *file = std::getenv("MESHRT_TRACE"); opts.trace.empty() && file)
    opts.trace = file;
  gProfileEnabled = opts.profile || !opts.trace.empty(); // the trace's spans are the scopes'
  // Decided together: the report at the end is collective.
  int statsWanted = opts.stats || envFlag("MESHRT_STATS"), statsAny = 0;
  MPI_Allreduce(&statsWanted, &statsAny, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  gStatsEnabled = statsAny != 0;
  const int threads = configureThreads(opts.threads);
  // The reading thread helps where it has a core of its own; where the ranks' threads fill the
  // node it takes turns with them and every step waits for it (measured: 2 ranks on 2 cores,
  // 4.5 ms steps with it, 1.6 ms without).
  opts.prefetchOn =
      opts.prefetch == "on" ||
      (opts.prefetch == "auto" &&
       static_cast<int>(std::thread::hardware_concurrency()) > ranksOnThisNode() * threads);
  return threads;
}

// --trace: every rank opens its file before step 0 (collective: where one rank cannot, the
// lowest such rank says why and all return false). Time 0 of the traces is the end of this.
bool openTraceIfAsked(const Job &job, const Options &opts) {
  int failed = job.worldSize;
  Status s;
  if (!opts.trace.empty()) {
    s = openTrace(opts.trace, job.rank);
    if (!s.ok())
      failed = job.rank;
  }
  int lowest = job.worldSize;
  MPI_Allreduce(&failed, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (lowest == job.rank)
    std::fprintf(stderr, "error: %s%s\n", job.rank ? strformat("rank %d: ", job.rank).c_str() : "",
                 s.message.c_str());
  return lowest == job.worldSize;
}

// The context on its device, and rank 0's greeting line. Null (rank 0 said why) when the
// device cannot be used: every rank learns the same outcome (context_device.cpp), so all leave
// the same way. A failure to create the context itself aborts the job.
std::unique_ptr<Context> createContext(const Job &job, const Options &opts, int threads) {
  std::unique_ptr<Context> ctx = Context::create(job.spec, opts.seed, createMpiWorldCommunicator());
  if (!ctx->ok())
    ctx->abortJob();
  ctx->useDevice(opts.device, opts.precision, opts.comm);
  ctx->setSharedParams(opts.sharedParams);
  if (!ctx->ok()) {
    if (job.root())
      std::fprintf(stderr, "error: %s\n", ctx->message().c_str());
    return nullptr;
  }
  gProfileDevice = ctx->device();
  if (job.root()) {
    if (ctx->device())
      std::printf("meshc program '%s' on mesh %s (%d ranks, device %s)\n", job.name.c_str(),
                  job.spec.c_str(), job.worldSize, ctx->deviceName().c_str());
    else // "cpu", or "cpu, matmul bf16 (...)" where --precision changed the matmul
      std::printf("meshc program '%s' on mesh %s (%d ranks, %d threads/rank%s)\n", job.name.c_str(),
                  job.spec.c_str(), job.worldSize, threads, ctx->deviceName().substr(3).c_str());
    std::fflush(stdout);
  }
  return ctx;
}

// --collective-timeout's watchdog, where MPI lets its thread run (else a warning).
void startWatchdogIfPossible(const Job &job, const Options &opts, Context &ctx) {
  if (watchdogPossible(opts, job.worldSize)) {
    if (Status s = startWatchdog(opts.collectiveTimeout, ctx.mesh()); !s.ok()) {
      ctx.fail(s.code, s.message);
      ctx.abortJob();
    }
  } else if (opts.collectiveTimeout > 0 && job.worldSize > 1 && job.root()) {
    std::fprintf(stderr, "warning: --collective-timeout is off: MPI does not provide "
                         "MPI_THREAD_MULTIPLE, which the watchdog's thread needs\n");
  }
}

// After a successful run: --stats (collective), then rank 0's --profile and summary line over
// the steps after the warm-up ones.
void reportRun(const Context &ctx, const Options &opts, const RunResult &run, bool root) {
  if (gStatsEnabled)
    reportStats(ctx, run.driverAllocsAfterFirstStep, run.dataBytesRead, root);
  if (!root || !opts.predict.empty())
    return;
  constexpr size_t kWarmup = 3;
  std::vector<double> steady(run.stepMs.size() > kWarmup ? run.stepMs.begin() + kWarmup
                                                         : run.stepMs.begin(),
                             run.stepMs.end());
  if (opts.profile) {
    double total = 0.0;
    for (double ms : steady)
      total += ms;
    printProfile(static_cast<int64_t>(steady.size()), total);
  }
  std::printf("summary: steps %lld median_step_ms %.3f", static_cast<long long>(run.lastStep),
              medianMs(steady));
  if (!opts.data.empty())
    std::printf(" data_wait_ms %.3f", run.dataWaitMs);
  std::printf("\n");
  std::fflush(stdout);
}

// Stops what the start-up started, writes the trace (also after a failed run: it shows how far
// the run came), frees the context (its communicators must go before MPI_Finalize) and
// finalizes MPI if this process started it.
int shutDown(const Job &job, std::unique_ptr<Context> ctx, int code) {
  std::string path;
  int64_t events = 0;
  if (Status s = writeTrace(ctx->mesh(), job.rank, job.name, ctx->deviceName(), &path, &events);
      !s.ok()) {
    std::fprintf(stderr, "error: rank %d: %s\n", job.rank, s.message.c_str());
    code = code ? code : 1;
  } else if (!path.empty() && job.root()) {
    std::printf("trace: %d file%s like %s (rank 0: %lld spans)\n", job.worldSize,
                job.worldSize == 1 ? "" : "s", path.c_str(), static_cast<long long>(events));
    std::fflush(stdout);
  }
  gProfileDevice = nullptr;
  stopWatchdog();
  ctx.reset();
  return finish(code);
}

} // namespace
} // namespace meshrt

using namespace meshrt;

extern "C" int meshrt_main(int argc, char **argv, const char *program_name, const char *mesh_spec,
                           const char *layout_spec, uint64_t program_hash, meshrt_init_fn init,
                           meshrt_step_fn train, meshrt_step_fn eval, meshrt_step_fn predict,
                           const char *meshc_version) {
  Job job;
  job.name = program_name && *program_name ? program_name : "meshc-program";
  job.spec = mesh_spec ? mesh_spec : "";
  Options opts;
  std::string error;
  const bool parsed = startMpi(argc, argv, &opts, &error, &job);
  if (std::optional<int> code = flagsEndTheRun(job, opts, parsed, error, meshc_version))
    return finish(*code);
  if (!jobMatchesProgram(job, opts, program_hash))
    return finish(1);

  const int threads = configureRun(opts);
  if (!openTraceIfAsked(job, opts))
    return finish(1);
  std::unique_ptr<Context> ctx = createContext(job, opts, threads);
  if (!ctx)
    return finish(1);
  startWatchdogIfPossible(job, opts, *ctx);
  if (init)
    init(wrap(ctx.get()));
  if (ctx->ok()) // node-shared parameters are initialised by one rank of their group
    ctx->check(ctx->syncSharedWrites());
  if (!ctx->ok())
    ctx->abortJob();

  const char *layout = layout_spec ? layout_spec : "";
  ProgramInfo program{job.name, job.spec, layout, program_hash, train, eval, predict};
  const RunResult run = runProgram(*ctx, opts, program);
  if (run.exitCode != 0)
    return shutDown(job, std::move(ctx), run.exitCode);
  // No rank finalizes while another may still abort after a failed step: Open MPI's mpirun
  // sometimes hangs or crashes when MPI_Abort races with other ranks' MPI_Finalize.
  {
    WaitScope wait("the barrier after the last step");
    MPI_Barrier(MPI_COMM_WORLD);
  }
  reportRun(*ctx, opts, run, job.root());
  return shutDown(job, std::move(ctx), 0);
}
