// device_pair.h — helpers of the CUDA backend tests: a CPU context and a CUDA context on the
// same mesh, buffers mirrored on both, and comparisons of what the two computed.
//
// A kernel is run once on each context on the same inputs (uploaded with meshrt_copy_from_host,
// read back with meshrt_copy_to_host); the CPU result is the reference, itself checked against
// naive loops by tests/runtime.
#ifndef MESHC_TESTS_GPU_DEVICE_PAIR_H
#define MESHC_TESTS_GPU_DEVICE_PAIR_H

#include "test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace meshrt_gpu_test {

using namespace meshrt_test;

inline bool haveCuda() { return meshrt_device_count("cuda") > 0; }

// Every test that needs a GPU derives from this: it skips (on every rank alike: the ranks of
// one node see the same devices) where there is none.
class CudaTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (!haveCuda())
      GTEST_SKIP() << "no CUDA device: meshrt_device_count(\"cuda\") == 0";
  }
};

enum Side { kCpu = 0, kGpu = 1 };
inline const char *sideName(int side) { return side == kCpu ? "cpu" : "cuda"; }

// One buffer of `bytes` on each context.
struct Buffer {
  void *p[2] = {nullptr, nullptr};
  int64_t bytes = 0;
  float *f(int side) const { return static_cast<float *>(p[side]); }
  int32_t *i(int side) const { return static_cast<int32_t *>(p[side]); }
  void *v(int side) const { return p[side]; }
};

// What the two contexts computed into one buffer.
template <typename T> struct Results {
  std::vector<T> cpu, gpu;
};

class Pair {
public:
  // Contexts are created collectively (every rank, same order); the CUDA one is put on the
  // device with `precision` and `comm` (NULL: the defaults).
  void open(const std::string &spec, uint64_t seed, const char *precision = "fp32",
            const char *comm = nullptr) {
    ctx_[kCpu] = makeContext(spec, seed);
    ctx_[kGpu] = makeContext(spec, seed);
    ASSERT_EQ(meshrt_context_status(ctx_[kCpu].get()), MESHRT_OK)
        << meshrt_context_message(ctx_[kCpu].get());
    ASSERT_EQ(meshrt_context_use_device(ctx_[kGpu].get(), "cuda", precision, comm), MESHRT_OK)
        << meshrt_context_message(ctx_[kGpu].get());
  }

  meshrt_context_t cpu() const { return ctx_[kCpu].get(); }
  meshrt_context_t gpu() const { return ctx_[kGpu].get(); }
  meshrt_context_t ctx(int side) const { return ctx_[side].get(); }

  // A buffer on each side holding `init` (bytes), or zeros when init is null.
  Buffer alloc(int64_t bytes, const void *init = nullptr) {
    Buffer b;
    b.bytes = bytes;
    for (int s : {kCpu, kGpu}) {
      b.p[s] = meshrt_alloc(ctx(s), bytes);
      if (init)
        meshrt_copy_from_host(ctx(s), b.p[s], init, bytes);
    }
    return b;
  }
  template <typename T> Buffer upload(const std::vector<T> &init) {
    return alloc(static_cast<int64_t>(init.size() * sizeof(T)), init.data());
  }

  // Runs f(ctx, side) on the CPU context, then on the CUDA one.
  template <typename F> void run(F &&f) {
    for (int s : {kCpu, kGpu})
      f(ctx(s), s);
  }

  template <typename T> Results<T> read(const Buffer &b) {
    Results<T> r;
    r.cpu.resize(static_cast<size_t>(b.bytes) / sizeof(T));
    r.gpu.resize(r.cpu.size());
    meshrt_copy_to_host(cpu(), r.cpu.data(), b.p[kCpu], b.bytes);
    meshrt_copy_to_host(gpu(), r.gpu.data(), b.p[kGpu], b.bytes);
    return r;
  }

  // Both statuses still OK (a failed kernel is sticky, so one check at the end suffices).
  ::testing::AssertionResult ok() const {
    for (int s : {kCpu, kGpu})
      if (meshrt_context_status(ctx(s)) != MESHRT_OK)
        return ::testing::AssertionFailure()
               << sideName(s) << " context failed: " << meshrt_context_message(ctx(s));
    return ::testing::AssertionSuccess();
  }

private:
  ContextPtr ctx_[2];
};

// ---- comparisons (each reports the first bad element and how many there are)

// Equal as values (==): for results that are one correctly rounded operation or a selection.
template <typename T>::testing::AssertionResult same(const Results<T> &r) {
  if (r.cpu.size() != r.gpu.size())
    return ::testing::AssertionFailure() << "sizes differ";
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < r.cpu.size(); ++i)
    if (!(r.cpu[i] == r.gpu[i]) && !(r.cpu[i] != r.cpu[i] && r.gpu[i] != r.gpu[i]))
      if (bad++ == 0)
        first = i;
  if (bad == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << r.cpu.size() << " elements differ; first at " << first << ": cpu "
         << r.cpu[first] << ", cuda " << r.gpu[first];
}

