// Source paths that need escaping in locations.
//
// The #line below renames this file for std::source_location; it is alone in
// this file so that it moves no other test's lines.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

using namespace meshc::dsl;

namespace {

TEST(DslEscape, QuotesAndBackslashesInPath) {
#line 7 "dir\\my \"model\".cpp"
  Graph g("t");
  Tensor w = g.param("w", {Dim{"d", 2}}, Init::zeros());
  EXPECT_NE(g.str().find(" loc(\"dir\\\\my \\\"model\\\".cpp\":7:"), std::string::npos) << g.str();
}

} // namespace
