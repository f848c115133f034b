// lr_schedule.h — the learning-rate schedule of a run (--lr-warmup, --lr-decay, --lr-scale-batch):
// a factor the optimizer updates multiply their compiled learning rate by at each step.
//
// A pure function of (step, total steps of the run, flags), so a run resumed from a checkpoint
// continues the same curve, and every rank computes the same factor without communicating.
#ifndef MESHRT_SRC_TRAIN_LR_SCHEDULE_H
#define MESHRT_SRC_TRAIN_LR_SCHEDULE_H

#include <cstdint>
#include <string>

namespace meshrt {

struct LrSchedule {
  enum class Decay { None, Cosine, Step };
  int64_t warmup = 0; // steps 0..warmup-1 scale by (step + 1) / warmup
  Decay decay = Decay::None;
  double minFactor = 0.0;   // cosine: the factor at the last step of the run
  double decayFactor = 0.1; // step: multiplied in every decayEvery steps after the warmup
  int64_t decayEvery = 0;
  double batchScale = 1.0; // linear scaling rule: global batch / --lr-scale-batch
};

// The factor at `step` (from 0) of a run of `totalSteps` steps:
//   batchScale * w(step) * d(step), where
//   w = (step + 1) / warmup for step < warmup, else 1;
//   d = 1 during the warmup; after it, with s = step - warmup:
//     none:   1
//     cosine: minFactor + (1 - minFactor) (1 + cos(pi s / (totalSteps - 1 - warmup))) / 2
//             (1 at the first step after the warmup, minFactor at the last step; s clamped to
//             the span, and 1 where the span is empty)
//     step:   decayFactor ^ floor(s / decayEvery)
double lrFactor(const LrSchedule &schedule, int64_t step, int64_t totalSteps);

// One line describing the schedule for the start-up banner, e.g.
// "lr schedule: x2 (global batch 256 / 128), warmup 100 steps, cosine decay to 0 at step 999".
std::string describe(const LrSchedule &schedule, int64_t totalSteps);

} // namespace meshrt

#endif // MESHRT_SRC_TRAIN_LR_SCHEDULE_H
