// lr_schedule.cpp — see lr_schedule.h.
#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace meshrt {

double lrFactor(const LrSchedule &schedule, int64_t step, int64_t totalSteps) {
  double factor = schedule.batchScale;
  if (step < schedule.warmup)
    return factor * static_cast<double>(step + 1) / static_cast<double>(schedule.warmup);
  const int64_t s = step - schedule.warmup;
  switch (schedule.decay) {
  case LrSchedule::Decay::None:
    break;
  case LrSchedule::Decay::Cosine: {
    const int64_t span = totalSteps - 1 - schedule.warmup;
    if (span > 0) {
      const double progress = static_cast<double>(std::min(s, span)) / static_cast<double>(span);
      const double pi = std::acos(-1.0);
      factor *=
          schedule.minFactor + (1.0 - schedule.minFactor) * 0.5 * (1.0 + std::cos(pi * progress));
    }
    break;
  }
  case LrSchedule::Decay::Step:
    if (schedule.decayEvery > 0)
      factor *= std::pow(schedule.decayFactor, static_cast<double>(s / schedule.decayEvery));
    break;
  }
  return factor;
}

std::string describe(const LrSchedule &schedule, int64_t totalSteps) {
  char buf[160];
  std::string text = "lr schedule: compiled learning rate";
  if (schedule.batchScale != 1.0) {
    std::snprintf(buf, sizeof(buf), " x %g (linear scaling rule)", schedule.batchScale);
    text += buf;
  }
  if (schedule.warmup > 0) {
    std::snprintf(buf, sizeof(buf), ", linear warmup over steps 0-%lld",
                  static_cast<long long>(schedule.warmup - 1));
    text += buf;
  }
  switch (schedule.decay) {
  case LrSchedule::Decay::None:
    text += ", no decay";
    break;
  case LrSchedule::Decay::Cosine:
    std::snprintf(buf, sizeof(buf), ", cosine decay to x %g at step %lld", schedule.minFactor,
                  static_cast<long long>(totalSteps - 1));
    text += buf;
    break;
  case LrSchedule::Decay::Step:
    std::snprintf(buf, sizeof(buf), ", x %g every %lld steps after the warmup",
                  schedule.decayFactor, static_cast<long long>(schedule.decayEvery));
    text += buf;
    break;
  }
  return text;
}

} // namespace meshrt
