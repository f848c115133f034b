// matmul_ref.cpp — the matmul-only reference of the benchmarks: times a list of f32 matmuls
// through the runtime's own matmul kernel (meshrt_bench_matmul_ms, i.e. dnnl_sgemm) on every
// MPI rank at the same time, so that the cores are as busy as in the real SPMD run.
//
//   mpirun -n 2 bench_matmul_ref [--reps R] M,N,K,TA,TB[,BATCH] ...
//
// Every rank times each shape (median of R calls after a warm-up call, all ranks starting
// together after a barrier); rank 0 prints one line per shape with the slowest rank's median
// and a final `matmul_total_ms X`, the sum over the shapes (times BATCH).
#include "meshrt/bench.h"

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
  int got = std::sscanf(text, "%lld,%lld,%lld,%lld,%lld,%lld", &v[0], &v[1], &v[2], &v[3],
                        &v[4], &v[5]);
  if (got < 5 || v[0] <= 0 || v[1] <= 0 || v[2] <= 0 || v[5] <= 0)
    return false;
  *s = Shape{v[0], v[1], v[2], v[5], v[3] != 0, v[4] != 0};
  return true;
}

} // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int reps = 10;
  std::vector<Shape> shapes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
      continue;
    }
    Shape s;
    if (!parseShape(argv[i], &s)) {
      if (rank == 0)
        std::fprintf(stderr, "bench_matmul_ref: bad shape '%s' (want M,N,K,TA,TB[,BATCH])\n",
                     argv[i]);
      MPI_Finalize();
      return 2;
    }
    shapes.push_back(s);
  }
  if (shapes.empty() || reps <= 0) {
    if (rank == 0)
      std::fprintf(stderr, "usage: bench_matmul_ref [--reps R] M,N,K,TA,TB[,BATCH] ...\n");
    MPI_Finalize();
    return 2;
  }
  double total = 0.0;
  for (const Shape &s : shapes) {
    MPI_Barrier(MPI_COMM_WORLD);
    double ms = meshrt_bench_matmul_ms(s.m, s.n, s.k, s.ta, s.tb, reps);
    double worst = 0.0;
    MPI_Allreduce(&ms, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    double minMs = 0.0;
    MPI_Allreduce(&ms, &minMs, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    if (minMs < 0) {
      if (rank == 0)
        std::fprintf(stderr, "bench_matmul_ref: matmul %lldx%lldx%lld failed\n", s.m, s.n, s.k);
      MPI_Finalize();
      return 1;
    }
    total += worst * static_cast<double>(s.batch);
    if (rank == 0)
      std::printf("matmul m=%lld n=%lld k=%lld ta=%d tb=%d batch=%lld ms %.3f gflops %.1f\n", s.m,
                  s.n, s.k, s.ta, s.tb, s.batch, worst * s.batch,
                  2.0 * s.m * s.n * s.k / (worst * 1e6));
  }
  if (rank == 0)
    std::printf("matmul_total_ms %.3f\n", total);
  MPI_Finalize();
  return 0;
}
