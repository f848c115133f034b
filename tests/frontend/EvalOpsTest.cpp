// equal, g.metric and g.output.
//
// What equal, metric and output print, and their located errors: one type for equal's
// operands, metrics in f32, names shared with inputs and params, the sample dim first.
//
//===----------------------------------------------------------------------===//
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

#include <sstream>

using namespace meshc::dsl;
using meshc::dsl::test::lineWith;

namespace {

Dim batch{"batch", 4}, d{"d", 3}, cls{"classes", 5};

/// A classifier: x [batch, d] -> logits [batch, classes], labels y [batch].
struct Model {
  Graph g{"m"};
  Tensor x = g.input("x", {batch, d}, Data::features(cls));
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  Tensor w = g.param("w", {d, cls}, Init::glorot());
  Tensor logits = einsum({x, w}, {batch, cls});
  void minimize() { g.minimize(mean(softmax_cross_entropy(logits, y, cls)), SGD{0.1}); }
};

TEST(DslEval, AccuracyAndProbabilitiesPrint) {
  Model m;
  Tensor correct = equal(argmax(m.logits, cls), m.y);
  m.g.metric("accuracy", correct);
  m.g.output("probs", softmax(m.logits, cls));
  m.g.output("class", argmax(m.logits, cls));
  m.minimize();
  ASSERT_EQ(m.g.errors(), std::vector<std::string>{});
  std::string ir = m.g.str();
  EXPECT_NE(lineWith(ir, "meshc.equal")
                .find(": !meshc.tensor<batch=4, i32>, !meshc.tensor<batch=4, i32> -> "
                      "!meshc.tensor<batch=4, f32>"),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.metric \"accuracy\", %").find(": !meshc.tensor<batch=4, f32> loc("),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.prediction \"probs\", %")
                .find(": !meshc.tensor<batch=4, classes=5, f32>"),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.prediction \"class\", %").find(": !meshc.tensor<batch=4, i32>"),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.metric").find("EvalOpsTest.cpp"), std::string::npos);
}

TEST(DslEval, EqualBroadcastsByName) {
  Model m;
  Tensor t = equal(m.logits, mean(m.logits, {batch}));
  EXPECT_EQ(t.dims(), (std::vector<Dim>{batch, cls}));
  EXPECT_EQ(t.dtype(), DType::F32);
  m.g.metric("hits", sum(t, {batch}));
  m.minimize();
  EXPECT_EQ(m.g.errors(), std::vector<std::string>{});
}

TEST(DslEval, EqualNeedsOneType) {
  Model m;
  equal(m.logits, m.y); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "operands of equal have element types f32 and i32, expected one type");
}

TEST(DslEval, MetricMustBeF32) {
  Model m;
  m.g.metric("top", argmax(m.logits, cls)); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "value of metric 'top' has element type i32, expected f32");
}

TEST(DslEval, MetricNeedsTheSampleDimFirst) {
  Model m;
  m.g.metric("per_class", mean(m.logits, {cls})); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line,
                   "metric 'per_class' has first dimension 'classes', expected the sample "
                   "dimension 'batch' (the first dimension of input 'x')");
}

TEST(DslEval, OutputNeedsTheSampleDimFirst) {
  Model m;
  Tensor t = einsum({m.logits}, {cls, batch});
  m.g.output("probs", t); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "output 'probs' has first dimension 'classes'");
}

TEST(DslEval, ScalarIsNotPerSample) {
  Model m;
  m.g.metric("mean", mean(m.logits)); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "metric 'mean' is a scalar; it needs one value per sample");
}

TEST(DslEval, NoInputNoSampleDim) {
  Graph g("m");
  Tensor w = g.param("w", {batch}, Init::zeros());
  g.output("w_out", w); const int line = __LINE__;
  g.minimize(sum(w), SGD{0.1});
  EXPECT_ONE_ERROR(g, line,
                   "output 'w_out' needs the sample dimension first, but graph 'm' has no input");
}

TEST(DslEval, NamesAreShared) {
  Model m;
  m.g.metric("w", equal(m.y, m.y)); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "name 'w' is already used at ");
}

TEST(DslEval, OutputAndMetricNamesDiffer) {
  Model m;
  Tensor c = equal(m.y, m.y);
  m.g.metric("score", c);
  m.g.output("score", c); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "name 'score' is already used at ");
}

TEST(DslEval, LossIsReservedForOutputs) {
  Model m;
  m.g.output("loss", equal(m.y, m.y)); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "output name 'loss' is reserved for the loss");
}

TEST(DslEval, BadNameIsAnError) {
  Model m;
  m.g.output("my probs", softmax(m.logits, cls)); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "output name 'my probs' is not an identifier");
}

TEST(DslEval, EmptyTensorIsAnError) {
  Model m;
  m.g.metric("acc", Tensor()); const int line = __LINE__;
  m.minimize();
  EXPECT_ONE_ERROR(m.g, line, "value of metric 'acc' is an empty tensor");
}

TEST(DslEval, EmitReportsTheErrorsAndPrintsNoIR) {
  Model m;
  m.g.metric("per_class", mean(m.logits, {cls}));
  m.minimize();
  std::ostringstream out, err;
  EXPECT_NE(m.g.emit(std::vector<std::string>{}, out, err), 0);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find("error: metric 'per_class' has first dimension 'classes'"),
            std::string::npos)
      << err.str();
}

} // namespace
