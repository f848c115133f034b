// caching_allocator_test.cpp — the device caching allocator's policy on a malloc backend that
// counts its calls and can be given a capacity, so reuse, the statistics and the
// free-cache-and-retry path on out-of-memory are checked without a GPU.
#include "device/caching_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <vector>

using namespace meshrt;

namespace {

constexpr size_t kMiB = size_t{1} << 20;

// malloc with bookkeeping; fails with MESHRT_OUT_OF_MEMORY past `capacity` bytes held.
struct CountingBackend {
  size_t capacity = ~size_t{0};
  int allocs = 0;
  int frees = 0;
  int failures = 0;
  size_t held = 0;
  std::map<void *, size_t> live;

  void attach(CachingAllocator &a) {
    a.setBackend([this](size_t bytes, void **out) { return alloc(bytes, out); },
                 [this](void *p) { free(p); });
  }
  Status alloc(size_t bytes, void **out) {
    if (held + bytes > capacity) {
      ++failures;
      return Status::error(MESHRT_OUT_OF_MEMORY, "backend full");
    }
    void *p = std::aligned_alloc(256, bytes); // sizes are multiples of 512
    if (!p)
      return Status::error(MESHRT_OUT_OF_MEMORY, "malloc failed");
    ++allocs;
    held += bytes;
    live[p] = bytes;
    *out = p;
    return Status::success();
  }
  void free(void *p) {
    auto it = live.find(p);
    ASSERT_NE(it, live.end()) << "backend asked to free a pointer it did not allocate";
    ++frees;
    held -= it->second;
    live.erase(it);
    std::free(p);
  }
};

void *mustAllocate(CachingAllocator &a, size_t bytes) {
  void *p = nullptr;
  Status s = a.allocate(bytes, &p);
  EXPECT_TRUE(s.ok()) << s.message;
  EXPECT_NE(p, nullptr);
  return p;
}

} // namespace

TEST(CachingAllocator, RoundsToSizeClasses) {
  EXPECT_EQ(CachingAllocator::roundSize(0), 512u);
  EXPECT_EQ(CachingAllocator::roundSize(1), 512u);
  EXPECT_EQ(CachingAllocator::roundSize(512), 512u);
  EXPECT_EQ(CachingAllocator::roundSize(513), 1024u);
  EXPECT_EQ(CachingAllocator::roundSize(kMiB), kMiB);
  EXPECT_EQ(CachingAllocator::roundSize(kMiB + 1), kMiB + kMiB / 4);
  EXPECT_EQ(CachingAllocator::roundSize(2 * kMiB), 2 * kMiB);
  EXPECT_EQ(CachingAllocator::roundSize(3 * kMiB - 1), 3 * kMiB);
  for (size_t bytes = 1; bytes < (size_t{1} << 34); bytes = bytes * 3 + 7) {
    const size_t r = CachingAllocator::roundSize(bytes);
    EXPECT_GE(r, bytes);
    EXPECT_EQ(r % 512, 0u);
    EXPECT_LE(r, bytes <= kMiB ? bytes + 511 : bytes + bytes / 4) << bytes;
  }
}

TEST(CachingAllocator, ReusesReleasedBlocksWithoutTheBackend) {
  CountingBackend backend;
  CachingAllocator a;
  backend.attach(a);

  void *p = mustAllocate(a, 1000);
  EXPECT_EQ(backend.allocs, 1);
  a.release(p);
  EXPECT_EQ(backend.frees, 0);
  EXPECT_EQ(mustAllocate(a, 1000), p);
  a.release(p);
  EXPECT_EQ(mustAllocate(a, 600), p); // same 1 KiB class
  EXPECT_EQ(backend.allocs, 1);

  void *big = mustAllocate(a, 16 * kMiB);
  a.release(big);
  EXPECT_EQ(mustAllocate(a, 15 * kMiB), big);
  EXPECT_EQ(backend.allocs, 2);
}

TEST(CachingAllocator, LargeRequestDoesNotTieUpAMuchLargerBlock) {
  CountingBackend backend;
  CachingAllocator a;
  backend.attach(a);
  void *big = mustAllocate(a, 64 * kMiB);
  a.release(big);
  void *small = mustAllocate(a, 8 * kMiB);
  EXPECT_NE(small, big);
  EXPECT_EQ(backend.allocs, 2);
  EXPECT_EQ(mustAllocate(a, 64 * kMiB), big);
}

TEST(CachingAllocator, LiveBlocksNeverOverlap) {
  CountingBackend backend;
  CachingAllocator a;
  backend.attach(a);
  std::mt19937 rng(7);
  std::map<char *, size_t> live; // start -> requested bytes
  for (int i = 0; i < 2000; ++i) {
    if (!live.empty() && rng() % 3 == 0) {
      auto it = live.begin();
      std::advance(it, rng() % live.size());
      a.release(it->first);
      live.erase(it);
      continue;
    }
    const size_t bytes = rng() % 2 ? rng() % 4096 : rng() % (4 * kMiB);
    char *p = static_cast<char *>(mustAllocate(a, bytes));
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
    auto next = live.lower_bound(p);
    if (next != live.end()) {
      ASSERT_LE(p + bytes, next->first) << "overlaps the next live block";
    }
    if (next != live.begin()) {
      auto prev = std::prev(next);
      ASSERT_LE(prev->first + prev->second, p) << "overlaps the previous live block";
    }
    std::memset(p, 0x5a, bytes); // the block really is that large (ASan would see otherwise)
    live[p] = bytes;
  }
  EXPECT_LT(backend.allocs, 2000);
}

