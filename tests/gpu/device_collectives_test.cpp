// device_collectives_test.cpp — the collectives on device buffers, on every 1-D/2-D/3-D mesh
// that fits the world, against values computed by formula from each rank's coordinates (as
// tests/runtime/collectives_test.cpp does on the host). Each runs through the staged path (MPI
// on host copies, what ranks sharing a GPU use) and, where every rank can have a GPU of its own,
// through NCCL. Inputs are small integers, so every sum is exact in any order. Mismatches are
// counted, not asserted, so that a failing rank still joins the collectives that follow.
#include "device_pair.h"

#include <algorithm>
#include <cstdlib>

using namespace meshrt_gpu_test;

namespace {

class DeviceCollectives : public CudaTest {};

struct Blocks {
  int64_t outer, local, inner;
};
const Blocks kBlockShapes[] = {{1, 3, 2}, {4, 2, 3}, {3, 1, 1}, {2, 5, 1}, {5, 33, 7}};

} // namespace

TEST_F(DeviceCollectives, AllreduceEveryMask) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    // Small, and above the sizes where host paths switch protocol (65536 floats).
    for (int64_t n : {int64_t{37}, int64_t{65536 + 17}, int64_t{3 * 65536 + 5}})
      for (int mask = 0; mask < (1 << sizes.size()); ++mask) {
        SCOPED_TRACE("n " + std::to_string(n) + " mask " + std::to_string(mask));
        std::vector<float> in(n);
        for (int64_t i = 0; i < n; ++i)
          in[i] = static_cast<float>((i % 13) * (worldRank() + 1));
        void *buf = put(ctx, in);
        meshrt_allreduce_sum(ctx, mask, static_cast<float *>(buf), n);
        std::vector<float> out = get<float>(ctx, buf, n);
        std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
        int64_t bad = 0;
        for (int64_t i = 0; i < n; ++i) {
          float expect = 0;
          for (int64_t r : group)
            expect += static_cast<float>((i % 13) * (r + 1));
          bad += out[i] != expect;
        }
        EXPECT_EQ(bad, 0) << "elements differ from the sums, e.g. element 1: " << out[1];
      }
  });
}

// The row maximum of the vocab-parallel cross-entropy: ncclMax, or MPI_MAX on host copies.
// The winning rank changes with the element and every value is negative for some elements.
TEST_F(DeviceCollectives, AllreduceMaxEveryMask) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    auto value = [](int64_t rank, int64_t i) {
      return static_cast<float>((rank * 37 + i * 13) % 101) - 50.0f;
    };
    for (int64_t n : {int64_t{37}, int64_t{65536 + 17}})
      for (int mask = 0; mask < (1 << sizes.size()); ++mask) {
        SCOPED_TRACE("n " + std::to_string(n) + " mask " + std::to_string(mask));
        std::vector<float> in(n);
        for (int64_t i = 0; i < n; ++i)
          in[i] = value(worldRank(), i);
        void *buf = put(ctx, in);
        meshrt_all_reduce_max(ctx, mask, static_cast<float *>(buf), n);
        std::vector<float> out = get<float>(ctx, buf, n);
        std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
        int64_t bad = 0;
        for (int64_t i = 0; i < n; ++i) {
          float expect = value(group.front(), i);
          for (int64_t r : group)
            expect = std::max(expect, value(r, i));
          bad += out[i] != expect;
        }
        EXPECT_EQ(bad, 0) << "elements differ from the maxima, e.g. element 1: " << out[1];
      }
  });
}

// A bucket packs device tensors into the device scratch, sums it on the path's communicator
// and unpacks: separate results (the operands unchanged) and in place, one member empty.
TEST_F(DeviceCollectives, AllreduceBucketEveryMask) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    const std::vector<int64_t> counts = {37, 0, 65536 + 17, 5};
    const int64_t n = static_cast<int64_t>(counts.size());
    auto value = [](int64_t t, int64_t rank, int64_t i) {
      return static_cast<float>((i % 13 + t) * (rank + 1));
    };
    for (int mask = 0; mask < (1 << sizes.size()); ++mask)
      for (bool inPlace : {false, true}) {
        SCOPED_TRACE("mask " + std::to_string(mask) + (inPlace ? " in place" : ""));
        std::vector<const float *> in(n);
        std::vector<float *> out(n);
        for (int64_t t = 0; t < n; ++t) {
          std::vector<float> host(counts[t] + 1); // never a zero-byte allocation
          for (int64_t i = 0; i < counts[t]; ++i)
            host[i] = value(t, worldRank(), i);
          in[t] = static_cast<const float *>(put(ctx, host));
          out[t] = inPlace ? const_cast<float *>(in[t])
                           : static_cast<float *>(put(ctx, std::vector<float>(counts[t] + 1)));
        }
        meshrt_all_reduce_bucket(ctx, mask, n, in.data(), out.data(), counts.data());
        std::vector<int64_t> group = groupOf(sizes, worldRank(), mask);
        int64_t bad = 0;
        for (int64_t t = 0; t < n; ++t) {
          std::vector<float> got = get<float>(ctx, out[t], counts[t]);
          std::vector<float> kept = get<float>(ctx, in[t], counts[t]);
          for (int64_t i = 0; i < counts[t]; ++i) {
            float expect = 0;
            for (int64_t r : group)
              expect += value(t, r, i);
            bad += got[i] != expect;
            bad += !inPlace && kept[i] != value(t, worldRank(), i);
          }
        }
        EXPECT_EQ(bad, 0) << "elements differ from the sums (or an operand changed)";
      }
  });
}

