// device_started_test.cpp — the non-blocking all_reduce and bucket on device buffers
// (meshrt_allreduce_sum_start, meshrt_all_reduce_bucket_start, meshrt_collective_wait): NCCL on
// the device's communication stream, the compute stream made to wait only at the wait; on the
// staged path, the blocking collective at the start. Each result must equal the blocking
// collective's on a second buffer and the sums by formula, on every mesh of the world and every
// path, with other work between start and wait: a blocking collective, kernels on other buffers
// (a cuBLAS matmul, a fill), the operands of a bucket overwritten right after its start (the
// start reads them), and two requests in flight waited in reverse order. Inputs are small
// integers or multiples of 1/8, so every sum and the matmul are exact in any order.
// Mismatches are counted, not asserted, so that a failing rank still joins the collectives that
// follow.
#include "device_pair.h"

using namespace meshrt_gpu_test;

namespace {

class DeviceStarted : public CudaTest {};

float term(int64_t t, int64_t rank, int64_t i) {
  return static_cast<float>((i % 13 + t) * (rank + 1));
}

// The sum over `group` of term(t, r, i), i < n.
std::vector<float> sums(const std::vector<int64_t> &group, int64_t t, int64_t n) {
  std::vector<float> s(n, 0.0f);
  for (int64_t r : group)
    for (int64_t i = 0; i < n; ++i)
      s[i] += term(t, r, i);
  return s;
}

std::vector<float> terms(int64_t t, int64_t n) {
  std::vector<float> v(n + 1); // never a zero-byte allocation
  for (int64_t i = 0; i < n; ++i)
    v[i] = term(t, worldRank(), i);
  return v;
}

int64_t mismatches(const std::vector<float> &got, const std::vector<float> &want) {
  int64_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i)
    bad += got[i] != want[i];
  return bad;
}

} // namespace

// A started sum with a blocking one on another buffer between its start and its wait (the
// blocking one drains, then communicates): both equal the sums.
TEST_F(DeviceStarted, SumEqualsBlocking) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    for (int64_t n : {int64_t{37}, int64_t{65536 + 17}, int64_t{1} << 20})
      for (int mask = 0; mask < (1 << sizes.size()); ++mask) {
        SCOPED_TRACE("n " + std::to_string(n) + " mask " + std::to_string(mask));
        float *started = static_cast<float *>(put(ctx, terms(0, n)));
        float *blocking = static_cast<float *>(put(ctx, terms(0, n)));
        meshrt_allreduce_sum_start(ctx, 7, mask, started, n);
        meshrt_allreduce_sum(ctx, mask, blocking, n);
        meshrt_collective_wait(ctx, 7);
        const std::vector<float> want = sums(groupOf(sizes, worldRank(), mask), 0, n);
        const std::vector<float> a = get<float>(ctx, started, n), b = get<float>(ctx, blocking, n);
        EXPECT_EQ(mismatches(a, b), 0) << "started and blocking sums differ";
        EXPECT_EQ(mismatches(a, want), 0) << "the started sum is wrong, e.g. element 1: " << a[1];
      }
  });
}

// A started bucket against the blocking bucket of the same tensors, separate results and in
// place, one member empty; three steps whose sizes grow once (the request's device buffer is
// reused, then grown). Separate operands are overwritten right after the start.
TEST_F(DeviceStarted, BucketEqualsBlocking) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    for (int mask = 0; mask < (1 << sizes.size()); ++mask)
      for (bool inPlace : {false, true})
        for (int64_t scale : {1, 3, 3}) {
          SCOPED_TRACE("mask " + std::to_string(mask) + (inPlace ? " in place" : "") + " scale " +
                       std::to_string(scale));
          const std::vector<int64_t> counts = {37 * scale, 0, 65536 + 17 * scale, 5};
          const int64_t n = static_cast<int64_t>(counts.size());
          std::vector<const float *> in(n), blockingIn(n);
          std::vector<float *> out(n), blockingOut(n);
          for (int64_t t = 0; t < n; ++t) {
            in[t] = static_cast<const float *>(put(ctx, terms(t, counts[t])));
            blockingIn[t] = static_cast<const float *>(put(ctx, terms(t, counts[t])));
            auto zeros = std::vector<float>(counts[t] + 1);
            out[t] = inPlace ? const_cast<float *>(in[t]) : static_cast<float *>(put(ctx, zeros));
            blockingOut[t] = inPlace ? const_cast<float *>(blockingIn[t])
                                     : static_cast<float *>(put(ctx, zeros));
          }
          meshrt_all_reduce_bucket_start(ctx, 3, mask, n, in.data(), out.data(), counts.data());
          if (!inPlace) // the start has read them
            for (int64_t t = 0; t < n; ++t)
              meshrt_fill(ctx, counts[t], const_cast<float *>(in[t]), -1000.0f);
          meshrt_all_reduce_bucket(ctx, mask, n, blockingIn.data(), blockingOut.data(),
                                   counts.data());
          meshrt_collective_wait(ctx, 3);
          const std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
          int64_t bad = 0, differ = 0;
          for (int64_t t = 0; t < n; ++t) {
            const std::vector<float> a = get<float>(ctx, out[t], counts[t]);
            bad += mismatches(a, sums(group, t, counts[t]));
            differ += mismatches(a, get<float>(ctx, blockingOut[t], counts[t]));
          }
          EXPECT_EQ(bad, 0) << "elements of the started bucket differ from the sums";
          EXPECT_EQ(differ, 0) << "the started and blocking buckets differ";
        }
  });
}

