// Located errors of the DSL.
//
// Each mistake is reported once, as `file:line:col: error: ...` at the call in the
// model file; the op returns a placeholder and construction goes on.
//
//===----------------------------------------------------------------------===//
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

using namespace meshc::dsl;

namespace {

Dim batch{"batch", 16}, in{"d_in", 8}, hidden{"hidden", 32}, cls{"classes", 4};

TEST(DslErrors, DimensionWithTwoSizes) {
  Graph g("t");
  Tensor w1 = g.param("w1", {in, hidden}, Init::glorot()); const int first = __LINE__;
  Tensor w2 = g.param("w2", {Dim{"hidden", 1000}}, Init::zeros()); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line,
                   "dimension 'hidden' has size 1000 here but 32 at " + AT(first));
  EXPECT_FALSE(w2.valid());
  EXPECT_TRUE(w1.valid());
}

TEST(DslErrors, EinsumOutputDimNotInOperands) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  Tensor w = g.param("w", {in, hidden}, Init::glorot());
  Tensor h = einsum({x, w}, {batch, cls}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "einsum output dimension 'classes' is not a dimension of any operand");
  EXPECT_FALSE(h.valid());
  EXPECT_EQ(h.dims(), (std::vector<Dim>{batch, cls})); // the placeholder has the asked dims
}

TEST(DslErrors, EinsumOperandCount) {
  Graph g("t");
  Tensor a = g.param("a", {in}, Init::zeros());
  Tensor b = g.param("b", {hidden}, Init::zeros());
  Tensor c = g.param("c", {batch}, Init::zeros());
  einsum({a, b, c}, {in}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "einsum takes one or two operands, got 3");
}

TEST(DslErrors, DuplicateDimInShape) {
  Graph g("t");
  g.param("w", {hidden, hidden}, Init::zeros()); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "dimension 'hidden' appears twice in the shape of param 'w'");
}

TEST(DslErrors, DuplicateDimInEinsumOutput) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  einsum({x}, {batch, batch}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "dimension 'batch' appears twice in the output of einsum");
}

TEST(DslErrors, DuplicateDimInReduction) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  sum(x, {in, in}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "dimension 'd_in' appears twice in the dimensions kept by sum");
}

TEST(DslErrors, ReductionKeepsAbsentDim) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  mean(x, {hidden}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "mean keeps dimension 'hidden', which its operand [batch=16, d_in=8] lacks");
}

// Within one graph a name has one size, so operands of an elementwise op can only
// disagree about a dimension if a size check already failed; that check reports it,
// at the call that introduced the second size, and the elementwise op stays quiet.
TEST(DslErrors, ElementwiseDimensionTwice) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls)); const int first = __LINE__;
  Tensor b = g.param("b", {Dim{"d_in", 9}}, Init::zeros()); const int line = __LINE__;
  Tensor s = x + b;
  EXPECT_ONE_ERROR(g, line, "dimension 'd_in' has size 9 here but 8 at " + AT(first));
  EXPECT_FALSE(s.valid());
}

TEST(DslErrors, LabelsDoNotMatchLogits) {
  Graph g("t");
  Dim seq{"seq", 5};
  Tensor logits = g.param("logits", {batch, seq, cls}, Init::zeros());
  Tensor y = g.input("y", {seq, batch}, Data::labels(cls));
  softmax_cross_entropy(logits, y, cls); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line,
                   "labels of softmax_cross_entropy have dimensions [seq=5, batch=16], expected "
                   "the logits' minus 'classes': [batch=16, seq=5]");
}

TEST(DslErrors, LogitsLackClassDim) {
  Graph g("t");
  Tensor logits = g.param("logits", {batch, hidden}, Init::zeros());
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  softmax_cross_entropy(logits, y, cls); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line,
                   "logits of softmax_cross_entropy [batch=16, hidden=32] lack the class "
                   "dimension 'classes'");
}

TEST(DslErrors, ReluOnLabels) {
  Graph g("t");
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  relu(y); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "operand of relu has element type i32, expected f32");
}

TEST(DslErrors, FeaturesAsLabels) {
  Graph g("t");
  Tensor x = g.input("x", {batch, cls}, Data::features(cls));
  softmax_cross_entropy(x, g.input("y", {batch}, Data::features(cls)), cls); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "labels of softmax_cross_entropy have element type f32, expected i32");
}

TEST(DslErrors, ArithmeticOnLabels) {
  Graph g("t");
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  Tensor b = g.param("b", {batch}, Init::zeros());
  Tensor s = b * y; const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "right operand of '*' has element type i32, expected f32");
}

