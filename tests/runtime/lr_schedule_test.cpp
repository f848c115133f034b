// lr_schedule_test.cpp — the learning-rate schedule against its formulas, evaluated here at
// known steps with literal numbers (not through the code under test).
#include "train/lr_schedule.h"

#include <gtest/gtest.h>

using namespace meshrt;

namespace {

TEST(LrSchedule, NoFlagsIsOne) {
  LrSchedule s;
  for (int64_t step : {0, 1, 7, 99})
    EXPECT_EQ(lrFactor(s, step, 100), 1.0);
}

TEST(LrSchedule, LinearWarmupThenConstant) {
  LrSchedule s;
  s.warmup = 4;
  EXPECT_DOUBLE_EQ(lrFactor(s, 0, 10), 0.25);
  EXPECT_DOUBLE_EQ(lrFactor(s, 1, 10), 0.5);
  EXPECT_DOUBLE_EQ(lrFactor(s, 3, 10), 1.0);
  EXPECT_DOUBLE_EQ(lrFactor(s, 4, 10), 1.0);
  EXPECT_DOUBLE_EQ(lrFactor(s, 9, 10), 1.0);
}

// Warmup 2 of a 12-step run: cosine over steps 2..11 (span 9).
TEST(LrSchedule, CosineFromTheWarmupToTheLastStep) {
  LrSchedule s;
  s.warmup = 2;
  s.decay = LrSchedule::Decay::Cosine;
  s.minFactor = 0.1;
  EXPECT_DOUBLE_EQ(lrFactor(s, 0, 12), 0.5);
  EXPECT_DOUBLE_EQ(lrFactor(s, 2, 12), 1.0);
  // step 5: progress 3/9, cos(pi/3) = 0.5: 0.1 + 0.9 * 0.75
  EXPECT_NEAR(lrFactor(s, 5, 12), 0.775, 1e-12);
  // step 8: progress 6/9, cos(2pi/3) = -0.5: 0.1 + 0.9 * 0.25
  EXPECT_NEAR(lrFactor(s, 8, 12), 0.325, 1e-12);
  EXPECT_NEAR(lrFactor(s, 11, 12), 0.1, 1e-12);
  EXPECT_NEAR(lrFactor(s, 20, 12), 0.1, 1e-12); // beyond the run: stays at the minimum
}

TEST(LrSchedule, CosineWithoutWarmupOrMinimum) {
  LrSchedule s;
  s.decay = LrSchedule::Decay::Cosine;
  EXPECT_DOUBLE_EQ(lrFactor(s, 0, 5), 1.0);
  EXPECT_NEAR(lrFactor(s, 2, 5), 0.5, 1e-12); // cos(pi/2) = 0
  EXPECT_NEAR(lrFactor(s, 4, 5), 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(lrFactor(s, 0, 1), 1.0); // a one-step run: no span to decay over
}

TEST(LrSchedule, StepDecayCountsFromTheEndOfTheWarmup) {
  LrSchedule s;
  s.warmup = 3;
  s.decay = LrSchedule::Decay::Step;
  s.decayFactor = 0.5;
  s.decayEvery = 4;
  EXPECT_DOUBLE_EQ(lrFactor(s, 2, 100), 1.0);
  EXPECT_DOUBLE_EQ(lrFactor(s, 3, 100), 1.0);
  EXPECT_DOUBLE_EQ(lrFactor(s, 6, 100), 1.0);
  EXPECT_DOUBLE_EQ(lrFactor(s, 7, 100), 0.5);
  EXPECT_DOUBLE_EQ(lrFactor(s, 10, 100), 0.5);
  EXPECT_DOUBLE_EQ(lrFactor(s, 11, 100), 0.25);
  EXPECT_DOUBLE_EQ(lrFactor(s, 15, 100), 0.125);
}

TEST(LrSchedule, BatchScaleMultipliesEverything) {
  LrSchedule s;
  s.batchScale = 4.0; // e.g. global batch 512 over --lr-scale-batch 128
  s.warmup = 2;
  EXPECT_DOUBLE_EQ(lrFactor(s, 0, 10), 2.0);
  EXPECT_DOUBLE_EQ(lrFactor(s, 5, 10), 4.0);
}

// A resumed run computes the factor from the step alone: the same value as the uninterrupted
// run at that step (no state carried between calls).
TEST(LrSchedule, PureFunctionOfTheStep) {
  LrSchedule s;
  s.warmup = 5;
  s.decay = LrSchedule::Decay::Cosine;
  const double at7 = lrFactor(s, 7, 40);
  for (int64_t step = 0; step < 40; ++step)
    (void)lrFactor(s, step, 40);
  EXPECT_EQ(lrFactor(s, 7, 40), at7);
}

} // namespace
