// timing.h — what the benchmarks' C++ references share: the median wall time of a call, and
// ending a reference's MPI run with its context.
#ifndef MESHC_BENCH_TIMING_H
#define MESHC_BENCH_TIMING_H

#include "median.h"
#include "meshrt/meshrt.h"

#include <mpi.h>

#include <chrono>
#include <utility>
#include <vector>

namespace bench {

// The median ms of `reps` calls of once() after one untimed warm-up call (where oneDNN makes
// its primitive and cuBLAS picks its algorithm); negative as soon as a call returns false.
template <typename F> double medianMs(int reps, F &&once) {
  if (!once())
    return -1.0;
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    if (!once())
      return -1.0;
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  return median(std::move(times));
}

// Destroys the context (if any), ends MPI and returns `code`, the process's exit status.
inline int finish(int code, meshrt_context_t ctx = nullptr) {
  if (ctx)
    meshrt_context_destroy(ctx);
  MPI_Finalize();
  return code;
}

} // namespace bench

#endif // MESHC_BENCH_TIMING_H
