// all_reduce_bucket_test.cpp — meshrt_all_reduce_bucket (several all_reduces packed into one) on
// every mesh and axes mask that fit the world, against sums the test computes by formula from
// each rank's coordinates, with separate and in-place results, empty members, and sizes above
// the shared-memory allreduce's threshold; and its refusal of bad arguments.
#include "test_util.h"

using namespace meshrt_test;

namespace {

// Exactly representable in float: small integers, different per tensor, rank and element.
float bucketInput(int64_t tensor, int64_t rank, int64_t i) {
  return static_cast<float>(tensor * 7 + rank * 1000 + i % 997);
}

// Runs one bucket of tensors of `counts` over `mask` and checks every result element; with
// `inPlace` each result overwrites its operand, else the operands must be left untouched.
void checkBucket(meshrt_context_t ctx, const std::vector<int64_t> &sizes, int mask,
                 const std::vector<int64_t> &counts, bool inPlace) {
  const int64_t n = static_cast<int64_t>(counts.size());
  std::vector<std::vector<float>> in(n), out(n);
  std::vector<const float *> inPtrs(n);
  std::vector<float *> outPtrs(n);
  for (int64_t t = 0; t < n; ++t) {
    in[t].resize(counts[t]);
    for (int64_t i = 0; i < counts[t]; ++i)
      in[t][i] = bucketInput(t, worldRank(), i);
    out[t].assign(counts[t], -1.0f);
    inPtrs[t] = in[t].data();
    outPtrs[t] = inPlace ? in[t].data() : out[t].data();
  }
  meshrt_all_reduce_bucket(ctx, mask, n, inPtrs.data(), outPtrs.data(), counts.data());
  ASSERT_EQ(meshrt_context_status(ctx), MESHRT_OK) << meshrt_context_message(ctx);
  std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
  for (int64_t t = 0; t < n; ++t)
    for (int64_t i = 0; i < counts[t]; ++i) {
      float expect = 0;
      for (int64_t r : group)
        expect += bucketInput(t, r, i);
      ASSERT_EQ(outPtrs[t][i], expect) << "tensor " << t << " element " << i;
      if (!inPlace)
        ASSERT_EQ(in[t][i], bucketInput(t, worldRank(), i)) << "operand " << t << " changed";
    }
}

} // namespace

TEST(AllReduceBucket, EveryMaskSeparateAndInPlace) {
  // An empty member in the middle, odd sizes so that no tensor starts aligned in the pack.
  const std::vector<int64_t> counts = {5, 0, 37, 1, 130};
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int mask = 0; mask < (1 << sizes.size()); ++mask)
      for (bool inPlace : {false, true}) {
        SCOPED_TRACE(spec + " mask " + std::to_string(mask) + (inPlace ? " in place" : ""));
        checkBucket(ctx.get(), sizes, mask, counts, inPlace);
      }
  }
}

TEST(AllReduceBucket, LargeBucketAndRepeatedScratchUse) {
  // Above the shared-memory allreduce's threshold (65536 floats) in all, with a partial last
  // chunk; then a smaller bucket through the same (already grown) scratch.
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    const int all = (1 << sizes.size()) - 1;
    SCOPED_TRACE(spec);
    checkBucket(ctx.get(), sizes, all, {40000, 3, 60001}, false);
    checkBucket(ctx.get(), sizes, all, {2, 9}, true);
  }
}

TEST(AllReduceBucket, NoTensorsIsANoOp) {
  ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
  meshrt_all_reduce_bucket(ctx.get(), 1, 0, nullptr, nullptr, nullptr);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(AllReduceBucket, BadArgumentsAreRefused) {
  struct Case {
    const char *what;
    int32_t mask;
    int64_t n;
    bool nullArrays;
    int64_t secondCount;
    const char *message;
  };
  for (const Case &c : std::vector<Case>{
           {"null arrays", 1, 2, true, 3, "in, out or counts is null"},
           {"negative count", 1, 2, false, -3, "counts[1] is negative"},
           {"negative n", 1, -1, false, 3, "n is negative"},
           {"no such axes", 1 << 5, 2, false, 3, "no group of mesh axes has mask 32"},
       }) {
    SCOPED_TRACE(c.what);
    ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
    float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    float *bufs[2] = {a, b};
    const int64_t counts[2] = {3, c.secondCount};
    meshrt_all_reduce_bucket(ctx.get(), c.mask, c.n, c.nullArrays ? nullptr : bufs, bufs, counts);
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
    EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find(c.message), std::string::npos)
        << meshrt_context_message(ctx.get());
    EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find("meshrt_all_reduce_bucket"),
              std::string::npos);
  }
}
