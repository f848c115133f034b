// caching_allocator.h — keeps released device blocks for reuse so that steady-state training
// steps never reach the driver (cudaMalloc/cudaFree synchronise the device and cost 10s of µs).
//
// Plain C++: the backend that really allocates is a pair of callbacks, so the policy is tested
// on the CPU with malloc. Blocks are never split: a request is rounded up to a size class and
// served by the smallest cached block that is at most a little larger, else by the backend.
#ifndef MESHRT_SRC_DEVICE_CACHING_ALLOCATOR_H
#define MESHRT_SRC_DEVICE_CACHING_ALLOCATOR_H

#include "device/device.h"
#include "status.h"

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

namespace meshrt {

class CachingAllocator {
public:
  using RawAlloc = std::function<Status(size_t bytes, void **out)>;
  using RawFree = std::function<void(void *)>;

  CachingAllocator() = default;
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator &) = delete;
  CachingAllocator &operator=(const CachingAllocator &) = delete;

  void setBackend(RawAlloc rawAlloc, RawFree rawFree);

  // A block of at least `bytes` (contents undefined). When the backend fails, the cached blocks
  // go back to it and the request is tried once more; the second failure is returned as is.
  Status allocate(size_t bytes, void **out);
  // Returns a block from allocate() to the cache. Null is ignored; an unknown pointer is a bug
  // (asserts in debug builds, ignored otherwise).
  void release(void *p);
  // Byte counts are of whole blocks (rounded sizes), so driverBytes - inUseBytes is the cache.
  DeviceMemoryStats stats() const;
  // Gives the cached (unused) blocks back to the backend.
  void emptyCache();
  // Gives every block back to the backend, in use or not.
  void freeAll();

  // The block size a request of `bytes` gets: multiples of 512 B up to 1 MiB, then four
  // classes per power of two (at most 25% rounding).
  static size_t roundSize(size_t bytes);

private:
  void emptyCacheLocked();

  mutable std::mutex mutex_;
  RawAlloc rawAlloc_;
  RawFree rawFree_;
  std::multimap<size_t, void *> cached_;     // size -> unused block
  std::unordered_map<void *, size_t> inUse_; // block -> size
  DeviceMemoryStats stats_;
};

} // namespace meshrt

#endif // MESHRT_SRC_DEVICE_CACHING_ALLOCATOR_H
