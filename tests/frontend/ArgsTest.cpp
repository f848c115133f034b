// Flags of model generators.
#include "TestUtil.h"

using namespace meshc::dsl;

namespace {

TEST(DslArgs, TakesFlagsAndLeavesTheRest) {
  Args args({"--batch", "8", "-o", "out.mlir", "--lr=0.5", "--mesh", "m=4"});
  EXPECT_EQ(args.integer("--batch", 64), 8);
  EXPECT_EQ(args.integer("--hidden", 128), 128);
  EXPECT_DOUBLE_EQ(args.number("--lr", 0.1), 0.5);
  EXPECT_EQ(args.string("--mesh", "b=2"), "m=4");
  EXPECT_EQ(args.string("--layout", "batch:b"), "batch:b");
  EXPECT_EQ(args.rest(), (std::vector<std::string>{"-o", "out.mlir"}));
  EXPECT_TRUE(args.errors().empty());
}

TEST(DslArgs, BadValues) {
  Args args({"--batch", "many", "--lr", "fast", "--hidden"});
  EXPECT_EQ(args.integer("--batch", 64), 64);
  EXPECT_DOUBLE_EQ(args.number("--lr", 0.1), 0.1);
  EXPECT_EQ(args.integer("--hidden", 128), 128);
  EXPECT_EQ(args.errors(),
            (std::vector<std::string>{"error: flag '--batch' expects an integer, got 'many'",
                                      "error: flag '--lr' expects a number, got 'fast'",
                                      "error: flag '--hidden' needs a value"}));
}

TEST(DslArgs, FlagErrorsFailEmit) {
  Graph g("t");
  Args args({"--batch", "x"});
  args.integer("--batch", 1);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_EQ(g.emit(args), 1);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "error: flag '--batch' expects an integer, got 'x'\n");
}

// A flag read twice (e.g. once for a size and once for a derived size) has one value, not
// the fallback the second time.
TEST(DslArgs, FlagReadTwiceGivesOneValue) {
  Args args({"--heads", "4"});
  EXPECT_EQ(args.integer("--heads", 8), 4);
  EXPECT_EQ(args.integer("--heads", 8), 4);
  EXPECT_EQ(args.flags().size(), 1u);
  EXPECT_TRUE(args.rest().empty());
}

TEST(DslArgs, RecordsFlagsForHelp) {
  Args args({"--lr", "0.5"});
  args.integer("--batch", 64);
  args.number("--lr", 1e-3);
  args.string("--layout", "");
  ASSERT_EQ(args.flags().size(), 3u);
  EXPECT_EQ(args.flags()[0].name, "--batch");
  EXPECT_EQ(args.flags()[0].kind, "N");
  EXPECT_EQ(args.flags()[0].fallback, "64");
  EXPECT_EQ(args.flags()[1].fallback, "0.001");
  EXPECT_EQ(args.flags()[2].kind, "S");
  EXPECT_EQ(args.flags()[2].fallback, "");
}

TEST(DslArgs, OutOfRangeInteger) {
  Args args({"--batch", "99999999999999999999"});
  EXPECT_EQ(args.integer("--batch", 64), 64);
  EXPECT_EQ(args.errors(),
            (std::vector<std::string>{"error: flag '--batch' expects an integer, got "
                                      "'99999999999999999999'"}));
}

} // namespace
