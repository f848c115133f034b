// stats_test.cpp — the --stats recorder (runtime/src/stats.cpp) alone: per-step lists, the
// step-alike check, the fingerprint that ranks compare, and the line format that
// tests/e2e/explain_vs_stats.py compares with `meshc --explain`. The hooks in the collectives
// are covered end to end by runtime.main.stats and e2e.explain_vs_stats.*.
#include "stats.h"

#include <gtest/gtest.h>

using namespace meshrt;

namespace {

const std::vector<std::string> kAxes = {"b", "m"};

void recordStep(StatsRecorder &s, int64_t step, int64_t lastBytes) {
  s.beginStep(step);
  s.record(CollectiveKind::AllReduce, 0b10, 64);
  s.record(CollectiveKind::AllGather, 0b01, 32);
  s.record(CollectiveKind::AllReduce, 0b11, lastBytes);
  s.endStep();
}

} // namespace

TEST(Stats, KindNamesAreTheIrOpNames) {
  EXPECT_STREQ(collectiveKindName(CollectiveKind::AllReduce), "all_reduce");
  EXPECT_STREQ(collectiveKindName(CollectiveKind::AllGather), "all_gather");
  EXPECT_STREQ(collectiveKindName(CollectiveKind::ReduceScatter), "reduce_scatter");
  EXPECT_STREQ(collectiveKindName(CollectiveKind::AllSlice), "all_slice");
  EXPECT_STREQ(collectiveKindName(CollectiveKind::AllToAll), "all_to_all");
}

TEST(Stats, KeepsTheFirstStepInCallOrder) {
  StatsRecorder s;
  for (int64_t step = 0; step < 4; ++step)
    recordStep(s, step, 4);
  EXPECT_EQ(s.stepsRecorded(), 4);
  EXPECT_EQ(s.firstMismatch(), -1);
  EXPECT_TRUE(s.outsideSteps().empty());
  std::vector<std::string> lines = s.formatFirstStep(kAxes);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "collective 0: all_reduce axes=m bytes=64");
  EXPECT_EQ(lines[1], "collective 1: all_gather axes=b bytes=32");
  EXPECT_EQ(lines[2], "collective 2: all_reduce axes=b,m bytes=4");
}

TEST(Stats, ReportsTheFirstStepThatDiffers) {
  StatsRecorder s;
  recordStep(s, 0, 4);
  recordStep(s, 1, 4);
  recordStep(s, 2, 8); // other bytes
  recordStep(s, 3, 4);
  s.beginStep(4); // a missing collective
  s.record(CollectiveKind::AllReduce, 0b10, 64);
  s.endStep();
  EXPECT_EQ(s.firstMismatch(), 2);
  EXPECT_EQ(s.stepsRecorded(), 5);
  EXPECT_EQ(s.firstStep().size(), 3u); // still step 0's list
}

TEST(Stats, ShorterOrLongerStepDiffers) {
  StatsRecorder s;
  recordStep(s, 0, 4);
  s.beginStep(1);
  s.record(CollectiveKind::AllReduce, 0b10, 64);
  s.record(CollectiveKind::AllGather, 0b01, 32);
  s.record(CollectiveKind::AllReduce, 0b11, 4);
  s.record(CollectiveKind::AllSlice, 0b01, 4);
  s.endStep();
  EXPECT_EQ(s.firstMismatch(), 1);
}

TEST(Stats, CallsOutsideStepsAreKeptApart) {
  StatsRecorder s;
  s.record(CollectiveKind::AllToAll, 0b01, 128); // e.g. from meshc_init
  recordStep(s, 0, 4);
  recordStep(s, 1, 4);
  ASSERT_EQ(s.outsideSteps().size(), 1u);
  EXPECT_EQ(StatsRecorder::formatRecord(0, s.outsideSteps()[0], kAxes),
            "collective 0: all_to_all axes=b bytes=128");
  EXPECT_EQ(s.firstStep().size(), 3u);
  EXPECT_EQ(s.firstMismatch(), -1);
}

TEST(Stats, FingerprintSeparatesDifferentLists) {
  StatsRecorder a, b, c, d;
  recordStep(a, 0, 4);
  recordStep(b, 0, 4);
  recordStep(c, 0, 8);
  d.record(CollectiveKind::AllReduce, 0b10, 64); // same records, but outside a step
  d.record(CollectiveKind::AllGather, 0b01, 32);
  d.record(CollectiveKind::AllReduce, 0b11, 4);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
  EXPECT_NE(a.fingerprint(), d.fingerprint());
}

TEST(Stats, AxesWithoutNamesAndEmptyMasks) {
  CollectiveRecord noAxes{CollectiveKind::AllReduce, 0, 4};
  CollectiveRecord unnamed{CollectiveKind::AllReduce, 0b101, 4};
  EXPECT_EQ(StatsRecorder::formatRecord(7, noAxes, kAxes),
            "collective 7: all_reduce axes=- bytes=4");
  EXPECT_EQ(StatsRecorder::formatRecord(0, unnamed, kAxes),
            "collective 0: all_reduce axes=b,2 bytes=4");
}

TEST(Stats, RecordCollectiveHonoursTheFlag) {
  gStats.reset();
  gStatsEnabled = false;
  gStats.beginStep(0);
  recordCollective(CollectiveKind::AllReduce, 1, 4);
  gStatsEnabled = true;
  recordCollective(CollectiveKind::AllReduce, 1, 8);
  gStats.endStep();
  gStatsEnabled = false;
  ASSERT_EQ(gStats.firstStep().size(), 1u);
  EXPECT_EQ(gStats.firstStep()[0].bytes, 8);
  gStats.reset();
}

TEST(Stats, AllocationsAddUpWhenEnabled) {
  gStats.reset();
  recordAllocation(64); // off: not counted
  gStatsEnabled = true;
  recordAllocation(64);
  recordAllocation(4096);
  gStatsEnabled = false;
  EXPECT_EQ(gStats.allocatedBytes(), 4160);
  gStats.reset();
}
