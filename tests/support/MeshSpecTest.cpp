// The mesh/layout grammar of support/meshspec: what it accepts (whitespace, limits), how it
// prints, and every error message it gives.
#include "support/meshspec/MeshSpec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using meshc::meshspec::Axis;
using meshc::meshspec::Rule;

/// The error parseMesh gives for `spec`, or "" when it accepts it.
std::string meshError(const std::string &spec) {
  std::vector<Axis> axes;
  return meshc::meshspec::parseMesh(spec, axes).value_or("");
}

std::string layoutError(const std::string &spec) {
  std::vector<Rule> rules;
  return meshc::meshspec::parseLayout(spec, rules).value_or("");
}

TEST(MeshSpec, ParsesAndPrintsCanonically) {
  std::vector<Axis> axes;
  ASSERT_FALSE(meshc::meshspec::parseMesh(" b = 2 ,\tm=4 ,x=1", axes));
  ASSERT_EQ(axes.size(), 3u);
  EXPECT_EQ(axes[0].name, "b");
  EXPECT_EQ(axes[0].size, 2);
  EXPECT_EQ(axes[1].name, "m");
  EXPECT_EQ(axes[1].size, 4);
  EXPECT_EQ(meshc::meshspec::printMesh(axes), "b=2,m=4,x=1");
  std::vector<Rule> rules;
  ASSERT_FALSE(meshc::meshspec::parseLayout(" batch : b ,hidden:m\t", rules));
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].dim, "hidden");
  EXPECT_EQ(rules[1].axis, "m");
  EXPECT_EQ(meshc::meshspec::printLayout(rules), "batch:b,hidden:m");
  // A blank layout is everything replicated; two dims may share an axis.
  ASSERT_FALSE(meshc::meshspec::parseLayout(" \t", rules));
  EXPECT_TRUE(rules.empty());
  EXPECT_EQ(layoutError("heads:m,d_ff:m"), "");
}

TEST(MeshSpec, AcceptsTheLimits) {
  EXPECT_EQ(meshError("a=16777216"), "");
  EXPECT_EQ(meshError("a=16777216,b=64"), ""); // 2^30 ranks
  EXPECT_EQ(meshError("a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1"), "");
  EXPECT_EQ(meshError("_x9=007"), ""); // leading zeros are a decimal number
}

TEST(MeshSpec, EveryMeshError) {
  const std::string syntax = " (expected name=size, like b=2,m=4)";
  EXPECT_EQ(meshError(""), "mesh has no axes" + syntax);
  EXPECT_EQ(meshError("  "), "mesh has no axes" + syntax);
  EXPECT_EQ(meshError("b"), "invalid mesh axis 'b' in mesh 'b'" + syntax);
  EXPECT_EQ(meshError("b=2,"), "invalid mesh axis '' in mesh 'b=2,'" + syntax);
  EXPECT_EQ(meshError("b=2,,m=2"), "invalid mesh axis '' in mesh 'b=2,,m=2'" + syntax);
  EXPECT_EQ(meshError("=2"), "invalid mesh axis '=2' in mesh '=2'" + syntax);
  EXPECT_EQ(meshError("1b=2"), "invalid mesh axis '1b=2' in mesh '1b=2'" + syntax);
  EXPECT_EQ(meshError("b m=2"), "invalid mesh axis 'b m=2' in mesh 'b m=2'" + syntax);
  EXPECT_EQ(meshError("b=x"), "invalid mesh axis 'b=x' in mesh 'b=x'" + syntax);
  EXPECT_EQ(meshError("b=+2"), "invalid mesh axis 'b=+2' in mesh 'b=+2'" + syntax);
  EXPECT_EQ(meshError("b=2 2"), "invalid mesh axis 'b=2 2' in mesh 'b=2 2'" + syntax);
  EXPECT_EQ(meshError("b=2=3"), "invalid mesh axis 'b=2=3' in mesh 'b=2=3'" + syntax);
  EXPECT_EQ(meshError("b=0"), "mesh axis 'b' has size 0 (sizes must be at least 1)");
  EXPECT_EQ(meshError("b=-1"), "mesh axis 'b' has size -1 (sizes must be at least 1)");
  EXPECT_EQ(meshError("b=-99999999999999999999"),
            "mesh axis 'b' has size -99999999999999999999 (sizes must be at least 1)");
  EXPECT_EQ(meshError("b=16777217"),
            "mesh axis 'b' has size 16777217, more than the 16777216 the runtime supports");
  EXPECT_EQ(meshError("b=99999999999999999999"),
            "mesh axis 'b' has size 99999999999999999999, more than the 16777216 the runtime "
            "supports");
  EXPECT_EQ(meshError("b=2, b=1"), "mesh axis 'b' appears twice in mesh 'b=2, b=1'");
  EXPECT_EQ(meshError("a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1"),
            "mesh 'a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1' has 9 axes, more than the 8 the runtime "
            "supports");
  EXPECT_EQ(meshError("b=65536, m=65536"),
            "mesh 'b=65536,m=65536' has more than 1073741824 ranks (the most the runtime "
            "supports)");
}

