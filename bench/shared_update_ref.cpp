// shared_update_ref.cpp — how fast a data-parallel SGD step could be on one node: the bound of
// a design meshc does not generate (yet), measured beside the matmul-only reference.
//
//   mpirun -n 2 bench_shared_update_ref [--reps R] [--batch B] [--layers D0,D1,...,DL]
//
// An MLP (default: the issue-13 benchmark's per-rank shapes, batch 128 per rank, layers
// 1024-4096-4096-1024, no bias, fp32) takes one step on every rank, two ways:
//  - matmuls: forward, input gradients and the weight gradients (into private buffers), the
//    matmuls of meshc's step and nothing else: bench/mlp_dp.py's reference;
//  - shared update: the weights in one MPI shared-memory window for all ranks (one copy per
//    node); no weight gradient is ever stored: each rank's weight-gradient GEMM adds -lr times
//    its gradient straight into the shared weights (dnnl_sgemm alpha = -lr, beta = 1), one
//    slice of output columns per rank at a time, the slices rotating over `ranks` phases
//    separated by barriers (so no two ranks write a column at once), after a barrier that
//    waits for every rank's last read of the weights. So there is neither a gradient sum nor
//    an update pass: all that the gradient all_reduce and the SGD cost in meshc's step today.
// Before timing, one step of each from the same weights is checked against the plain update
// (private gradients, MPI_Allreduce, w -= lr * sum): the shared weights must match it within
// float rounding, else the run fails (exit 1). Every rank must be on one node (exit 2 if not).
// Rank 0 prints the medians over R alternating steps: `matmul_step_ms`, `shared_update_step_ms`
// and their ratio.
#include "median.h"

#include <dnnl.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Mlp {
  long long batch = 128;
  std::vector<long long> dims{1024, 4096, 4096, 1024};
  std::vector<long long> offset; // of each layer's [dims[l], dims[l+1]] weight in one buffer
  long long params = 0;
  std::vector<std::vector<float>> act, grad; // per layer: [batch, dims[l]]

  int layers() const { return static_cast<int>(dims.size()) - 1; }
};

bool gemm(char ta, char tb, long long m, long long n, long long k, float alpha, const float *a,
          long long lda, const float *b, long long ldb, float beta, float *c, long long ldc) {
  return dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == dnnl_success;
}

// Forward (act[l+1] = act[l] . W_l) and the input gradients (grad[l] = grad[l+1] . W_l^T for
// l >= 1): every read of the weights in a step.
bool forwardAndInputGrads(Mlp &mlp, const float *w) {
  const long long b = mlp.batch;
  const auto &d = mlp.dims;
  for (int l = 0; l < mlp.layers(); ++l)
    if (!gemm('N', 'N', b, d[l + 1], d[l], 1.0f, mlp.act[l].data(), d[l], w + mlp.offset[l],
              d[l + 1], 0.0f, mlp.act[l + 1].data(), d[l + 1]))
      return false;
  for (int l = mlp.layers() - 1; l >= 1; --l)
    if (!gemm('N', 'T', b, d[l], d[l + 1], 1.0f, mlp.grad[l + 1].data(), d[l + 1],
              w + mlp.offset[l], d[l + 1], 0.0f, mlp.grad[l].data(), d[l]))
      return false;
  return true;
}

// dW_l = act[l]^T . grad[l+1] for columns [col, col + cols) of every layer, scaled by alpha and
// added to `out` (beta) — the private gradient (alpha 1, beta 0) or the shared update.
bool weightGrads(Mlp &mlp, float *out, float alpha, float beta, int slice, int slices) {
  const auto &d = mlp.dims;
  for (int l = 0; l < mlp.layers(); ++l) {
    const long long n = d[l + 1], col = n * slice / slices, cols = n * (slice + 1) / slices - col;
    if (cols > 0 && !gemm('T', 'N', d[l], cols, mlp.batch, alpha, mlp.act[l].data(), d[l],
                          mlp.grad[l + 1].data() + col, n, beta, out + mlp.offset[l] + col, n))
      return false;
  }
  return true;
}

bool matmulStep(Mlp &mlp, const float *w, float *gradBuf) {
  return forwardAndInputGrads(mlp, w) && weightGrads(mlp, gradBuf, 1.0f, 0.0f, 0, 1);
}

// Every rank makes every barrier call even where a GEMM failed (no rank left waiting).
bool sharedStep(Mlp &mlp, float *shared, float lr, int rank, int ranks, MPI_Comm node) {
  bool ok = forwardAndInputGrads(mlp, shared);
  MPI_Barrier(node); // every rank's last read of the weights in this step is done
  for (int phase = 0; phase < ranks; ++phase) {
    ok = weightGrads(mlp, shared, -lr, 1.0f, (rank + phase) % ranks, ranks) && ok;
    MPI_Barrier(node); // the next phase's slice was this phase's slice of another rank
  }
  return ok;
}

float initialWeight(long long i) { return 0.02f * static_cast<float>(i * 7919 % 1001 - 500) / 500; }

