// loader.h — batches of a Dataset for the program's passes, read one batch ahead.
//
// Training visits the samples in a fresh permutation each epoch (data/shuffle.h: a function of
// --seed and the epoch only, so every mesh sees the same batches) and drops each epoch's last
// partial batch; evaluation and prediction visit them in order, and the last batch, where the
// sample count is not a multiple of the batch, is filled up with samples from the start (the
// evaluation ignores them: validSamples()). With prefetch, while the program computes batch k,
// a thread reads batch k+1 into the other of two host buffers (the reads are MPI-IO, so MPI
// must provide MPI_THREAD_MULTIPLE); otherwise batch k is read when the pass asks for it.
#ifndef MESHRT_SRC_DATA_LOADER_H
#define MESHRT_SRC_DATA_LOADER_H

#include "data/dataset.h"
#include "program/program_tensors.h"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace meshrt {

class BatchLoader : public InputSource {
public:
  enum class Order { Shuffled, Sequential };

  // `batch` is the global batch (dim 0 of the program's inputs).
  // prefetch: read the next batch on a thread (taken only where MPI provides
  // MPI_THREAD_MULTIPLE), else read each batch when the pass asks for it.
  BatchLoader(Context &ctx, std::unique_ptr<Dataset> data, Order order, int64_t batch,
              uint64_t seed, bool prefetch);
  ~BatchLoader() override;

  // Shuffled: N / batch (the last partial batch dropped); Sequential: ceil(N / batch).
  int64_t batchesPerEpoch() const { return batchesPerEpoch_; }
  const Dataset &dataset() const { return *data_; }
  int64_t batch() const { return batch_; }
  int64_t samples() const { return data_->samples(); }
  // Samples of batch k (Sequential) that are real, not padding: the first validSamples(k).
  int64_t validSamples(int64_t k) const;

  // Makes batch k (for Shuffled: the step number, epochs following each other) the current one:
  // waits for its read and starts reading k+1 if k+1 < limit. Returns the read's status.
  Status begin(int64_t k, int64_t limit);
  // Milliseconds the passes waited for data (reads not hidden by the prefetch).
  double waitMs() const { return waitMs_; }

  // InputSource: every input is claimed, bound or not; filling an unbound one is an error
  // naming the flag (a pass that reads an input must have its file).
  bool binds(const ProgramTensor &) const override { return true; }
  Status fill(Context &ctx, const ProgramTensor &t) override;

private:
  struct Slot {
    int64_t batch = -1; // which batch the slot holds or is reading
    bool ready = false;
    Status status;
    std::vector<std::vector<char>> blocks; // by input id
  };
  std::vector<int64_t> samplesOf(int64_t k);
  void read(Slot &slot, int64_t k);
  void worker();

  Context &ctx_;
  std::unique_ptr<Dataset> data_;
  Order order_;
  int64_t batch_;
  uint64_t seed_;
  int64_t batchesPerEpoch_ = 0;
  std::vector<int64_t> permutation_; // of permutationEpoch_
  int64_t permutationEpoch_ = -1;

  Slot slots_[2];
  int64_t current_ = -1;
  double waitMs_ = 0.0;

  bool threaded_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int64_t pending_ = -1; // batch the worker should read next (-1: none)
  bool stop_ = false;
};

} // namespace meshrt

#endif // MESHRT_SRC_DATA_LOADER_H
