// bench.cpp — meshrt_bench_matmul_ms: the bare matmul kernel timed on its own, the reference
// meshc's benchmarks divide by.
#include "abi.h"
#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

extern "C" double meshrt_bench_matmul_ms(int64_t m, int64_t n, int64_t k, int32_t trans_a,
                                         int32_t trans_b, int32_t reps) {
  if (m <= 0 || n <= 0 || k <= 0 || reps <= 0)
    return -1.0;
  // Small non-zero values: zeros or denormals could take a different path through the FPU.
  auto filled = [](int64_t count, float base) {
    std::vector<float> v(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
      v[i] = base + static_cast<float>(i % 17) * 0.01f;
    return v;
  };
  std::vector<float> a = filled(m * k, 0.5f), b = filled(k * n, -0.25f);
  std::vector<float> c(static_cast<size_t>(m * n));
  auto run = [&] {
    return meshrt::cpu::sgemm(m, n, k, a.data(), trans_a != 0, b.data(), trans_b != 0, c.data());
  };
  if (!run().ok()) // warm-up: oneDNN JIT-compiles its kernel on the first call
    return -1.0;
  std::vector<double> times;
  for (int32_t r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times.size() % 2 ? times[times.size() / 2]
                          : 0.5 * (times[times.size() / 2 - 1] + times[times.size() / 2]);
}
