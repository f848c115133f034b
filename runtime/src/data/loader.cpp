// loader.cpp — batch composition, the prefetch thread and filling the program's inputs.
#include "data/loader.h"

#include "context.h"
#include "data/shuffle.h"
#include "trace.h"

#include <mpi.h>

#include <chrono>
#include <cstring>

namespace meshrt {

BatchLoader::BatchLoader(Context &ctx, std::unique_ptr<Dataset> data, Order order, int64_t batch,
                         uint64_t seed, bool prefetch)
    : ctx_(ctx), data_(std::move(data)), order_(order), batch_(batch), seed_(seed) {
  const int64_t n = data_->samples();
  batchesPerEpoch_ = order_ == Order::Shuffled ? n / batch_ : (n + batch_ - 1) / batch_;
  for (Slot &slot : slots_)
    slot.blocks.resize(ctx_.tensors().size());
  for (const ProgramTensor &t : ctx_.tensors())
    if (data_->reader(t.id))
      for (Slot &slot : slots_)
        slot.blocks[t.id].resize(static_cast<size_t>(t.localBytes()));
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  threaded_ = prefetch && level >= MPI_THREAD_MULTIPLE;
  if (threaded_)
    thread_ = std::thread([this] { worker(); });
}

BatchLoader::~BatchLoader() {
  if (threaded_) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
}

int64_t BatchLoader::validSamples(int64_t k) const {
  if (order_ == Order::Shuffled)
    return batch_;
  const int64_t left = data_->samples() - k * batch_;
  return left < batch_ ? left : batch_;
}

std::vector<int64_t> BatchLoader::samplesOf(int64_t k) {
  std::vector<int64_t> samples(static_cast<size_t>(batch_));
  const int64_t n = data_->samples();
  if (order_ == Order::Sequential) {
    for (int64_t j = 0; j < batch_; ++j)
      samples[j] = (k * batch_ + j) % n;
    return samples;
  }
  const int64_t epoch = k / batchesPerEpoch_, within = k % batchesPerEpoch_;
  if (epoch != permutationEpoch_) {
    permutation_ = epochPermutation(seed_, epoch, n);
    permutationEpoch_ = epoch;
  }
  for (int64_t j = 0; j < batch_; ++j)
    samples[j] = permutation_[static_cast<size_t>(within * batch_ + j)];
  return samples;
}

// On the worker thread (or the pass's, unthreaded); the permutation cache is touched by one
// thread at a time because begin() waits for the worker before the next request.
void BatchLoader::read(Slot &slot, int64_t k) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int64_t> samples = samplesOf(k);
  Status s;
  for (const ProgramTensor &t : ctx_.tensors())
    if (s.ok() && data_->reader(t.id))
      s = data_->readBlock(t, samples, slot.blocks[t.id].data());
  slot.status = s;
  if (gTraceEnabled)
    traceSpan(threaded_ ? TraceTrack::Data : TraceTrack::Compute, "read_batch", k, start,
              std::chrono::steady_clock::now());
}

void BatchLoader::worker() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || pending_ >= 0; });
    if (stop_)
      return;
    const int64_t k = pending_;
    pending_ = -1;
    Slot &slot = slots_[k % 2];
    lock.unlock();
    read(slot, k);
    lock.lock();
    slot.ready = true;
    cv_.notify_all();
  }
}

Status BatchLoader::begin(int64_t k, int64_t limit) {
  const auto start = std::chrono::steady_clock::now();
  Slot &slot = slots_[k % 2];
  if (threaded_) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (slot.batch != k) { // not prefetched: read it now
      slot.batch = k;
      slot.ready = false;
      pending_ = k;
      cv_.notify_all();
    }
    cv_.wait(lock, [&] { return slot.ready; });
    if (k + 1 < limit) {
      Slot &next = slots_[(k + 1) % 2];
      next.batch = k + 1;
      next.ready = false;
      pending_ = k + 1;
      cv_.notify_all();
    }
  } else if (slot.batch != k) {
    slot.batch = k;
    read(slot, k);
    slot.ready = true;
  }
  current_ = k;
  const auto end = std::chrono::steady_clock::now();
  waitMs_ += std::chrono::duration<double, std::milli>(end - start).count();
  if (gTraceEnabled && threaded_)
    traceSpan(TraceTrack::Compute, "wait_for_batch", k, start, end);
  return slot.status;
}

Status BatchLoader::fill(Context &ctx, const ProgramTensor &t) {
  if (!data_->reader(t.id))
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("%s: the pass reads input '%s', which has no file",
                                   data_->flag().c_str(), t.name.c_str()));
  if (current_ < 0 || slots_[current_ % 2].batch != current_ || !slots_[current_ % 2].ready)
    return Status::error(MESHRT_INVALID_ARGUMENT, "meshrt_input: no batch is current");
  const Slot &slot = slots_[current_ % 2];
  const int64_t bytes = t.localBytes();
  void *dst = ctx.beginHostWrite(t.buffer, bytes);
  if (!dst)
    return ctx.status();
  std::memcpy(dst, slot.blocks[t.id].data(), static_cast<size_t>(bytes));
  ctx.finishHostWrite(t.buffer, dst, bytes);
  return Status::success();
}

} // namespace meshrt
