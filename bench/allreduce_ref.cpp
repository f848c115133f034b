// allreduce_ref.cpp — the runtime's all_reduce, reduce_scatter and all_gather against raw MPI,
// on the same buffers: for each size, meshrt_allreduce_sum on a context over all ranks (the
// call a compiled program makes for a gradient all_reduce: in place, on a buffer from
// meshrt_alloc) and MPI_Allreduce(MPI_IN_PLACE, ...) over MPI_COMM_WORLD with Open MPI's
// default (tuned) collective choice; then meshrt_reduce_scatter against
// MPI_Reduce_scatter_block and meshrt_allgather in place (this rank's block of the buffer, as a
// sharded optimizer update gathers its parameter) against MPI_Allgather(MPI_IN_PLACE), each
// pair alternating rep by rep so that both see the same machine. BYTES is the whole buffer
// (all ranks' blocks for reduce_scatter and allgather).
//
//   mpirun -n 2 bench_allreduce_ref [--reps R] BYTES ...
//
// Every rep starts all ranks together (a barrier) and times one call; each rank takes the
// median of R reps after one warm-up call of each, and rank 0 prints the slowest rank's medians:
//   allreduce bytes=B runtime_ms=X mpi_ms=Y
//   reduce_scatter bytes=B runtime_ms=X mpi_ms=Y
//   allgather bytes=B runtime_ms=X mpi_ms=Y
// Exits 1 where a runtime call failed or the two results differ (the sums are exact: every
// element is a small integer), 2 on bad usage (BYTES must be a multiple of 4 x ranks).
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
    if (!end || *end || bytes <= 0 || bytes % (4 * size) != 0) {
      if (rank == 0)
        std::fprintf(
            stderr, "bench_allreduce_ref: bad size '%s' (want bytes, a multiple of 4 x %d ranks)\n",
            argv[i], size);
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
  std::vector<float> out(static_cast<size_t>(maxBytes / 4 / size));
  // Times `runtime` and `raw` alternately on buffers that `prepare` refills before each call;
  // the warm-up results (`result` views them) must agree bit for bit.
  auto compare = [&](const char *name, long long bytes, auto prepare, auto runtime, auto raw,
                     const void *result, long long resultBytes) {
    std::vector<double> runtimeMs, mpiMs;
    for (int r = -1; r < reps; ++r) { // r = -1: warm-up (connections, shared-memory window)
      prepare();
      const double a = timedMs(runtime);
      std::memcpy(runtimeResult.data(), result, static_cast<size_t>(resultBytes));
      prepare();
      const double b = timedMs(raw);
      if (r == -1) {
        if (std::memcmp(runtimeResult.data(), result, static_cast<size_t>(resultBytes)) != 0) {
          std::fprintf(stderr,
                       "bench_allreduce_ref: rank %d: %s of %lld bytes: the runtime's result "
                       "differs from MPI's\n",
                       rank, name, bytes);
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
      std::printf("%s bytes=%lld runtime_ms=%.4f mpi_ms=%.4f\n", name, bytes, slowest[0],
                  slowest[1]);
      std::fflush(stdout);
    }
  };
  for (long long bytes : sizes) {
    if (code)
      break;
    const long long count = bytes / 4, block = count / size;
    compare(
        "allreduce", bytes, [&] { fill(buf, count, rank); },
        [&] { meshrt_allreduce_sum(ctx, 1, buf, count); },
        [&] {
          MPI_Allreduce(MPI_IN_PLACE, buf, static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                        MPI_COMM_WORLD);
        },
        buf, bytes);
    compare(
        "reduce_scatter", bytes, [&] { fill(buf, count, rank); },
        [&] { meshrt_reduce_scatter(ctx, 0, buf, out.data(), 1, block, 1); },
        [&] {
          MPI_Reduce_scatter_block(buf, out.data(), static_cast<int>(block), MPI_FLOAT, MPI_SUM,
                                   MPI_COMM_WORLD);
        },
        out.data(), block * 4);
    float *mine = buf + rank * block;
    compare(
        "allgather", bytes,
        [&] {
          std::memset(buf, 0, static_cast<size_t>(bytes));
          fill(mine, block, rank);
        },
        [&] { meshrt_allgather(ctx, 0, mine, buf, 1, block, 1, 4); },
        [&] {
          MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, static_cast<int>(block), MPI_FLOAT,
                        MPI_COMM_WORLD);
        },
        buf, bytes);
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
