// shm_collectives_test.cpp — reduce-scatter and allgather above the runtime's shared-memory
// threshold (256 KiB for all ranks' blocks together; comm/shm_collectives.cpp), on every mesh
// axis that fits the world, with sizes that are no multiple of the pipeline's chunk, of its
// 16-float parts or of the rank count, checked against MPI_Reduce_scatter_block /
// MPI_Allgather run by the test on its own communicator, against the rank-order sums the
// test computes, and against the runtime's allreduce of the same input, bit for bit.
#include "test_util.h"

#include <cstring>

using namespace meshrt_test;

namespace {

// The ranks along `axis` through this rank, ordered by their coordinate on it (the order of
// the runtime's blocks).
MPI_Comm axisComm(const std::vector<int64_t> &sizes, int axis) {
  MPI_Comm comm;
  MPI_Comm_split(MPI_COMM_WORLD, static_cast<int>(peer(sizes, axis, 0)),
                 static_cast<int>(coordsOf(sizes, worldRank())[axis]), &comm);
  return comm;
}

// Block counts (floats per rank): below the threshold on 2 ranks and above it on 4, one chunk
// and a bit, several chunks and a bit; none a multiple of 16.
const int64_t kBlockCounts[] = {16411, 65536 + 17, 3 * 65536 + 5};

} // namespace

TEST(ShmCollectives, ReduceScatterEqualsRankOrderSumsAndAllreduceBits) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (int64_t count : kBlockCounts) {
        SCOPED_TRACE(spec + " axis " + std::to_string(axis) + " count " + std::to_string(count));
        const int64_t p = sizes[axis], me = coords[axis];
        // Not small integers: the order of the additions shows in the bits.
        std::vector<float> in = pseudoVec(p * count, worldRank() + 1), out(count, -7.0f);
        meshrt_reduce_scatter(ctx.get(), axis, in.data(), out.data(), 1, count, 1);
        std::vector<float> all = in;
        meshrt_allreduce_sum(ctx.get(), 1 << axis, all.data(), p * count);
        for (int64_t i = 0; i < count; ++i) {
          float expect = pseudo(me * count + i, static_cast<int>(peer(sizes, axis, 0)) + 1);
          for (int64_t c = 1; c < p; ++c)
            expect += pseudo(me * count + i, static_cast<int>(peer(sizes, axis, c)) + 1);
          ASSERT_EQ(out[i], expect) << "element " << i;
          ASSERT_EQ(std::memcmp(&out[i], &all[me * count + i], sizeof(float)), 0)
              << "element " << i << ": reduce-scatter " << out[i] << ", allreduce "
              << all[me * count + i];
        }
      }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(ShmCollectives, ReduceScatterMatchesMpi) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis) {
      MPI_Comm comm = axisComm(sizes, axis);
      for (int64_t count : kBlockCounts)
        for (int64_t outer : {1, 3}) {
          SCOPED_TRACE(spec + " axis " + std::to_string(axis) + " count " + std::to_string(count) +
                       " outer " + std::to_string(outer));
          const int64_t p = sizes[axis], local = count / outer;
          // Small integers: exact sums, so any summation order (MPI's) gives the same bits.
          std::vector<float> in(outer * p * local), out(outer * local, -7.0f);
          for (int64_t j = 0; j < outer * p * local; ++j)
            in[j] = static_cast<float>((j % 101) * (worldRank() + 1) - 50);
          meshrt_reduce_scatter(ctx.get(), axis, in.data(), out.data(), outer, local, 1);
          // MPI wants rank c's block contiguous: [P][outer][local] from [outer][P][local].
          std::vector<float> blocks(in.size()), expect(out.size());
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t c = 0; c < p; ++c)
              std::memcpy(&blocks[(c * outer + o) * local], &in[(o * p + c) * local],
                          static_cast<size_t>(local) * sizeof(float));
          ASSERT_EQ(MPI_Reduce_scatter_block(blocks.data(), expect.data(),
                                             static_cast<int>(outer * local), MPI_FLOAT, MPI_SUM,
                                             comm),
                    MPI_SUCCESS);
          ASSERT_EQ(std::memcmp(out.data(), expect.data(), out.size() * sizeof(float)), 0);
        }
      MPI_Comm_free(&comm);
    }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(ShmCollectives, AllgatherMatchesMpiInPlaceAndNot) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis) {
      MPI_Comm comm = axisComm(sizes, axis);
      const int64_t p = sizes[axis], me = coords[axis];
      // Bytes per rank, in elements of 1 or 4 bytes: odd, a chunk (256 KiB) and a bit, several.
      for (int64_t bytes : {int64_t{262147}, int64_t{4 * (65536 + 17)}, int64_t{786451}})
        for (bool inPlace : {false, true}) {
          const int32_t elem = bytes % 4 == 0 ? 4 : 1;
          SCOPED_TRACE(spec + " axis " + std::to_string(axis) + " bytes " + std::to_string(bytes) +
                       (inPlace ? " in place" : ""));
          std::vector<unsigned char> mine(bytes), out(p * bytes, 0xEE), expect(p * bytes);
          for (int64_t i = 0; i < bytes; ++i)
            mine[i] = static_cast<unsigned char>((i * 7 + worldRank() * 31) % 251);
          unsigned char *in = mine.data();
          if (inPlace) {
            std::memcpy(out.data() + me * bytes, mine.data(), static_cast<size_t>(bytes));
            in = out.data() + me * bytes;
          }
          meshrt_allgather(ctx.get(), axis, in, out.data(), 1, bytes / elem, 1, elem);
          ASSERT_EQ(MPI_Allgather(mine.data(), static_cast<int>(bytes), MPI_BYTE, expect.data(),
                                  static_cast<int>(bytes), MPI_BYTE, comm),
                    MPI_SUCCESS);
          ASSERT_EQ(std::memcmp(out.data(), expect.data(), out.size()), 0);
        }
      MPI_Comm_free(&comm);
    }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}
