// stats.cpp — the collective recorder behind `--stats` (see stats.h). No MPI here: meshrt_main
// compares the ranks' fingerprints and prints.
#include "stats.h"

namespace meshrt {

bool gStatsEnabled = false;
StatsRecorder gStats;
void (*gCollectiveObserver)(CollectiveKind, int32_t, int64_t) = nullptr;

const char *collectiveKindName(CollectiveKind kind) {
  switch (kind) {
  case CollectiveKind::AllReduce:
    return "all_reduce";
  case CollectiveKind::AllReduceMax:
    return "all_reduce_max";
  case CollectiveKind::AllGather:
    return "all_gather";
  case CollectiveKind::ReduceScatter:
    return "reduce_scatter";
  case CollectiveKind::AllSlice:
    return "all_slice";
  case CollectiveKind::AllToAll:
    return "all_to_all";
  case CollectiveKind::HaloExchange:
    return "halo_exchange";
  case CollectiveKind::HaloExchangeGrad:
    return "halo_exchange_grad";
  }
  return "?";
}

void StatsRecorder::record(CollectiveKind kind, int32_t axesMask, int64_t bytes) {
  CollectiveRecord r{kind, axesMask, bytes};
  if (!inStep_) {
    outside_.push_back(r);
    return;
  }
  (steps_ == 0 ? first_ : current_).push_back(r);
}

void StatsRecorder::beginStep(int64_t step) {
  inStep_ = true;
  step_ = step;
  current_.clear();
}

void StatsRecorder::endStep() {
  if (!inStep_)
    return;
  inStep_ = false;
  if (steps_ > 0 && firstMismatch_ < 0 && current_ != first_)
    firstMismatch_ = step_;
  ++steps_;
}

uint64_t StatsRecorder::fingerprint() const {
  // FNV-1a over the fields; a separator between the two lists.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (const auto *list : {&first_, &outside_}) {
    for (const CollectiveRecord &r : *list) {
      mix(static_cast<uint64_t>(r.kind));
      mix(static_cast<uint64_t>(r.axesMask));
      mix(static_cast<uint64_t>(r.bytes));
    }
    mix(~0ull);
  }
  return h;
}

std::string StatsRecorder::formatRecord(size_t index, const CollectiveRecord &record,
                                        const std::vector<std::string> &axisNames) {
  std::string axes;
  for (int axis = 0; axis < 31; ++axis) {
    if (!(record.axesMask & (1 << axis)))
      continue;
    if (!axes.empty())
      axes += ",";
    axes += axis < static_cast<int>(axisNames.size()) ? axisNames[axis] : std::to_string(axis);
  }
  if (axes.empty())
    axes = "-";
  return "collective " + std::to_string(index) + ": " + collectiveKindName(record.kind) +
         " axes=" + axes + " bytes=" + std::to_string(record.bytes);
}

std::vector<std::string>
StatsRecorder::formatFirstStep(const std::vector<std::string> &axisNames) const {
  std::vector<std::string> lines;
  for (size_t i = 0; i < first_.size(); ++i)
    lines.push_back(formatRecord(i, first_[i], axisNames));
  return lines;
}

} // namespace meshrt
