// caching_allocator.cpp — size classes, best-fit reuse and the free-and-retry path on OOM.
#include "device/caching_allocator.h"

#include <cassert>
#include <limits>

namespace meshrt {
namespace {

constexpr size_t kSmallGranule = 512;
constexpr size_t kLargeThreshold = size_t{1} << 20;

// The largest cached block a request of rounded size `rounded` may take. Small blocks are
// cheap, so any block up to twice the size will do; a large request takes at most the next
// size class, so one big cached block is not tied up by a much smaller request.
size_t maxReuse(size_t rounded) {
  if (rounded <= kLargeThreshold)
    return 2 * rounded;
  return rounded + rounded / 4;
}

} // namespace

size_t CachingAllocator::roundSize(size_t bytes) {
  if (bytes > std::numeric_limits<size_t>::max() / 2)
    return bytes; // no backend will serve it; avoid overflowing the rounding
  if (bytes <= kLargeThreshold) {
    size_t n = (bytes + kSmallGranule - 1) / kSmallGranule * kSmallGranule;
    return n == 0 ? kSmallGranule : n;
  }
  size_t pow2 = kLargeThreshold;
  while (pow2 * 2 <= bytes)
    pow2 *= 2;
  const size_t step = pow2 / 4;
  return (bytes + step - 1) / step * step;
}

CachingAllocator::~CachingAllocator() { freeAll(); }

void CachingAllocator::setBackend(RawAlloc rawAlloc, RawFree rawFree) {
  std::lock_guard<std::mutex> lock(mutex_);
  rawAlloc_ = std::move(rawAlloc);
  rawFree_ = std::move(rawFree);
}

Status CachingAllocator::allocate(size_t bytes, void **out) {
  *out = nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!rawAlloc_ || !rawFree_)
    return Status::error(MESHRT_KERNEL_ERROR, "device allocator used before it has a backend");
  const size_t size = roundSize(bytes);

  void *p = nullptr;
  size_t blockSize = size;
  auto it = cached_.lower_bound(size);
  if (it != cached_.end() && it->first <= maxReuse(size)) {
    blockSize = it->first;
    p = it->second;
    cached_.erase(it);
  } else {
    Status s = rawAlloc_(size, &p);
    if (!s.ok() && !cached_.empty()) {
      emptyCacheLocked();
      s = rawAlloc_(size, &p);
    }
    if (!s.ok())
      return s;
    ++stats_.driverAllocs;
    stats_.driverBytes += static_cast<int64_t>(size);
  }

  inUse_.emplace(p, blockSize);
  ++stats_.requests;
  stats_.inUseBytes += static_cast<int64_t>(blockSize);
  if (stats_.inUseBytes > stats_.peakInUseBytes)
    stats_.peakInUseBytes = stats_.inUseBytes;
  *out = p;
  return Status::success();
}

void CachingAllocator::release(void *p) {
  if (!p)
    return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = inUse_.find(p);
  assert(it != inUse_.end() && "release of a pointer this allocator did not hand out");
  if (it == inUse_.end())
    return;
  stats_.inUseBytes -= static_cast<int64_t>(it->second);
  cached_.emplace(it->second, p);
  inUse_.erase(it);
}

DeviceMemoryStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CachingAllocator::emptyCache() {
  std::lock_guard<std::mutex> lock(mutex_);
  emptyCacheLocked();
}

void CachingAllocator::emptyCacheLocked() {
  for (auto &[size, p] : cached_) {
    rawFree_(p);
    stats_.driverBytes -= static_cast<int64_t>(size);
  }
  cached_.clear();
}

void CachingAllocator::freeAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!rawFree_) // nothing can have been allocated
    return;
  emptyCacheLocked();
  for (auto &[p, size] : inUse_) {
    rawFree_(p);
    stats_.driverBytes -= static_cast<int64_t>(size);
  }
  inUse_.clear();
  stats_.inUseBytes = 0;
}

} // namespace meshrt