TEST(CachingAllocator, StatsCountBlocksRequestsAndPeak) {
  CountingBackend backend;
  CachingAllocator a;
  backend.attach(a);
  void *p = mustAllocate(a, 100);      // 512
  void *q = mustAllocate(a, 3 * kMiB); // 3 MiB
  DeviceMemoryStats s = a.stats();
  EXPECT_EQ(s.driverAllocs, 2);
  EXPECT_EQ(s.driverBytes, static_cast<int64_t>(512 + 3 * kMiB));
  EXPECT_EQ(s.requests, 2);
  EXPECT_EQ(s.inUseBytes, static_cast<int64_t>(512 + 3 * kMiB));
  EXPECT_EQ(s.peakInUseBytes, s.inUseBytes);

  a.release(q);
  a.release(p);
  p = mustAllocate(a, 200);
  s = a.stats();
  EXPECT_EQ(s.driverAllocs, 2);
  EXPECT_EQ(s.driverBytes, static_cast<int64_t>(512 + 3 * kMiB));
  EXPECT_EQ(s.requests, 3);
  EXPECT_EQ(s.inUseBytes, 512);
  EXPECT_EQ(s.peakInUseBytes, static_cast<int64_t>(512 + 3 * kMiB));
  EXPECT_EQ(static_cast<size_t>(s.driverBytes), backend.held);

  a.release(nullptr); // ignored
  EXPECT_EQ(a.stats().inUseBytes, 512);
}

TEST(CachingAllocator, OutOfMemoryFreesTheCacheAndRetries) {
  CountingBackend backend;
  backend.capacity = 2 * kMiB;
  CachingAllocator a;
  backend.attach(a);
  void *x = mustAllocate(a, kMiB / 2);
  void *y = mustAllocate(a, kMiB / 2);
  a.release(x);
  a.release(y);

  // 1.25 MiB does not fit beside the 1 MiB cached, and no cached block is large enough.
  void *z = mustAllocate(a, kMiB + 1);
  EXPECT_EQ(backend.failures, 1);
  EXPECT_EQ(backend.frees, 2);
  EXPECT_EQ(backend.allocs, 3);
  DeviceMemoryStats s = a.stats();
  EXPECT_EQ(s.driverBytes, static_cast<int64_t>(kMiB + kMiB / 4));
  EXPECT_EQ(static_cast<size_t>(s.driverBytes), backend.held);
  EXPECT_EQ(s.driverAllocs, 3);
  EXPECT_EQ(s.inUseBytes, s.driverBytes);
  a.release(z);
}

TEST(CachingAllocator, OutOfMemoryWithNothingCachedReturnsTheBackendError) {
  CountingBackend backend;
  backend.capacity = kMiB;
  CachingAllocator a;
  backend.attach(a);
  void *x = mustAllocate(a, kMiB / 2);

  void *p = reinterpret_cast<void *>(0x1);
  Status s = a.allocate(kMiB, &p);
  EXPECT_EQ(s.code, MESHRT_OUT_OF_MEMORY);
  EXPECT_EQ(s.message, "backend full");
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(backend.failures, 1); // nothing cached: no retry
  EXPECT_EQ(a.stats().requests, 1);
  EXPECT_EQ(a.stats().inUseBytes, static_cast<int64_t>(kMiB / 2));

  // Cached blocks that cannot help are still freed, and the retry fails the same way.
  a.release(x);
  s = a.allocate(kMiB + 1, &p);
  EXPECT_EQ(s.code, MESHRT_OUT_OF_MEMORY);
  EXPECT_EQ(backend.failures, 3);
  EXPECT_EQ(backend.held, 0u);
  EXPECT_EQ(a.stats().driverBytes, 0);
}

TEST(CachingAllocator, FreeAllReturnsEveryBlock) {
  CountingBackend backend;
  {
    CachingAllocator a;
    backend.attach(a);
    std::vector<void *> blocks;
    for (size_t bytes : {10, 5000, 70000, 3000000})
      blocks.push_back(mustAllocate(a, bytes));
    a.release(blocks[1]);
    a.release(blocks[3]);
    a.freeAll();
    EXPECT_TRUE(backend.live.empty());
    EXPECT_EQ(backend.frees, 4);
    DeviceMemoryStats s = a.stats();
    EXPECT_EQ(s.driverBytes, 0);
    EXPECT_EQ(s.inUseBytes, 0);

    // Usable afterwards; the destructor frees what is left.
    mustAllocate(a, 1);
    a.release(mustAllocate(a, 2 * kMiB));
  }
  EXPECT_TRUE(backend.live.empty());
  EXPECT_EQ(backend.allocs, backend.frees);
}

TEST(CachingAllocator, FailsWithoutABackend) {
  CachingAllocator a;
  void *p = nullptr;
  Status s = a.allocate(64, &p);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(p, nullptr);
}
