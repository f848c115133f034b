// collectives_test.cpp — collectives on every 1-D/2-D/3-D mesh that fits the world, checked
// against values the test computes by formula from each rank's coordinates.
#include "test_util.h"

#include <cstring>

using namespace meshrt_test;

namespace {

// Exactly representable in float: small integers.
float allreduceInput(int64_t rank, int64_t i) { return static_cast<float>(rank * 1000 + i); }

int32_t gatherValue(int64_t rank, int64_t o, int64_t l, int64_t i) {
  return static_cast<int32_t>(rank * 100000 + o * 1000 + l * 10 + i);
}

struct Blocks {
  int64_t outer, local, inner;
};
const Blocks kBlockShapes[] = {{1, 3, 2}, {4, 2, 3}, {3, 1, 1}, {2, 5, 1}};

} // namespace

TEST(Collectives, AllreduceEveryMask) {
  for (const std::string &spec : meshesForWorld()) {
    SCOPED_TRACE(spec);
    ContextPtr ctx = makeContext(spec);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::vector<int64_t> sizes = meshSizes(spec);
    const int64_t n = 37;
    for (int mask = 0; mask < (1 << sizes.size()); ++mask) {
      SCOPED_TRACE(mask);
      std::vector<float> buf(n);
      for (int64_t i = 0; i < n; ++i)
        buf[i] = allreduceInput(worldRank(), i);
      meshrt_allreduce_sum(ctx.get(), mask, buf.data(), n);
      std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
      for (int64_t i = 0; i < n; ++i) {
        float expect = 0;
        for (int64_t r : group)
          expect += allreduceInput(r, i);
        ASSERT_EQ(buf[i], expect) << "element " << i;
      }
    }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(Collectives, AllgatherMiddleDim) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (const Blocks &b : kBlockShapes) {
        SCOPED_TRACE(spec + " axis " + std::to_string(axis) + " outer " + std::to_string(b.outer));
        const int64_t p = sizes[axis];
        std::vector<int32_t> in(b.outer * b.local * b.inner), out(b.outer * p * b.local * b.inner);
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t l = 0; l < b.local; ++l)
            for (int64_t i = 0; i < b.inner; ++i)
              in[(o * b.local + l) * b.inner + i] = gatherValue(worldRank(), o, l, i);
        meshrt_allgather(ctx.get(), axis, in.data(), out.data(), b.outer, b.local, b.inner, 4);
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t c = 0; c < p; ++c)
            for (int64_t l = 0; l < b.local; ++l)
              for (int64_t i = 0; i < b.inner; ++i)
                ASSERT_EQ(out[((o * p + c) * b.local + l) * b.inner + i],
                          gatherValue(peer(sizes, axis, c), o, l, i));
      }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

// In place, as a sharded optimizer update gathers its parameter: `in` is this rank's own block
// of `out` (MPI_IN_PLACE underneath), the other blocks hold garbage before the call.
TEST(Collectives, AllgatherInPlace) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis) {
      SCOPED_TRACE(spec + " axis " + std::to_string(axis));
      const int64_t p = sizes[axis], local = 5, inner = 3, block = local * inner;
      std::vector<int32_t> out(p * block, -1);
      int32_t *mine = out.data() + coords[axis] * block;
      for (int64_t l = 0; l < local; ++l)
        for (int64_t i = 0; i < inner; ++i)
          mine[l * inner + i] = gatherValue(worldRank(), 0, l, i);
      meshrt_allgather(ctx.get(), axis, mine, out.data(), 1, local, inner, 4);
      for (int64_t c = 0; c < p; ++c)
        for (int64_t l = 0; l < local; ++l)
          for (int64_t i = 0; i < inner; ++i)
            ASSERT_EQ(out[(c * local + l) * inner + i], gatherValue(peer(sizes, axis, c), 0, l, i));
    }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(Collectives, AllgatherEightByteElements) {
  ContextPtr ctx = makeContext("x=" + std::to_string(worldSize()));
  const int64_t p = worldSize(), outer = 3, local = 2;
  std::vector<double> in(outer * local), out(outer * p * local);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t l = 0; l < local; ++l)
      in[o * local + l] = worldRank() + 0.5 * o + 0.25 * l;
  meshrt_allgather(ctx.get(), 0, in.data(), out.data(), outer, local, 1, 8);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < p; ++c)
      for (int64_t l = 0; l < local; ++l)
        EXPECT_EQ(out[(o * p + c) * local + l], c + 0.5 * o + 0.25 * l);
}

