// context_test.cpp — context creation: mesh parsing, world-size check, coordinates, sticky status.
#include "test_util.h"

#include <cstring>
#include <string>

using namespace meshrt_test;

TEST(Context, CoordinatesAreRowMajor) {
  for (const std::string &spec : meshesForWorld()) {
    SCOPED_TRACE(spec);
    ContextPtr ctx = makeContext(spec);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    ASSERT_EQ(meshrt_mesh_num_axes(ctx.get()), static_cast<int>(sizes.size()));
    EXPECT_EQ(meshrt_context_rank(ctx.get()), worldRank());
    for (size_t a = 0; a < sizes.size(); ++a) {
      EXPECT_EQ(meshrt_mesh_axis_size(ctx.get(), a), sizes[a]);
      EXPECT_EQ(meshrt_mesh_coord(ctx.get(), a), coords[a]);
    }
    EXPECT_EQ(meshrt_mesh_coord(ctx.get(), static_cast<int32_t>(sizes.size())), -1);
  }
}

TEST(Context, RejectsBadSpecs) {
  for (const char *spec : {"b", "b=0", "b=x", "b=2,", "=2", "b=2,b=1", "1b=2", "b=-1"}) {
    SCOPED_TRACE(spec);
    ContextPtr ctx = makeContext(spec);
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(meshrt_context_message(ctx.get()), "mesh"), nullptr)
        << meshrt_context_message(ctx.get());
  }
}

TEST(Context, RejectsWorldSizeMismatch) {
  std::string spec = "x=" + std::to_string(worldSize() + 1);
  ContextPtr ctx = makeContext(spec);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(meshrt_context_message(ctx.get()), "ranks"), nullptr);
}

TEST(Context, StatusIsStickyAndFirstErrorWins) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  EXPECT_STREQ(meshrt_context_message(ctx.get()), "");
  float x[4] = {1, 2, 3, 4};
  meshrt_unary(ctx.get(), /*op=*/99, 4, x, x, 1.0f); // unknown op: an error
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  std::string first = meshrt_context_message(ctx.get());
  meshrt_context_fail(ctx.get(), MESHRT_IO_ERROR, "second");
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  EXPECT_EQ(first, meshrt_context_message(ctx.get()));
  // Later kernels are no-ops.
  meshrt_fill(ctx.get(), 4, x, 7.0f);
  EXPECT_EQ(x[0], 1.0f);
}

TEST(Context, AllocIsZeroedAndAligned) {
  ContextPtr ctx = makeContext(meshesForWorld().front());
  for (int64_t bytes : {0, 1, 100, 1 << 20}) {
    auto *p = static_cast<unsigned char *>(meshrt_alloc(ctx.get(), bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    for (int64_t i = 0; i < bytes; ++i)
      ASSERT_EQ(p[i], 0);
  }
}
