// nonblocking_collectives_test.cpp — meshrt_allreduce_sum_start, meshrt_all_reduce_bucket_start
// and meshrt_collective_wait on every mesh and axes mask that fit the world, against sums the
// test computes by formula from each rank's coordinates: several collectives in flight and
// waited out of order, operands overwritten right after the start (they must have been read by
// then), a blocking collective while others are in flight, sizes above the shared-memory
// allreduce's threshold; both with the communication thread and without it
// (MESHRT_COMM_THREAD=0: the start runs the collective); and the misuse errors.
#include "test_util.h"

#include <cstdlib>

using namespace meshrt_test;

namespace {

float input(int64_t tensor, int64_t rank, int64_t i) {
  return static_cast<float>(tensor * 5 + rank * 1000 + i % 991);
}

float expected(const std::vector<int64_t> &group, int64_t tensor, int64_t i) {
  float sum = 0;
  for (int64_t r : group)
    sum += input(tensor, r, i);
  return sum;
}

// Runs with the communication thread (the default) or without (MESHRT_COMM_THREAD=0), read
// when a context starts its first collective.
class NonBlocking : public ::testing::TestWithParam<bool> {
protected:
  void SetUp() override {
    if (GetParam())
      unsetenv("MESHRT_COMM_THREAD");
    else
      setenv("MESHRT_COMM_THREAD", "0", 1);
  }
  void TearDown() override { unsetenv("MESHRT_COMM_THREAD"); }
};

TEST_P(NonBlocking, InFlightTogetherWaitedOutOfOrder) {
  const std::vector<int64_t> counts = {7, 70001, 0, 33}; // one above the shm threshold
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int mask = 0; mask < (1 << sizes.size()); ++mask) {
      SCOPED_TRACE(spec + " mask " + std::to_string(mask));
      std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
      // A single all_reduce (request 3) and a bucket of two (request 8) whose results are
      // separate buffers, both in flight; the operands are overwritten right after the starts.
      std::vector<float> single(counts[1]);
      for (int64_t i = 0; i < counts[1]; ++i)
        single[i] = input(1, worldRank(), i);
      std::vector<std::vector<float>> in(4), out(4);
      for (int t : {0, 3}) {
        in[t].resize(counts[t]);
        for (int64_t i = 0; i < counts[t]; ++i)
          in[t][i] = input(t, worldRank(), i);
        out[t].assign(counts[t], -1.0f);
      }
      const float *inPtrs[] = {in[0].data(), in[3].data()};
      float *outPtrs[] = {out[0].data(), out[3].data()};
      const int64_t bucketCounts[] = {counts[0], counts[3]};
      meshrt_allreduce_sum_start(ctx.get(), 3, mask, single.data(), counts[1]);
      meshrt_all_reduce_bucket_start(ctx.get(), 8, mask, 2, inPtrs, outPtrs, bucketCounts);
      for (int t : {0, 3})
        std::fill(in[t].begin(), in[t].end(), 1e9f);
      // A blocking collective while both are in flight: it runs after them.
      float one = static_cast<float>(worldRank());
      meshrt_allreduce_sum(ctx.get(), mask, &one, 1);
      meshrt_collective_wait(ctx.get(), 8);
      meshrt_collective_wait(ctx.get(), 3);
      ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
      float ranks = 0;
      for (int64_t r : group)
        ranks += static_cast<float>(r);
      EXPECT_EQ(one, ranks);
      for (int64_t i = 0; i < counts[1]; ++i)
        ASSERT_EQ(single[i], expected(group, 1, i)) << "element " << i;
      for (int t : {0, 3})
        for (int64_t i = 0; i < counts[t]; ++i)
          ASSERT_EQ(out[t][i], expected(group, t, i)) << "tensor " << t << " element " << i;
    }
  }
}

TEST_P(NonBlocking, BucketInPlaceRepeatedAcrossSteps) {
  // The same requests every "step", results in place, a growing then shrinking bucket: the
  // packing buffers are reused.
  ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
  std::vector<int64_t> group = groupOf({worldSize()}, worldRank(), 1);
  for (const std::vector<int64_t> &counts :
       std::vector<std::vector<int64_t>>{{3, 5}, {40000, 30001}, {1, 2}}) {
    std::vector<std::vector<float>> t(2);
    for (int k = 0; k < 2; ++k) {
      t[k].resize(counts[k]);
      for (int64_t i = 0; i < counts[k]; ++i)
        t[k][i] = input(k, worldRank(), i);
    }
    const float *inPtrs[] = {t[0].data(), t[1].data()};
    float *outPtrs[] = {t[0].data(), t[1].data()};
    meshrt_all_reduce_bucket_start(ctx.get(), 0, 1, 2, inPtrs, outPtrs, counts.data());
    meshrt_collective_wait(ctx.get(), 0);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    for (int k = 0; k < 2; ++k)
      for (int64_t i = 0; i < counts[k]; ++i)
        ASSERT_EQ(t[k][i], expected(group, k, i)) << "tensor " << k << " element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(CommThread, NonBlocking, ::testing::Values(true, false),
                         [](const auto &info) { return info.param ? "thread" : "inline"; });

TEST(NonBlockingErrors, WaitWithoutStart) {
  unsetenv("MESHRT_COMM_THREAD");
  ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
  float x = 1;
  meshrt_allreduce_sum_start(ctx.get(), 1, 1, &x, 1); // starts the thread
  meshrt_collective_wait(ctx.get(), 1);
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  meshrt_collective_wait(ctx.get(), 7);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  EXPECT_STREQ(meshrt_context_message(ctx.get()),
               "meshrt_collective_wait(request=7): collective 7 was not started");
}

TEST(NonBlockingErrors, StartedTwice) {
  unsetenv("MESHRT_COMM_THREAD");
  ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
  float x = 1, y = 2;
  meshrt_allreduce_sum_start(ctx.get(), 4, 1, &x, 1);
  meshrt_allreduce_sum_start(ctx.get(), 4, 1, &y, 1);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  EXPECT_STREQ(meshrt_context_message(ctx.get()),
               "meshrt_allreduce_sum_start(request=4, axes_mask=1, count=1): collective 4 was "
               "started again before its wait");
  // The first one still ran to its end: a failed context's wait still waits.
  meshrt_collective_wait(ctx.get(), 4);
  EXPECT_EQ(x, static_cast<float>(worldSize()));
}

TEST(NonBlockingErrors, BadBucketArguments) {
  ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
  const int64_t counts[] = {-1};
  float x = 0;
  const float *in[] = {&x};
  float *out[] = {&x};
  meshrt_all_reduce_bucket_start(ctx.get(), 0, 1, 1, in, out, counts);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  EXPECT_STREQ(meshrt_context_message(ctx.get()),
               "meshrt_all_reduce_bucket_start(request=0, axes_mask=1, n=1): counts[0] is "
               "negative");
}

} // namespace