TEST(Collectives, ReduceScatterMiddleDim) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (const Blocks &b : kBlockShapes) {
        SCOPED_TRACE(spec + " axis " + std::to_string(axis) + " outer " + std::to_string(b.outer));
        const int64_t p = sizes[axis];
        // in[o, c*local + l, i] on rank r = value(r, o, c*local + l, i).
        auto value = [](int64_t r, int64_t o, int64_t g, int64_t i) {
          return static_cast<float>(r * 1000 + o * 100 + g * 5 + i);
        };
        std::vector<float> in(b.outer * p * b.local * b.inner), out(b.outer * b.local * b.inner);
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t g = 0; g < p * b.local; ++g)
            for (int64_t i = 0; i < b.inner; ++i)
              in[(o * p * b.local + g) * b.inner + i] = value(worldRank(), o, g, i);
        meshrt_reduce_scatter(ctx.get(), axis, in.data(), out.data(), b.outer, b.local, b.inner);
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t l = 0; l < b.local; ++l)
            for (int64_t i = 0; i < b.inner; ++i) {
              float expect = 0;
              for (int64_t c = 0; c < p; ++c)
                expect += value(peer(sizes, axis, c), o, coords[axis] * b.local + l, i);
              ASSERT_EQ(out[(o * b.local + l) * b.inner + i], expect);
            }
      }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(Collectives, AllSliceMiddleDim) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (const Blocks &b : kBlockShapes) {
        const int64_t p = sizes[axis];
        std::vector<int32_t> in(b.outer * p * b.local * b.inner), out(b.outer * b.local * b.inner);
        for (size_t j = 0; j < in.size(); ++j)
          in[j] = static_cast<int32_t>(j);
        meshrt_all_slice(ctx.get(), axis, in.data(), out.data(), b.outer, b.local, b.inner, 4);
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t l = 0; l < b.local; ++l)
            for (int64_t i = 0; i < b.inner; ++i)
              ASSERT_EQ(out[(o * b.local + l) * b.inner + i],
                        in[(o * p * b.local + coords[axis] * b.local + l) * b.inner + i]);
      }
  }
}

TEST(Collectives, Alltoall) {
  for (const std::string &spec : meshesForWorld()) {
    SCOPED_TRACE(spec);
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis) {
      const int64_t p = sizes[axis], block = 3; // floats per block
      std::vector<float> in(p * block), out(p * block);
      for (int64_t j = 0; j < p; ++j)
        for (int64_t e = 0; e < block; ++e)
          in[j * block + e] = static_cast<float>(worldRank() * 100 + j * 10 + e);
      meshrt_alltoall(ctx.get(), axis, in.data(), out.data(), block * 4);
      for (int64_t i = 0; i < p; ++i)
        for (int64_t e = 0; e < block; ++e)
          ASSERT_EQ(out[i * block + e],
                    static_cast<float>(peer(sizes, axis, i) * 100 + coords[axis] * 10 + e));
    }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(Collectives, LargeAllreduceAndRepeatedScratchUse) {
  // Big enough for Open MPI's large-message protocols; repeated so the scratch buffer is
  // reused and grown.
  ContextPtr ctx = makeContext("x=" + std::to_string(worldSize()));
  const int64_t n = 1 << 20;
  std::vector<float> buf(n);
  for (int64_t i = 0; i < n; ++i)
    buf[i] = static_cast<float>((i % 7) + worldRank());
  meshrt_allreduce_sum(ctx.get(), 1, buf.data(), n);
  const int64_t p = worldSize();
  for (int64_t i = 0; i < n; i += 4099)
    ASSERT_EQ(buf[i], static_cast<float>(p * (i % 7) + p * (p - 1) / 2));
  for (int64_t outer : {2, 64, 3}) {
    const int64_t local = 1000;
    std::vector<float> in(outer * local), out(outer * p * local);
    for (int64_t j = 0; j < outer * local; ++j)
      in[j] = static_cast<float>(j);
    meshrt_allgather(ctx.get(), 0, in.data(), out.data(), outer, local, 1, 4);
    EXPECT_EQ(out[(outer - 1) * p * local + (p - 1) * local + 5], in[(outer - 1) * local + 5]);
  }
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(Collectives, InvalidAxisIsAStickyError) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  float x[2] = {1, 2}, y[2] = {0, 0};
  meshrt_allgather(ctx.get(), 7, x, y, 1, 2, 1, 4);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  meshrt_all_slice(ctx.get(), 0, x, y, 1, 2, 1, 4); // no-op now
  EXPECT_EQ(y[0], 0.0f);
  ContextPtr ctx2 = makeContext(meshesForWorld().front());
  meshrt_allreduce_sum(ctx2.get(), 1 << 5, x, 2);
  EXPECT_EQ(meshrt_context_status(ctx2.get()), MESHRT_INVALID_ARGUMENT);
}

TEST(Collectives, SharedMemoryAllreduceEveryMaskOddSizes) {
  // Above the runtime's shared-memory allreduce threshold (65536 floats), with partial last
  // chunks and parts, and chunk counts (1, 2, 4, 6) that leave the pipeline's slots and step
  // counters at different phases between calls; every rank must end with the exact sums.
  for (const std::string &spec : meshesForWorld()) {
    SCOPED_TRACE(spec);
    ContextPtr ctx = makeContext(spec);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int64_t n :
         {int64_t{65536 + 17}, int64_t{65536}, int64_t{3 * 65536 + 5}, int64_t{5 * 65536 + 3}}) {
      for (int mask = 1; mask < (1 << sizes.size()); ++mask) {
        SCOPED_TRACE(mask);
        std::vector<float> buf(n);
        for (int64_t i = 0; i < n; ++i)
          buf[i] = static_cast<float>((i % 13) * (worldRank() + 1));
        meshrt_allreduce_sum(ctx.get(), mask, buf.data(), n);
        std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
        for (int64_t i = 0; i < n; ++i) {
          float expect = 0;
          for (int64_t r : group)
            expect += static_cast<float>((i % 13) * (r + 1));
          ASSERT_EQ(buf[i], expect) << "element " << i << " of " << n;
        }
      }
    }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}
