// Gradient checks of the Eval family (MeshcEvalOps.cpp): meshc.equal carries no gradient, and
// metrics and outputs are not part of the loss (autodiff leaves them alone), against central
// finite differences of the reference interpreter (the fixture of GradCheckFixture.h).
#include "tests/dialect/GradCheckFixture.h"

using namespace mlir;
using namespace meshc::testing;
using namespace meshc::testing::gradcheck;

namespace {

class GradCheckEval : public GradCheck {};

// equal(w, w) is 1 everywhere and stays 1 under any perturbation: the loss sum(eq * w * r) has
// the gradient r, which finite differences see too. A rule that let a gradient through the
// comparison (as through a product of its operands) would add to it.
TEST_F(GradCheckEval, EqualIsConstant) {
  check(R"(
    %w = meshc.param "w" normal {scale = 1.0} : !t<i=3, j=2>
    %eq = meshc.equal %w, %w : !t<i=3, j=2>, !t<i=3, j=2> -> !t<i=3, j=2>
    %y = meshc.mul %eq, %w : !t<i=3, j=2>, !t<i=3, j=2> -> !t<i=3, j=2>
  )" + sumTimesR("%y", "i=3, j=2"));
}

// Accuracy-style masks (argmax against labels, broadcast over a dim) weighting a loss: the
// gradient reaches w through the product only.
TEST_F(GradCheckEval, CorrectMaskWeightsLoss) {
  check(R"(
    %x = meshc.input "x" features {classes = 1} : !t<b=6, d=3>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<b=6, i32>
    %w = meshc.param "w" normal {scale = 1.0} : !t<d=3, c=4>
    %l = meshc.einsum %x, %w : !t<b=6, d=3>, !t<d=3, c=4> -> !t<b=6, c=4>
    %a = meshc.argmax %l {dim = "c"} : !t<b=6, c=4> -> !meshc.tensor<b=6, i32>
    %ok = meshc.equal %a, %y : !meshc.tensor<b=6, i32>, !meshc.tensor<b=6, i32> -> !t<b=6>
    %g = meshc.mul %l, %ok : !t<b=6, c=4>, !t<b=6> -> !t<b=6, c=4>
  )" + sumTimesR("%g", "b=6, c=4"));
}

// The stop-gradient semantics written out: the loss sum(equal(w, v) * w * r) with w == v at
// some positions has the gradient equal(w, v) * r, nothing through the comparison.
TEST_F(GradCheckEval, EqualBlocksItsOperands) {
  OwningOpRef<ModuleOp> module = parse(R"(
    %w = meshc.param "w" normal {scale = 1.0} : !t<i=4>
    %v = meshc.input "v" features {classes = 1} : !t<i=4>
    %eq = meshc.equal %w, %v : !t<i=4>, !t<i=4> -> !t<i=4>
    %y = meshc.mul %eq, %w : !t<i=4>, !t<i=4> -> !t<i=4>
  )" + sumTimesR("%y", "i=4"));
  ASSERT_TRUE(module);
  Tensors feeds = randomFeeds(stepOf(*module), 5);
  feeds.at("v").data = {feeds.at("w").data[0], 7.0, feeds.at("w").data[2], 7.0};
  FailureOr<InterpretResult> result = autodiffAndRun(*module, feeds);
  ASSERT_TRUE(succeeded(result));
  ASSERT_TRUE(result->gradients.count("w"));
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(result->gradients.at("w").data[i], i % 2 == 0 ? feeds.at("r").data[i] : 0.0, 1e-12)
        << "at " << i;
}

// A metric and an output beside the loss change no gradient, and the interpreter reports them.
TEST_F(GradCheckEval, MetricsAndOutputsAreNotTheLoss) {
  std::string body = R"(
    %x = meshc.input "x" features {classes = 1} : !t<b=4, d=3>
    %w = meshc.param "w" normal {scale = 1.0} : !t<d=3>
    %l = meshc.einsum %x, %w : !t<b=4, d=3>, !t<d=3> -> !t<b=4>
    %sq = meshc.mul %l, %l : !t<b=4>, !t<b=4> -> !t<b=4>
    meshc.metric "square", %sq : !t<b=4>
    meshc.prediction "score", %l : !t<b=4>
  )" + sumTimesR("%l", "b=4");
  check(body);
  OwningOpRef<ModuleOp> module = parse(body);
  ASSERT_TRUE(module);
  FailureOr<InterpretResult> result = autodiffAndRun(*module, randomFeeds(stepOf(*module), 1));
  ASSERT_TRUE(succeeded(result));
  EXPECT_EQ(result->metrics.count("square"), 1u);
  EXPECT_EQ(result->predictions.count("score"), 1u);
}

} // namespace