// Kernels queued between start and wait on buffers the collectives do not touch (a cuBLAS
// matmul, a fill) run while the sums are in flight (NCCL) and are not disturbed by them; two
// requests are in flight at once and waited for in reverse order.
TEST_F(DeviceStarted, KernelsBetweenStartAndWait) {
  for (const char *comm : commPaths()) {
    SCOPED_TRACE(comm);
    ContextPtr holder;
    ASSERT_NO_FATAL_FAILURE(openDevice(&holder, "x=" + std::to_string(worldSize()), comm));
    meshrt_context_t ctx = holder.get();
    const std::vector<int64_t> group = groupOf({worldSize()}, worldRank(), 1);
    const int64_t n = int64_t{1} << 22; // 16 MiB: long enough to overlap the matmul
    float *big = static_cast<float *>(put(ctx, terms(0, n)));
    const std::vector<int64_t> counts = {1000, 4099};
    std::vector<const float *> in = {static_cast<const float *>(put(ctx, terms(1, counts[0]))),
                                     static_cast<const float *>(put(ctx, terms(2, counts[1])))};
    std::vector<float *> out = {static_cast<float *>(put(ctx, std::vector<float>(counts[0]))),
                                static_cast<float *>(put(ctx, std::vector<float>(counts[1])))};
    const int64_t m = 257, k = 384, p = 321;
    const std::vector<float> x = dyadicVec(m * k, 1), y = dyadicVec(k * p, 2);
    const float *dx = static_cast<const float *>(put(ctx, x));
    const float *dy = static_cast<const float *>(put(ctx, y));
    float *product = static_cast<float *>(meshrt_alloc(ctx, m * p * 4));
    float *filled = static_cast<float *>(meshrt_alloc(ctx, n * 4));

    meshrt_allreduce_sum_start(ctx, 11, 1, big, n);
    meshrt_matmul(ctx, 1, m, p, k, dx, 0, dy, 0, product);
    meshrt_all_reduce_bucket_start(ctx, 12, 1, 2, in.data(), out.data(), counts.data());
    meshrt_fill(ctx, n, filled, 2.5f);
    meshrt_collective_wait(ctx, 12);
    meshrt_collective_wait(ctx, 11);

    // Multiples of 1/64 summed 384 times stay exact in f32, whatever cuBLAS's order.
    std::vector<float> want(m * p, 0.0f);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < p; ++j) {
        double s = 0;
        for (int64_t l = 0; l < k; ++l)
          s += double(x[i * k + l]) * y[l * p + j];
        want[i * p + j] = static_cast<float>(s);
      }
    EXPECT_EQ(mismatches(get<float>(ctx, product, m * p), want), 0) << "the matmul is wrong";
    EXPECT_EQ(mismatches(get<float>(ctx, filled, n), std::vector<float>(n, 2.5f)), 0)
        << "the fill is wrong";
    EXPECT_EQ(mismatches(get<float>(ctx, big, n), sums(group, 0, n)), 0) << "the sum is wrong";
    EXPECT_EQ(mismatches(get<float>(ctx, out[0], counts[0]), sums(group, 1, counts[0])) +
                  mismatches(get<float>(ctx, out[1], counts[1]), sums(group, 2, counts[1])),
              0)
        << "the bucket is wrong";
    EXPECT_EQ(meshrt_context_status(ctx), MESHRT_OK) << meshrt_context_message(ctx);
  }
}

// Started twice before its wait, or waited for without a start: one line naming the request, in
// the context's status (on NCCL, where starts are tracked; the staged path runs them at once).
TEST_F(DeviceStarted, MisuseIsReported) {
  const std::vector<const char *> paths = commPaths();
  if (paths.back() != std::string("nccl"))
    GTEST_SKIP() << "NCCL needs a GPU per rank";
  const std::string spec = "x=" + std::to_string(worldSize());
  {
    ContextPtr ctx;
    ASSERT_NO_FATAL_FAILURE(openDevice(&ctx, spec, "nccl"));
    float *buf = static_cast<float *>(put(ctx.get(), terms(0, 64)));
    meshrt_allreduce_sum_start(ctx.get(), 5, 1, buf, 64);
    meshrt_allreduce_sum_start(ctx.get(), 5, 1, buf, 64);
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
    EXPECT_NE(std::string(meshrt_context_message(ctx.get()))
                  .find("collective 5 was started again before its wait"),
              std::string::npos)
        << meshrt_context_message(ctx.get());
    meshrt_collective_wait(ctx.get(), 5); // the first start's sum is still waited for
  }
  {
    ContextPtr ctx;
    ASSERT_NO_FATAL_FAILURE(openDevice(&ctx, spec, "nccl"));
    meshrt_collective_wait(ctx.get(), 9);
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
    EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find("collective 9 was not started"),
              std::string::npos)
        << meshrt_context_message(ctx.get());
  }
}
