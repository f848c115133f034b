// all_reduce_max_test.cpp — meshrt_all_reduce_max (elementwise maximum over the ranks of a group
// of mesh axes, the vocab-parallel cross-entropy's row maximum) on every mesh and axes mask that
// fit the world, against maxima the test computes by formula from each rank's coordinates; with
// negative values, -inf and a winner that differs per element; and its refusal of bad arguments.
#include "test_util.h"

#include <cmath>
#include <limits>

using namespace meshrt_test;

namespace {

// Which rank holds the maximum changes with the element, and every value is negative for
// some elements (a sum or a max that starts at 0 would be wrong there).
float maxInput(int64_t rank, int64_t i) {
  if (i % 11 == 3 && rank != 0)
    return -std::numeric_limits<float>::infinity(); // only rank 0's value counts
  return static_cast<float>(((rank * 37 + i * 13) % 101) - 150) * 0.5f;
}

void checkMax(meshrt_context_t ctx, const std::vector<int64_t> &sizes, int mask, int64_t count) {
  std::vector<float> buf(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    buf[i] = maxInput(worldRank(), i);
  meshrt_all_reduce_max(ctx, mask, buf.data(), count);
  ASSERT_EQ(meshrt_context_status(ctx), MESHRT_OK) << meshrt_context_message(ctx);
  std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
  for (int64_t i = 0; i < count; ++i) {
    float expect = -std::numeric_limits<float>::infinity();
    for (int64_t r : group)
      expect = std::max(expect, maxInput(r, i));
    ASSERT_EQ(buf[i], expect) << "element " << i;
  }
}

} // namespace

TEST(AllReduceMax, EveryMeshAndMask) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int mask = 0; mask < (1 << sizes.size()); ++mask)
      for (int64_t count : {int64_t{1}, int64_t{37}, int64_t{70001}}) {
        SCOPED_TRACE(spec + " mask " + std::to_string(mask) + " count " + std::to_string(count));
        checkMax(ctx.get(), sizes, mask, count);
      }
  }
}

TEST(AllReduceMax, EmptyIsANoOp) {
  ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
  meshrt_all_reduce_max(ctx.get(), 1, nullptr, 0);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(AllReduceMax, BadArgumentsAreRefused) {
  struct Case {
    const char *what;
    int32_t mask;
    bool nullBuf;
    int64_t count;
    const char *message;
  };
  for (const Case &c : std::vector<Case>{
           {"no such axes", 1 << 5, false, 3, "no group of mesh axes has mask 32"},
           {"null buffer", 1, true, 3, "buf is null"},
           {"negative count", 1, false, -1, "count is negative"},
       }) {
    SCOPED_TRACE(c.what);
    ContextPtr ctx = makeContext("b=" + std::to_string(worldSize()));
    float a[3] = {1, 2, 3};
    meshrt_all_reduce_max(ctx.get(), c.mask, c.nullBuf ? nullptr : a, c.count);
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
    EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find(c.message), std::string::npos)
        << meshrt_context_message(ctx.get());
    EXPECT_NE(std::string(meshrt_context_message(ctx.get())).find("meshrt_all_reduce_max"),
              std::string::npos);
  }
}
