// The DSL's Math family.
//
// What sigmoid, tanh, exp, log, sqrt, leaky_relu, div / operator/, maximum and minimum print,
// that they live beside <cmath>'s functions of the same names, and their located errors.
//
//===----------------------------------------------------------------------===//
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

#include <cmath>
#include <limits>
#include <type_traits>

using namespace meshc::dsl;
using meshc::dsl::test::lineWith;

namespace {

Dim batch{"batch", 4}, d{"d", 6};

// With `using namespace meshc::dsl`, unqualified calls on doubles still reach <cmath>.
static_assert(std::is_same_v<decltype(exp(1.0)), double>);
static_assert(std::is_same_v<decltype(sqrt(2.0)), double>);
static_assert(std::is_same_v<decltype(std::log(2.0f)), float>);
static_assert(std::is_same_v<decltype(tanh(std::declval<Tensor>())), Tensor>);

TEST(DslMath, UnaryOpsPrint) {
  Graph g("t");
  Tensor x = g.param("x", {batch, d}, Init::normal(1.0));
  Tensor y = leaky_relu(sqrt(log(exp(tanh(sigmoid(x))))));
  Tensor z = leaky_relu(x, 0.2);
  g.minimize(sum(y) + sum(z), SGD{0.1});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  std::string ir = g.str();
  const std::string type = " : !meshc.tensor<batch=4, d=6, f32>";
  EXPECT_NE(lineWith(ir, "meshc.sigmoid %x" + type), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.tanh %0" + type), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.exp %1" + type), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.log %2" + type), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.sqrt %3" + type), "") << ir;
  // The default slope is 0.01.
  EXPECT_NE(lineWith(ir, "meshc.leaky_relu %4 {alpha = 0.01}" + type), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.leaky_relu %x {alpha = 0.2}" + type), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.sigmoid").find("MathOpsTest.cpp"), std::string::npos);
}

// The binary ones broadcast by name like `+`: the lhs dims, then the rhs dims it lacks.
TEST(DslMath, BinaryOpsBroadcastByName) {
  Graph g("t");
  Tensor x = g.param("x", {batch, d}, Init::normal(1.0));
  Tensor w = g.param("w", {d}, Init::constant(2.0));
  Tensor q = x / w;
  Tensor r = div(w, x);
  Tensor m = maximum(w, x);
  Tensor n = minimum(x, w);
  g.minimize(sum(q) + sum(r) + sum(m) + sum(n), SGD{0.1});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  std::string ir = g.str();
  EXPECT_NE(lineWith(ir, "meshc.div %x, %w : !meshc.tensor<batch=4, d=6, f32>, !meshc.tensor<d=6, f32> -> !meshc.tensor<batch=4, d=6, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.div %w, %x : !meshc.tensor<d=6, f32>, !meshc.tensor<batch=4, d=6, f32> -> !meshc.tensor<d=6, batch=4, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.maximum %w, %x : !meshc.tensor<d=6, f32>, !meshc.tensor<batch=4, d=6, f32> -> !meshc.tensor<d=6, batch=4, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.minimum %x, %w : !meshc.tensor<batch=4, d=6, f32>, !meshc.tensor<d=6, f32> -> !meshc.tensor<batch=4, d=6, f32>"), "") << ir;
}

TEST(DslMath, SigmoidOfLabels) {
  Graph g("t");
  Tensor y = g.input("y", {batch}, Data::labels(Dim{"classes", 2}));
  Tensor s = sigmoid(y); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "operand of sigmoid has element type i32, expected f32");
  EXPECT_FALSE(s.valid());
  EXPECT_EQ(s.dims(), y.dims());
}

TEST(DslMath, DivideByLabels) {
  Graph g("t");
  Tensor x = g.param("x", {batch}, Init::zeros());
  Tensor y = g.input("y", {batch}, Data::labels(Dim{"classes", 2}));
  Tensor q = x / y; const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "right operand of '/' has element type i32, expected f32");
  EXPECT_FALSE(q.valid());
}

TEST(DslMath, MaximumOfLabels) {
  Graph g("t");
  Tensor x = g.param("x", {batch}, Init::zeros());
  Tensor y = g.input("y", {batch}, Data::labels(Dim{"classes", 2}));
  maximum(y, x); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "left operand of 'maximum' has element type i32, expected f32");
}

TEST(DslMath, LeakyReluNonFiniteAlpha) {
  Graph g("t");
  Tensor x = g.param("x", {batch}, Init::zeros());
  Tensor y = leaky_relu(x, std::numeric_limits<double>::infinity()); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "alpha inf of leaky_relu is not a finite number (as an f32)");
  EXPECT_FALSE(y.valid());
}

TEST(DslMath, LeakyReluAlphaBeyondF32) {
  Graph g("t");
  Tensor x = g.param("x", {batch}, Init::zeros());
  leaky_relu(x, 1e300); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "alpha 1.0e+300 of leaky_relu is not a finite number (as an f32)");
}

// A placeholder from an earlier error stays quiet: one error, not one per op.
TEST(DslMath, PlaceholdersStayQuiet) {
  Graph g("t");
  Tensor y = g.input("y", {batch}, Data::labels(Dim{"classes", 2}));
  Tensor x = g.param("x", {batch}, Init::zeros());
  Tensor s = sigmoid(y); const int line = __LINE__;
  Tensor t = minimum(exp(s), x) / x;
  EXPECT_ONE_ERROR(g, line, "operand of sigmoid");
  EXPECT_FALSE(t.valid());
}

} // namespace
