// allreduce_ref.cpp — the runtime's all_reduce against raw MPI_Allreduce, on the same buffers:
// for each size, meshrt_allreduce_sum on a context over all ranks (the call a compiled program
// makes for a gradient all_reduce: in place, on a buffer from meshrt_alloc) and
// MPI_Allreduce(MPI_IN_PLACE, ...) over MPI_COMM_WORLD with Open MPI's default (tuned)
// collective choice, the two alternating rep by rep so that both see the same machine.
//
//   mpirun -n 2 bench_allreduce_ref [--reps R] BYTES ...
//
// Every rep starts all ranks together (a barrier) and times one call; each rank takes the
// median of R reps after one warm-up call of each, and rank 0 prints the slowest rank's medians:
//   allreduce bytes=B runtime_ms=X mpi_ms=Y
// Exits 1 where a runtime call failed or the two results differ (the sums are exact: every
// element is a small integer), 2 on bad usage.
#include "meshrt/meshrt.h"

#include <malloc.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F> double timedMs(F &&call) {
  MPI_Barrier(MPI_COMM_WORLD);
  const auto t0 = std::chrono::steady_clock::now();
  call();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The buffer's content before each call: small integers, so that every sum is exact and the
// two implementations must agree bit for bit.
void fill(float *buf, long long count, int rank) {
  for (long long i = 0; i < count; ++i)
    buf[i] = static_cast<float>((i + rank) % 7);
}

int finish(int code) {
  MPI_Finalize();
  return code;
}

} // namespace

int main(int argc, char **argv) {
  // MPI as the executables run it, "tuned" (shared/TOOLCHAIN.md; meshrt_main's tuneProcess):
  // Open MPI's single-copy mechanism off and glibc keeping freed buffers, which make its large
  // collectives 1.5-2.2x faster here (an OMPI_MCA_btl_vader_single_copy_mechanism already in
  // the environment is kept).
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", /*overwrite=*/0);
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int reps = 10;
  std::vector<long long> sizes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
      continue;
    }
    char *end = nullptr;
    const long long bytes = std::strtoll(argv[i], &end, 10);
    if (!end || *end || bytes <= 0 || bytes % 4 != 0) {
      if (rank == 0)
        std::fprintf(stderr, "bench_allreduce_ref: bad size '%s' (want bytes, a multiple of 4)\n",
                     argv[i]);
      return finish(2);
    }
    sizes.push_back(bytes);
  }
  if (sizes.empty() || reps <= 0) {
    if (rank == 0)
      std::fprintf(stderr, "usage: bench_allreduce_ref [--reps R] BYTES ...\n");
    return finish(2);
  }
  const std::string mesh = "r=" + std::to_string(size);
  meshrt_context_t ctx = meshrt_context_create(mesh.c_str(), 1);
  if (meshrt_context_status(ctx) != MESHRT_OK) {
    if (rank == 0)
      std::fprintf(stderr, "bench_allreduce_ref: %s\n", meshrt_context_message(ctx));
    return finish(1);
  }
  // One buffer for all sizes (the context owns what meshrt_alloc returns until it is destroyed).
  const long long maxBytes = *std::max_element(sizes.begin(), sizes.end());
  float *buf = static_cast<float *>(meshrt_alloc(ctx, maxBytes));
  std::vector<float> runtimeResult(static_cast<size_t>(maxBytes / 4));
  int code = buf ? 0 : 1;
  for (long long bytes : sizes) {
    if (code)
      break;
    const long long count = bytes / 4;
    auto runtime = [&] { meshrt_allreduce_sum(ctx, 1, buf, count); };
    auto raw = [&] {
      MPI_Allreduce(MPI_IN_PLACE, buf, static_cast<int>(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    };
    std::vector<double> runtimeMs, mpiMs;
    for (int r = -1; r < reps; ++r) { // r = -1: warm-up (connections, shared-memory window)
      fill(buf, count, rank);
      const double a = timedMs(runtime);
      std::memcpy(runtimeResult.data(), buf, static_cast<size_t>(bytes));
      fill(buf, count, rank);
      const double b = timedMs(raw);
      if (r == -1) {
        if (std::memcmp(runtimeResult.data(), buf, static_cast<size_t>(bytes)) != 0) {
          std::fprintf(stderr,
                       "bench_allreduce_ref: rank %d: %lld bytes: the runtime's sum "
                       "differs from MPI_Allreduce's\n",
                       rank, bytes);
          code = 1;
        }
        continue;
      }
      runtimeMs.push_back(a);
      mpiMs.push_back(b);
    }
    double mine[2] = {median(runtimeMs), median(mpiMs)}, slowest[2] = {0, 0};
    MPI_Reduce(mine, slowest, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
      std::printf("allreduce bytes=%lld runtime_ms=%.4f mpi_ms=%.4f\n", bytes, slowest[0],
                  slowest[1]);
      std::fflush(stdout);
    }
  }
  if (meshrt_context_status(ctx) != MESHRT_OK) {
    std::fprintf(stderr, "bench_allreduce_ref: rank %d: %s\n", rank, meshrt_context_message(ctx));
    code = 1;
  }
  int worst = 0;
  MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  meshrt_context_destroy(ctx);
  return finish(worst);
}