TEST(DslErrors, MixingGraphs) {
  Graph g1("one"), g2("two");
  Tensor a = g1.param("a", {hidden}, Init::zeros());
  Tensor b = g2.param("b", {hidden}, Init::zeros());
  Tensor c = a + b; const int line = __LINE__;
  EXPECT_ONE_ERROR(g1, line, "operand 1 of '+' belongs to graph 'two', not 'one'");
  EXPECT_TRUE(g2.errors().empty());
  EXPECT_FALSE(c.valid());
}

TEST(DslErrors, MinimizeLossOfAnotherGraph) {
  Graph g1("one"), g2("two");
  Tensor a = g2.param("a", {}, Init::zeros());
  g1.minimize(a, SGD{0.1}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g1, line, "loss of minimize belongs to graph 'two', not 'one'");
}

TEST(DslErrors, MinimizeNonScalar) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  g.minimize(sum(x, {batch}), SGD{0.1}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "loss of minimize has dimensions [batch=16], expected a scalar");
}

TEST(DslErrors, MinimizeTwice) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  g.minimize(sum(x), SGD{0.1}); const int first = __LINE__;
  g.minimize(mean(x), SGD{0.1}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "graph 't' already minimizes a loss, at " + AT(first));
}

TEST(DslErrors, BadLearningRate) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  g.minimize(sum(x), SGD{-0.5}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "learning rate -0.5 of SGD is not a positive finite number");
}

TEST(DslErrors, NameUsedTwice) {
  Graph g("t");
  g.param("w", {hidden}, Init::zeros()); const int first = __LINE__;
  g.input("w", {batch}, Data::labels(cls)); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "name 'w' is already used at " + AT(first));
}

TEST(DslErrors, InvalidParamName) {
  Graph g("t");
  g.param("w-1", {hidden}, Init::zeros()); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "param name 'w-1' is not an identifier");
}

TEST(DslErrors, InvalidDimName) {
  Graph g("t");
  g.param("w", {Dim{"2d", 3}}, Init::zeros()); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "dimension name '2d' is not an identifier");
}

TEST(DslErrors, InvalidGraphName) {
  Graph g("my model"); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "graph name 'my model' is not an identifier");
}

TEST(DslErrors, NonPositiveDimSize) {
  Graph g("t");
  g.input("x", {Dim{"batch", 0}}, Data::features(cls)); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "dimension 'batch' has size 0, expected a positive size");
}

TEST(DslErrors, BadDimReportedOnce) {
  Graph g("t");
  Dim zero{"hidden", 0};
  g.param("w", {zero}, Init::zeros()); const int line = __LINE__;
  g.param("b", {zero}, Init::zeros());
  EXPECT_ONE_ERROR(g, line, "dimension 'hidden' has size 0, expected a positive size");
}

TEST(DslErrors, EmptyTensorOperand) {
  Graph g("t");
  Tensor b = g.param("b", {hidden}, Init::zeros());
  Tensor unset;
  Tensor r = relu(unset); // no graph to tell yet
  EXPECT_TRUE(g.errors().empty());
  b + r; const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "operand 1 of '+' is an empty tensor");
}

TEST(DslErrors, BadMeshSpec) {
  Graph g("t");
  g.mesh("b=2,m"); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "invalid mesh axis 'm' in mesh 'b=2,m' (expected name=size, like b=2,m=4)");
}

TEST(DslErrors, LayoutAxisNotInMesh) {
  Graph g("t");
  g.param("w", {batch, hidden}, Init::zeros());
  g.mesh("b=2").layout("batch:b,hidden:m"); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "layout maps dimension 'hidden' to axis 'm', which mesh 'b=2' lacks");
}

// meshc refuses a layout that names a dimension no value has; the DSL says so at the layout,
// with the closest name the graph has.
TEST(DslErrors, LayoutDimNotInGraph) {
  Graph g("t");
  g.param("w", {batch, hidden}, Init::zeros());
  g.mesh("b=2").layout("btach:b"); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "layout names dimension 'btach', which no tensor of graph 't' has; "
                            "did you mean 'batch'?");
}

// One mistake, one message: ops on the placeholder it left stay quiet.
TEST(DslErrors, NoCascade) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  Tensor w = g.param("w", {in, hidden}, Init::glorot());
  Tensor h = einsum({x, w}, {batch, cls}); const int line = __LINE__;
  Tensor loss = mean(relu(h + w));
  g.minimize(loss, SGD{0.1});
  EXPECT_ONE_ERROR(g, line, "einsum output dimension 'classes'");
}

TEST(DslErrors, AllErrorsAreKept) {
  Graph g("t");
  g.param("a", {hidden, hidden}, Init::zeros());
  g.param("b-", {hidden}, Init::zeros());
  g.input("y", {batch}, Data::labels(Dim{"classes", -1}));
  EXPECT_EQ(g.errors().size(), 3u);
}

} // namespace
