// stats.h — the collectives a run actually performs, behind `--stats` / MESHRT_STATS=1.
//
// Every collective ABI call records (kind, axes, bytes) when stats are on; meshrt_main brackets
// each step so that the recorder keeps the first step's list and checks that every later step
// performed exactly the same list. Rank 0 prints that list in the format of `meshc --explain`'s
// collective lines, so the two can be compared line by line:
//   stats: collective N: KIND axes=A[,B] bytes=BYTES
// bytes is the size of this rank's input buffer to the collective (an all_reduce's buffer or a
// bucket's packed buffer, an all_gather's local block, a reduce_scatter's or all_slice's whole
// input, an all_to_all's blocks for all peers). Calls are recorded even where the group has one
// rank or nothing is to be sent: they mirror the collectives of the compiled program.
// Single-threaded, like the step.
#ifndef MESHRT_SRC_STATS_H
#define MESHRT_SRC_STATS_H

#include <cstdint>
#include <string>
#include <vector>

namespace meshrt {

enum class CollectiveKind : int {
  AllReduce,
  AllReduceMax,
  AllGather,
  ReduceScatter,
  AllSlice,
  AllToAll,
  HaloExchange,     // bytes: the halo rows received, lo + hi of them (nominal: as if both
  HaloExchangeGrad, // neighbours exist, so that every rank of the axis records alike)
};

// The IR op names: all_reduce, all_reduce_max, all_gather, reduce_scatter, all_slice, all_to_all,
// halo_exchange, halo_exchange_grad.
const char *collectiveKindName(CollectiveKind kind);

struct CollectiveRecord {
  CollectiveKind kind;
  int32_t axesMask; // bit i = mesh axis i
  int64_t bytes;
  bool operator==(const CollectiveRecord &o) const {
    return kind == o.kind && axesMask == o.axesMask && bytes == o.bytes;
  }
  bool operator!=(const CollectiveRecord &o) const { return !(*this == o); }
};

class StatsRecorder {
public:
  void record(CollectiveKind kind, int32_t axesMask, int64_t bytes);
  // Bytes handed to generated code by meshrt_alloc (its buffers; meshc --explain's total).
  void recordAllocation(int64_t bytes) { allocated_ += bytes; }
  int64_t allocatedBytes() const { return allocated_; }
  void beginStep(int64_t step);
  void endStep();

  // The first step's collectives, in call order.
  const std::vector<CollectiveRecord> &firstStep() const { return first_; }
  // Collectives recorded outside any step (meshc_init), in call order.
  const std::vector<CollectiveRecord> &outsideSteps() const { return outside_; }
  int64_t stepsRecorded() const { return steps_; }
  // The first step whose list differed from the first step's, or -1.
  int64_t firstMismatch() const { return firstMismatch_; }
  // A hash of the first step's list and of the outside-steps list (to compare ranks).
  uint64_t fingerprint() const;

  // One line per collective of the first step: "collective N: KIND axes=A,B bytes=BYTES", axes
  // named from `axisNames` (a bit without a name prints as its index; no axes as "-").
  std::vector<std::string> formatFirstStep(const std::vector<std::string> &axisNames) const;
  static std::string formatRecord(size_t index, const CollectiveRecord &record,
                                  const std::vector<std::string> &axisNames);

  void reset() { *this = StatsRecorder(); }

private:
  std::vector<CollectiveRecord> first_, current_, outside_;
  bool inStep_ = false;
  int64_t steps_ = 0;
  int64_t firstMismatch_ = -1;
  int64_t step_ = 0;
  int64_t allocated_ = 0;
};

extern bool gStatsEnabled;
extern StatsRecorder gStats;
// Where set, also told of every collective: --trace's (trace.h) marks the running call's span.
extern void (*gCollectiveObserver)(CollectiveKind kind, int32_t axesMask, int64_t bytes);

inline void recordCollective(CollectiveKind kind, int32_t axesMask, int64_t bytes) {
  if (gStatsEnabled)
    gStats.record(kind, axesMask, bytes);
  if (gCollectiveObserver)
    gCollectiveObserver(kind, axesMask, bytes);
}

inline void recordAllocation(int64_t bytes) {
  if (gStatsEnabled)
    gStats.recordAllocation(bytes);
}

} // namespace meshrt

#endif // MESHRT_SRC_STATS_H
