// bench.cpp — meshrt_bench_matmul_ms(_on): the bare matmul kernel timed on its own, the
// reference meshc's benchmarks divide by.
#include "abi.h"
#include "abi_call.h"
#include "context.h"
#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace {

// Small non-zero values: zeros or denormals could take a different path through the FPU.
std::vector<float> filled(int64_t count, float base) {
  std::vector<float> v(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    v[i] = base + static_cast<float>(i % 17) * 0.01f;
  return v;
}

// The median of `reps` timings of run() after one untimed warm-up call; negative on failure.
template <typename F> double medianOf(int32_t reps, F &&run) {
  if (!run()) // warm-up: oneDNN JIT-compiles its kernel, cuBLAS picks its algorithm
    return -1.0;
  std::vector<double> times;
  for (int32_t r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    if (!run())
      return -1.0;
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times.size() % 2 ? times[times.size() / 2]
                          : 0.5 * (times[times.size() / 2 - 1] + times[times.size() / 2]);
}

// m x k, k x n and m x n f32 operands that fit int64 bytes.
bool validShape(int64_t m, int64_t n, int64_t k) {
  int64_t x = 0;
  using meshrt::checkedMul;
  return m > 0 && n > 0 && k > 0 && checkedMul(m, k, &x) && checkedMul(x, 4, &x) &&
         checkedMul(k, n, &x) && checkedMul(x, 4, &x) && checkedMul(m, n, &x) &&
         checkedMul(x, 4, &x);
}

} // namespace

extern "C" double meshrt_bench_matmul_ms(int64_t m, int64_t n, int64_t k, int32_t trans_a,
                                         int32_t trans_b, int32_t reps) {
  if (!validShape(m, n, k) || reps <= 0)
    return -1.0;
  std::vector<float> a = filled(m * k, 0.5f), b = filled(k * n, -0.25f);
  std::vector<float> c(static_cast<size_t>(m * n));
  auto run = [&] {
    return meshrt::cpu::sgemm(m, n, k, a.data(), trans_a != 0, b.data(), trans_b != 0, c.data());
  };
  return medianOf(reps, [&] { return run().ok(); });
}

extern "C" double meshrt_bench_matmul_ms_on(meshrt_context_t handle, int64_t m, int64_t n,
                                            int64_t k, int32_t trans_a, int32_t trans_b,
                                            int32_t reps) {
  meshrt::Context *ctx = meshrt::activeContext(handle);
  if (!ctx || !validShape(m, n, k) || reps <= 0)
    return -1.0;
  const std::vector<float> a = filled(m * k, 0.5f), b = filled(k * n, -0.25f);
  void *da = ctx->alloc(m * k * 4), *db = ctx->alloc(k * n * 4), *dc = ctx->alloc(m * n * 4);
  if (!da || !db || !dc)
    return -1.0;
  meshrt_copy_from_host(handle, da, a.data(), m * k * 4);
  meshrt_copy_from_host(handle, db, b.data(), k * n * 4);
  auto run = [&] {
    meshrt_matmul(handle, 1, m, n, k, static_cast<const float *>(da), trans_a,
                  static_cast<const float *>(db), trans_b, static_cast<float *>(dc));
    if (meshrt::Device *dev = ctx->device())
      ctx->check(dev->synchronize());
    return ctx->ok();
  };
  return medianOf(reps, run);
}