// Equal bit for bit: for data the runtime generates from global indices.
template <typename T>::testing::AssertionResult bitIdentical(const Results<T> &r) {
  if (r.cpu.size() != r.gpu.size())
    return ::testing::AssertionFailure() << "sizes differ";
  if (std::memcmp(r.cpu.data(), r.gpu.data(), r.cpu.size() * sizeof(T)) == 0)
    return ::testing::AssertionSuccess();
  size_t first = 0;
  while (first < r.cpu.size() && std::memcmp(&r.cpu[first], &r.gpu[first], sizeof(T)) == 0)
    ++first;
  return ::testing::AssertionFailure() << "not bit-identical; first difference at " << first
                                       << ": cpu " << r.cpu[first] << ", cuda " << r.gpu[first];
}

// |cuda - cpu| <= rtol * max(|cpu|, floor) element by element, both finite. `floor` is the
// magnitude below which an element is judged absolutely: a sum of terms of size ~s has an
// error of order eps * s even where the sum itself is near 0.
inline ::testing::AssertionResult near(const Results<float> &r, double rtol, double floor) {
  if (r.cpu.size() != r.gpu.size())
    return ::testing::AssertionFailure() << "sizes differ";
  size_t bad = 0, first = 0;
  double worst = 0;
  for (size_t i = 0; i < r.cpu.size(); ++i) {
    const double c = r.cpu[i], g = r.gpu[i];
    const double bound = rtol * std::max(std::fabs(c), floor);
    const double err = std::fabs(g - c);
    if (!std::isfinite(c) || !std::isfinite(g) || !(err <= bound)) {
      if (bad++ == 0)
        first = i;
    }
    if (std::isfinite(err))
      worst = std::max(worst, err / std::max(std::fabs(c), floor));
  }
  if (bad == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << r.cpu.size() << " elements off by more than " << rtol
         << " relative (floor " << floor << "); first at " << first << ": cpu " << r.cpu[first]
         << ", cuda " << r.gpu[first] << "; worst relative error " << worst;
}

// As near(), with the bound per element given (e.g. from the sum of |terms| of a reduction).
inline ::testing::AssertionResult within(const Results<float> &r,
                                         const std::vector<double> &bound) {
  if (r.cpu.size() != r.gpu.size() || r.cpu.size() != bound.size())
    return ::testing::AssertionFailure() << "sizes differ";
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < r.cpu.size(); ++i)
    if (!std::isfinite(r.gpu[i]) || !(std::fabs(double(r.gpu[i]) - r.cpu[i]) <= bound[i]))
      if (bad++ == 0)
        first = i;
  if (bad == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << r.cpu.size() << " elements out of bounds; first at " << first
         << ": cpu " << r.cpu[first] << ", cuda " << r.gpu[first] << ", bound " << bound[first];
}

inline double maxAbs(const std::vector<float> &v) {
  double m = 0;
  for (float x : v)
    m = std::max(m, double(std::fabs(x)));
  return m;
}

// Multiples of 1/8 in [-1, 1]: sums of up to 2^20 of them are exact in f32 in any order, so
// reductions over them (atomics, trees, scans) must agree exactly.
inline std::vector<float> dyadicVec(int64_t n, int salt) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = std::round(pseudo(i, salt) * 8.0f) / 8.0f;
  return v;
}

inline int64_t count(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

// ---- device contexts for the collective tests (device_collectives_test.cpp,
// device_started_test.cpp)

// The collective paths this world can use: NCCL refuses two ranks on one GPU.
inline std::vector<const char *> commPaths() {
  std::vector<const char *> paths = {"staged"};
  if (meshrt_device_count("cuda") >= worldSize())
    paths.push_back("nccl");
  return paths;
}

inline void openDevice(ContextPtr *ctx, const std::string &spec, const char *comm) {
  *ctx = makeContext(spec);
  ASSERT_EQ(meshrt_context_status(ctx->get()), MESHRT_OK) << meshrt_context_message(ctx->get());
  ASSERT_EQ(meshrt_context_use_device(ctx->get(), "cuda", "fp32", comm), MESHRT_OK)
      << meshrt_context_message(ctx->get());
}

template <typename T> void *put(meshrt_context_t ctx, const std::vector<T> &v) {
  void *p = meshrt_alloc(ctx, static_cast<int64_t>(v.size() * sizeof(T)));
  meshrt_copy_from_host(ctx, p, v.data(), static_cast<int64_t>(v.size() * sizeof(T)));
  return p;
}
template <typename T> std::vector<T> get(meshrt_context_t ctx, const void *p, size_t n) {
  std::vector<T> v(n);
  meshrt_copy_to_host(ctx, v.data(), p, static_cast<int64_t>(n * sizeof(T)));
  return v;
}

// Runs body(ctx, sizes) for every mesh of the world on every collective path.
template <typename F> void forEachMeshAndPath(F body) {
  for (const char *comm : commPaths())
    for (const std::string &spec : meshesForWorld()) {
      SCOPED_TRACE(spec + " comm " + comm);
      ContextPtr ctx;
      ASSERT_NO_FATAL_FAILURE(openDevice(&ctx, spec, comm));
      body(ctx.get(), meshSizes(spec));
      EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    }
}

} // namespace meshrt_gpu_test

#endif // MESHC_TESTS_GPU_DEVICE_PAIR_H