TEST_F(DeviceCollectives, AllgatherMiddleDim) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    auto value = [](int64_t rank, int64_t o, int64_t l, int64_t i) {
      return static_cast<int32_t>(rank * 100000 + o * 1000 + l * 10 + i);
    };
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (const Blocks &b : kBlockShapes) {
        SCOPED_TRACE("axis " + std::to_string(axis) + " blocks " + std::to_string(b.outer) + "x" +
                     std::to_string(b.local) + "x" + std::to_string(b.inner));
        const int64_t p = sizes[axis];
        std::vector<int32_t> in(b.outer * b.local * b.inner);
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t l = 0; l < b.local; ++l)
            for (int64_t i = 0; i < b.inner; ++i)
              in[(o * b.local + l) * b.inner + i] = value(worldRank(), o, l, i);
        void *src = put(ctx, in);
        void *dst = meshrt_alloc(ctx, b.outer * p * b.local * b.inner * 4);
        meshrt_allgather(ctx, axis, src, dst, b.outer, b.local, b.inner, 4);
        std::vector<int32_t> out = get<int32_t>(ctx, dst, b.outer * p * b.local * b.inner);
        int64_t bad = 0;
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t c = 0; c < p; ++c)
            for (int64_t l = 0; l < b.local; ++l)
              for (int64_t i = 0; i < b.inner; ++i)
                bad += out[((o * p + c) * b.local + l) * b.inner + i] !=
                       value(peer(sizes, axis, c), o, l, i);
        EXPECT_EQ(bad, 0);
      }
  });
}

TEST_F(DeviceCollectives, AllgatherEightByteElements) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    const int axis = static_cast<int>(sizes.size()) - 1;
    const int64_t p = sizes[axis], outer = 3, local = 2;
    std::vector<double> in(outer * local);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t l = 0; l < local; ++l)
        in[o * local + l] = worldRank() + 0.5 * o + 0.25 * l;
    void *src = put(ctx, in), *dst = meshrt_alloc(ctx, outer * p * local * 8);
    meshrt_allgather(ctx, axis, src, dst, outer, local, 1, 8);
    std::vector<double> out = get<double>(ctx, dst, outer * p * local);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < p; ++c)
        for (int64_t l = 0; l < local; ++l)
          EXPECT_EQ(out[(o * p + c) * local + l], peer(sizes, axis, c) + 0.5 * o + 0.25 * l);
  });
}

TEST_F(DeviceCollectives, ReduceScatterMiddleDim) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    // in[o, g, i] on rank r.
    auto value = [](int64_t r, int64_t o, int64_t g, int64_t i) {
      return static_cast<float>(r * 1000 + o * 100 + g * 5 + i);
    };
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (const Blocks &b : kBlockShapes) {
        SCOPED_TRACE("axis " + std::to_string(axis) + " blocks " + std::to_string(b.outer) + "x" +
                     std::to_string(b.local) + "x" + std::to_string(b.inner));
        const int64_t p = sizes[axis];
        std::vector<float> in(b.outer * p * b.local * b.inner);
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t g = 0; g < p * b.local; ++g)
            for (int64_t i = 0; i < b.inner; ++i)
              in[(o * p * b.local + g) * b.inner + i] = value(worldRank(), o, g, i);
        void *src = put(ctx, in), *dst = meshrt_alloc(ctx, b.outer * b.local * b.inner * 4);
        meshrt_reduce_scatter(ctx, axis, static_cast<const float *>(src), static_cast<float *>(dst),
                              b.outer, b.local, b.inner);
        std::vector<float> out = get<float>(ctx, dst, b.outer * b.local * b.inner);
        int64_t bad = 0;
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t l = 0; l < b.local; ++l)
            for (int64_t i = 0; i < b.inner; ++i) {
              float expect = 0;
              for (int64_t c = 0; c < p; ++c)
                expect += value(peer(sizes, axis, c), o, coords[axis] * b.local + l, i);
              bad += out[(o * b.local + l) * b.inner + i] != expect;
            }
        EXPECT_EQ(bad, 0);
      }
  });
}