bool parseLayers(const char *text, std::vector<long long> *dims) {
  dims->clear();
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char *end = nullptr;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end || v <= 0 || v > (1 << 20))
      return false;
    dims->push_back(v);
  }
  return dims->size() >= 2;
}

} // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  Mlp mlp;
  int reps = 10;
  for (int i = 1; i < argc; ++i) {
    bool ok = i + 1 < argc;
    if (ok && !std::strcmp(argv[i], "--reps"))
      ok = (reps = std::atoi(argv[++i])) > 0;
    else if (ok && !std::strcmp(argv[i], "--batch"))
      ok = (mlp.batch = std::atoll(argv[++i])) > 0 && mlp.batch <= (1 << 20);
    else if (ok && !std::strcmp(argv[i], "--layers"))
      ok = parseLayers(argv[++i], &mlp.dims);
    else
      ok = false;
    if (!ok) {
      if (rank == 0)
        std::fprintf(stderr,
                     "usage: bench_shared_update_ref [--reps R] [--batch B] "
                     "[--layers D0,D1,...] (bad or unknown: %s)\n",
                     argv[i]);
      MPI_Finalize();
      return 2;
    }
  }
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int nodeRanks = 0;
  MPI_Comm_size(node, &nodeRanks);
  if (nodeRanks != ranks) {
    if (rank == 0)
      std::fprintf(stderr,
                   "bench_shared_update_ref: %d of the %d ranks share rank 0's node; "
                   "the shared update needs every rank on one node\n",
                   nodeRanks, ranks);
    MPI_Finalize();
    return 2;
  }

  for (int l = 0; l < mlp.layers(); ++l) {
    mlp.offset.push_back(mlp.params);
    mlp.params += mlp.dims[l] * mlp.dims[l + 1];
  }
  if (mlp.params > (1LL << 30)) { // one MPI_Allreduce count in the check, and memory
    if (rank == 0)
      std::fprintf(stderr, "bench_shared_update_ref: %lld weights; at most 2^30\n", mlp.params);
    MPI_Finalize();
    return 2;
  }
  for (int l = 0; l <= mlp.layers(); ++l) {
    std::vector<float> a(mlp.batch * mlp.dims[l]), g(a.size());
    for (long long i = 0; i < static_cast<long long>(a.size()); ++i) {
      a[i] = 0.05f * static_cast<float>((i * 31 + rank * 17) % 97) / 97;
      g[i] = 0.01f * static_cast<float>((i * 13 + rank * 29) % 89 - 44) / 44;
    }
    mlp.act.push_back(std::move(a));
    mlp.grad.push_back(std::move(g));
  }
  // The weights start on a page of the window (on node rank 0): MPI's base was 8 bytes off a
  // cache line here. (dnnl_sgemm measured the same either way; the alignment only keeps the
  // shared weights laid out like a malloc'ed buffer of that size.)
  const MPI_Aint bytes = static_cast<MPI_Aint>(mlp.params) * 4 + 4096;
  float *base = nullptr;
  MPI_Win win;
  MPI_Win_allocate_shared(rank == 0 ? bytes : 0, 4, MPI_INFO_NULL, node, &base, &win);
  MPI_Aint size = 0;
  int unit = 0;
  MPI_Win_shared_query(win, 0, &size, &unit, &base);
  float *shared =
      reinterpret_cast<float *>((reinterpret_cast<std::uintptr_t>(base) + 4095) / 4096 * 4096);
  std::vector<float> w(mlp.params), gradBuf(mlp.params);
  for (long long i = 0; i < mlp.params; ++i)
    w[i] = initialWeight(i);
  if (rank == 0)
    std::memcpy(shared, w.data(), w.size() * 4);
  MPI_Barrier(node);

  // The check: one shared step against the plain one from the same weights.
  const float lr = 0.5f;
  bool ok = sharedStep(mlp, shared, lr, rank, ranks, node);
  ok = matmulStep(mlp, w.data(), gradBuf.data()) && ok;
  MPI_Allreduce(MPI_IN_PLACE, gradBuf.data(), static_cast<int>(mlp.params), MPI_FLOAT, MPI_SUM,
                MPI_COMM_WORLD);
  double worst = 0, largestStep = 0, largestWeight = 0;
  for (long long i = 0; i < mlp.params; ++i) {
    const double plain = w[i] - lr * gradBuf[i];
    worst = std::max(worst, std::fabs(plain - shared[i]));
    largestStep = std::max(largestStep, std::fabs(static_cast<double>(lr) * gradBuf[i]));
    largestWeight = std::max(largestWeight, std::fabs(plain));
  }
  // Rounding: the update added in `ranks` pieces (a few ulps of the weight) and the GEMMs'
  // sums in another blocking (a relative 1e-5 of the step).
  const double tolerance = 4 * ranks * 1.2e-7 * largestWeight + 1e-5 * largestStep;
  if (!ok || worst > tolerance || largestStep == 0) {
    if (rank == 0)
      std::fprintf(stderr,
                   "bench_shared_update_ref: the shared update differs from the plain "
                   "one by %.3g (tolerance %.3g, largest step %.3g)%s\n",
                   worst, tolerance, largestStep, ok ? "" : "; a dnnl_sgemm call failed");
    MPI_Win_free(&win);
    MPI_Finalize();
    return 1;
  }

  std::vector<double> matmulMs, sharedMs;
  for (int r = -1; r < reps; ++r) { // r = -1: warm-up
    for (int variant = 0; variant < 2; ++variant) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      const bool stepOk = variant ? sharedStep(mlp, shared, 1e-6f, rank, ranks, node)
                                  : matmulStep(mlp, w.data(), gradBuf.data());
      ok = stepOk && ok;
      MPI_Barrier(MPI_COMM_WORLD); // the step ends when the slowest rank's does
      if (r >= 0)
        (variant ? sharedMs : matmulMs).push_back((MPI_Wtime() - start) * 1e3);
    }
  }
  if (rank == 0 && ok) {
    const double m = bench::median(matmulMs), s = bench::median(sharedMs);
    std::printf("check: shared update = plain update within %.3g (tolerance %.3g)\n", worst,
                tolerance);
    std::printf("matmul_step_ms %.2f\nshared_update_step_ms %.2f\nratio %.3f\n", m, s, s / m);
  }
  MPI_Win_free(&win);
  MPI_Finalize();
  return ok ? 0 : 1;
}
