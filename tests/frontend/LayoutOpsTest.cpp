// The DSL's Layout family.
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

using namespace meshc::dsl;
using meshc::dsl::test::lineWith;

namespace {

Dim batch{"batch", 8}, hidden{"hidden", 16}, classes{"classes", 4};

TEST(DslLayout, RelayoutPrintsTheOverride) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(classes));
  Tensor r = relayout(x, "hidden:m,batch:b");
  EXPECT_EQ(r.dims(), x.dims());
  EXPECT_EQ(r.dtype(), DType::F32);
  Tensor e = relayout(x, "");
  EXPECT_TRUE(g.errors().empty()) << ::testing::PrintToString(g.errors());
  std::string ir = g.str();
  EXPECT_NE(lineWith(ir, "hidden:m").find("meshc.relayout %x {layout = #meshc.layout<"
                                          "\"hidden:m,batch:b\">} : !meshc.tensor<batch=8, "
                                          "hidden=16, f32> loc("),
            std::string::npos)
      << ir;
  EXPECT_NE(ir.find("{layout = #meshc.layout<\"\">}"), std::string::npos) << ir;
}

TEST(DslLayout, RelayoutOfUnknownDim) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(classes));
  relayout(x, "classes:m"); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line,
                   "relayout names dimension 'classes', which its operand [batch=8, hidden=16] "
                   "lacks");
}

TEST(DslLayout, RelayoutTwoDimsOnOneAxis) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(classes));
  relayout(x, "batch:m,hidden:m"); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "relayout puts dimensions 'batch' and 'hidden' on mesh axis 'm'");
}

TEST(DslLayout, RelayoutBadSpec) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(classes));
  relayout(x, "batch"); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "relayout: invalid layout rule 'batch' in layout 'batch' (expected "
                            "dim:axis, like batch:b,hidden:m)");
}

TEST(DslLayout, RelayoutOfPlaceholderIsQuiet) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(classes));
  Tensor bad = relayout(x, "nope:m"); int line = __LINE__;
  Tensor again = relayout(bad, "hidden:m");
  EXPECT_FALSE(again.valid());
  EXPECT_ONE_ERROR(g, line, "relayout names dimension 'nope'");
}

} // namespace