// checkMesh on axes built in code (the dialect's attribute verifier): the name check too.
TEST(MeshSpec, CheckMeshOnBuiltAxes) {
  EXPECT_FALSE(meshc::meshspec::checkMesh({{"b", 2}, {"m", 4}}));
  EXPECT_EQ(meshc::meshspec::checkMesh({{"1b", 2}}).value_or(""), "invalid mesh axis name '1b'");
  EXPECT_EQ(meshc::meshspec::checkMesh({{"b", 2}, {"b", 2}}).value_or(""),
            "mesh axis 'b' appears twice in mesh 'b=2,b=2'");
  EXPECT_EQ(meshc::meshspec::checkMesh({}).value_or(""),
            "mesh has no axes (expected name=size, like b=2,m=4)");
}

TEST(MeshSpec, EveryLayoutError) {
  const std::string syntax = " (expected dim:axis, like batch:b,hidden:m)";
  EXPECT_EQ(layoutError("batch"), "invalid layout rule 'batch' in layout 'batch'" + syntax);
  EXPECT_EQ(layoutError("batch=b"), "invalid layout rule 'batch=b' in layout 'batch=b'" + syntax);
  EXPECT_EQ(layoutError("batch:b,"), "invalid layout rule '' in layout 'batch:b,'" + syntax);
  EXPECT_EQ(layoutError(":b"), "invalid layout rule ':b' in layout ':b'" + syntax);
  EXPECT_EQ(layoutError("batch:"), "invalid layout rule 'batch:' in layout 'batch:'" + syntax);
  EXPECT_EQ(layoutError("batch:1m"),
            "invalid layout rule 'batch:1m' in layout 'batch:1m'" + syntax);
  EXPECT_EQ(layoutError("bat ch:b"),
            "invalid layout rule 'bat ch:b' in layout 'bat ch:b'" + syntax);
  EXPECT_EQ(layoutError("batch:b:m"),
            "invalid layout rule 'batch:b:m' in layout 'batch:b:m'" + syntax);
  EXPECT_EQ(layoutError("batch:b, batch:m"),
            "dimension 'batch' appears twice in layout 'batch:b, batch:m'");
}

// A failed parse leaves the output as it was.
TEST(MeshSpec, FailureKeepsTheOutput) {
  std::vector<Axis> axes{{"keep", 3}};
  EXPECT_TRUE(meshc::meshspec::parseMesh("b=2,b=2", axes));
  ASSERT_EQ(axes.size(), 1u);
  EXPECT_EQ(axes[0].name, "keep");
  std::vector<Rule> rules{{"keep", "m"}};
  EXPECT_TRUE(meshc::meshspec::parseLayout("batch", rules));
  ASSERT_EQ(rules.size(), 1u);
}

} // namespace