TEST_F(DeviceCollectives, AllSliceMiddleDim) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (const Blocks &b : kBlockShapes) {
        const int64_t p = sizes[axis];
        std::vector<int32_t> in(b.outer * p * b.local * b.inner);
        for (size_t j = 0; j < in.size(); ++j)
          in[j] = static_cast<int32_t>(j);
        void *src = put(ctx, in), *dst = meshrt_alloc(ctx, b.outer * b.local * b.inner * 4);
        meshrt_all_slice(ctx, axis, src, dst, b.outer, b.local, b.inner, 4);
        std::vector<int32_t> out = get<int32_t>(ctx, dst, b.outer * b.local * b.inner);
        int64_t bad = 0;
        for (int64_t o = 0; o < b.outer; ++o)
          for (int64_t l = 0; l < b.local; ++l)
            for (int64_t i = 0; i < b.inner; ++i)
              bad += out[(o * b.local + l) * b.inner + i] !=
                     in[(o * p * b.local + coords[axis] * b.local + l) * b.inner + i];
        EXPECT_EQ(bad, 0);
      }
  });
}

TEST_F(DeviceCollectives, Alltoall) {
  forEachMeshAndPath([](meshrt_context_t ctx, const std::vector<int64_t> &sizes) {
    std::vector<int64_t> coords = coordsOf(sizes, worldRank());
    for (int axis = 0; axis < static_cast<int>(sizes.size()); ++axis)
      for (int64_t block : {int64_t{3}, int64_t{4099}}) { // floats per block
        SCOPED_TRACE("axis " + std::to_string(axis) + " block " + std::to_string(block));
        const int64_t p = sizes[axis];
        std::vector<float> in(p * block);
        for (int64_t j = 0; j < p; ++j)
          for (int64_t e = 0; e < block; ++e)
            in[j * block + e] = static_cast<float>(worldRank() * 100000 + j * 10000 + e);
        void *src = put(ctx, in), *dst = meshrt_alloc(ctx, p * block * 4);
        meshrt_alltoall(ctx, axis, src, dst, block * 4);
        std::vector<float> out = get<float>(ctx, dst, p * block);
        int64_t bad = 0;
        for (int64_t i = 0; i < p; ++i)
          for (int64_t e = 0; e < block; ++e)
            bad += out[i * block + e] !=
                   static_cast<float>(peer(sizes, axis, i) * 100000 + coords[axis] * 10000 + e);
        EXPECT_EQ(bad, 0);
      }
  });
}

TEST_F(DeviceCollectives, LargeAllreduceAndRepeatedScratchUse) {
  for (const char *comm : commPaths()) {
    SCOPED_TRACE(comm);
    ContextPtr holder;
    ASSERT_NO_FATAL_FAILURE(openDevice(&holder, "x=" + std::to_string(worldSize()), comm));
    meshrt_context_t ctx = holder.get();
    const int64_t n = 1 << 20, p = worldSize();
    std::vector<float> in(n);
    for (int64_t i = 0; i < n; ++i)
      in[i] = static_cast<float>((i % 7) + worldRank());
    void *buf = put(ctx, in);
    meshrt_allreduce_sum(ctx, 1, static_cast<float *>(buf), n);
    std::vector<float> out = get<float>(ctx, buf, n);
    int64_t bad = 0;
    for (int64_t i = 0; i < n; ++i)
      bad += out[i] != static_cast<float>(p * (i % 7) + p * (p - 1) / 2);
    EXPECT_EQ(bad, 0);
    // The scratch of the middle-dim gathers is reused and grown.
    for (int64_t outer : {2, 64, 3}) {
      const int64_t local = 1000;
      std::vector<float> blk(outer * local);
      for (int64_t j = 0; j < outer * local; ++j)
        blk[j] = static_cast<float>(j + worldRank() * 1000000);
      void *src = put(ctx, blk), *dst = meshrt_alloc(ctx, outer * p * local * 4);
      meshrt_allgather(ctx, 0, src, dst, outer, local, 1, 4);
      std::vector<float> got = get<float>(ctx, dst, outer * p * local);
      EXPECT_EQ(got[(outer - 1) * p * local + (p - 1) * local + 5],
                static_cast<float>((outer - 1) * local + 5 + (p - 1) * 1000000));
    }
    EXPECT_EQ(meshrt_context_status(ctx), MESHRT_OK) << meshrt_context_message(ctx);
  }
}

// "auto" stages through the host exactly when some node has more ranks than GPUs (NCCL cannot
// put two ranks on one GPU), and says so in the device name.
TEST_F(DeviceCollectives, AutoStagesWhenRanksShareAGpu) {
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int local = 1;
  MPI_Comm_size(node, &local);
  MPI_Comm_free(&node);
  int crowded = local > meshrt_device_count("cuda"), anyCrowded = 0;
  MPI_Allreduce(&crowded, &anyCrowded, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  ContextPtr ctx;
  ASSERT_NO_FATAL_FAILURE(openDevice(&ctx, meshesForWorld().front(), nullptr));
  const std::string name = meshrt_context_device_name(ctx.get());
  EXPECT_EQ(name.find("staged") != std::string::npos, anyCrowded != 0) << name;
  EXPECT_EQ(name.find("nccl") != std::string::npos, anyCrowded == 0) << name;
}
