// matmul_ref.cpp — the matmul-only reference of the benchmarks: times a list of f32 matmuls
// through the runtime's own matmul kernel on every MPI rank at the same time, so that the
// machine is as busy as in the real SPMD run: oneDNN's dnnl_sgemm on the CPU
// (meshrt_bench_matmul_ms), or cuBLAS on a CUDA context with the given matmul precision
// (meshrt_bench_matmul_ms_on), the kernels a compiled program's meshrt_matmul calls.
//
//   mpirun -n 2 bench_matmul_ref [--reps R] [--device cpu|cuda] [--precision fp32|tf32|bf16]
//                                M,N,K,TA,TB[,BATCH] ...
//
// Every rank times each shape (median of R calls after a warm-up call, all ranks starting
// together after a barrier); rank 0 prints one line per shape with the slowest rank's median
// and a final `matmul_total_ms X`, the sum over the shapes (the whole batch of each). On the CPU
// a batch is BATCH times one matmul, as the runtime computes it there; on a GPU the runtime
// makes one strided-batched cuBLAS call, which is timed as such (meshrt_matmul on the device,
// each call waited for with meshrt_load_f32). Exits 77 with --device cuda where
// meshrt_device_count("cuda") is 0.
#include "meshrt/bench.h"
#include "timing.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Shape {
  long long m = 0, n = 0, k = 0, batch = 1;
  int ta = 0, tb = 0;
};

bool parseShape(const char *text, Shape *s) {
  long long v[6] = {0, 0, 0, 0, 0, 1};
  int got =
      std::sscanf(text, "%lld,%lld,%lld,%lld,%lld,%lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
  if (got < 5 || v[0] <= 0 || v[1] <= 0 || v[2] <= 0 || v[5] <= 0)
    return false;
  *s = Shape{v[0], v[1], v[2], v[5], v[3] != 0, v[4] != 0};
  return true;
}

// One batched matmul on the context's device through meshrt_matmul, as a program runs it:
// median of `reps` calls after a warm-up call, each waited for by reading one element of C
// (meshrt_copy_to_host waits for the queued work that writes it). Negative on failure.
double batchedMsOn(meshrt_context_t ctx, const Shape &s, int reps) {
  const long long aCount = s.batch * s.m * s.k, bCount = s.batch * s.k * s.n;
  auto device = [&](long long count, float base) {
    std::vector<float> host(static_cast<size_t>(count));
    for (long long i = 0; i < count; ++i)
      host[i] = base + static_cast<float>(i % 17) * 0.01f; // no zeros or denormals
    void *p = meshrt_alloc(ctx, count * 4);
    meshrt_copy_from_host(ctx, p, host.data(), count * 4);
    return static_cast<float *>(p);
  };
  const float *a = device(aCount, 0.5f), *b = device(bCount, -0.25f);
  float *c = static_cast<float *>(meshrt_alloc(ctx, s.batch * s.m * s.n * 4));
  auto once = [&] {
    meshrt_matmul(ctx, s.batch, s.m, s.n, s.k, a, s.ta, b, s.tb, c);
    (void)meshrt_load_f32(ctx, c);
    return meshrt_context_status(ctx) == MESHRT_OK;
  };
  return bench::medianMs(reps, once);
}

} // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int reps = 10;
  std::string device = "cpu", precision;
  std::vector<Shape> shapes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
      continue;
    }
    if (!std::strcmp(argv[i], "--device") && i + 1 < argc) {
      device = argv[++i];
      continue;
    }
    if (!std::strcmp(argv[i], "--precision") && i + 1 < argc) {
      precision = argv[++i];
      continue;
    }
    Shape s;
    if (!parseShape(argv[i], &s)) {
      if (rank == 0)
        std::fprintf(stderr, "bench_matmul_ref: bad shape '%s' (want M,N,K,TA,TB[,BATCH])\n",
                     argv[i]);
      return bench::finish(2);
    }
    shapes.push_back(s);
  }
  if (shapes.empty() || reps <= 0 || (device != "cpu" && device != "cuda") ||
      (device == "cpu" && !precision.empty())) {
    if (rank == 0)
      std::fprintf(stderr, "usage: bench_matmul_ref [--reps R] [--device cpu|cuda] "
                           "[--precision fp32|tf32|bf16 (cuda)] M,N,K,TA,TB[,BATCH] ...\n");
    return bench::finish(2);
  }

  meshrt_context_t ctx = nullptr;
  if (device == "cuda") {
    if (meshrt_device_count("cuda") == 0) {
      if (rank == 0)
        std::fprintf(stderr, "bench_matmul_ref: no CUDA device here (meshrt_device_count(\"cuda\")"
                             " == 0)\n");
      return bench::finish(77);
    }
    ctx = meshrt_context_create(("r=" + std::to_string(size)).c_str(), 0);
    if (meshrt_context_use_device(ctx, "cuda", precision.empty() ? nullptr : precision.c_str(),
                                  nullptr) != MESHRT_OK) {
      if (rank == 0)
        std::fprintf(stderr, "bench_matmul_ref: %s\n", meshrt_context_message(ctx));
      return bench::finish(1, ctx);
    }
    if (rank == 0)
      std::printf("device %s\n", meshrt_context_device_name(ctx));
  }

  double total = 0.0;
  for (const Shape &s : shapes) {
    MPI_Barrier(MPI_COMM_WORLD);
    // The time of the whole batch.
    double ms = 0.0;
    if (!ctx)
      ms = meshrt_bench_matmul_ms(s.m, s.n, s.k, s.ta, s.tb, reps) * static_cast<double>(s.batch);
    else if (s.batch == 1)
      ms = meshrt_bench_matmul_ms_on(ctx, s.m, s.n, s.k, s.ta, s.tb, reps);
    else
      ms = batchedMsOn(ctx, s, reps);
    double worst = 0.0, minMs = 0.0;
    MPI_Allreduce(&ms, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&ms, &minMs, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    if (minMs < 0) {
      if (rank == 0)
        std::fprintf(stderr, "bench_matmul_ref: matmul %lldx%lldx%lld failed%s%s\n", s.m, s.n, s.k,
                     ctx ? ": " : "", ctx ? meshrt_context_message(ctx) : "");
      return bench::finish(1, ctx);
    }
    total += worst;
    if (rank == 0)
      std::printf("matmul m=%lld n=%lld k=%lld ta=%d tb=%d batch=%lld ms %.3f gflops %.1f\n", s.m,
                  s.n, s.k, s.ta, s.tb, s.batch, worst,
                  2.0 * s.m * s.n * s.k * s.batch / (worst * 1e6));
  }
  if (rank == 0)
    std::printf("matmul_total_ms %.3f\n", total);
  return bench::finish(0, ctx);
}
