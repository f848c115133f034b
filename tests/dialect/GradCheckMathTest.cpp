// Gradient checks of the Math family's rules (GradientRulesMath.cpp) against central finite
// differences of the reference interpreter (the fixture of GradCheckFixture.h), at odd sizes,
// with broadcasting operands; and the tie rule of maximum/minimum (the whole gradient to the
// first operand), which finite differences cannot see.
#include "tests/dialect/GradCheckFixture.h"

using namespace mlir;
using namespace meshc::testing;
using namespace meshc::testing::gradcheck;

namespace {

/// The shared fixture under this family's own suite name.
class GradCheckMath : public GradCheck {};

TEST_F(GradCheckMath, SigmoidTanhExp) {
  check(R"(
    %x = meshc.param "x" normal {scale = 1.0} : !t<b=3, d=5>
    %s = meshc.sigmoid %x : !t<b=3, d=5>
    %t = meshc.tanh %x : !t<b=3, d=5>
    %e = meshc.exp %x : !t<b=3, d=5>
    %st = meshc.mul %s, %t : !t<b=3, d=5>, !t<b=3, d=5> -> !t<b=3, d=5>
    %y = meshc.add %st, %e : !t<b=3, d=5>, !t<b=3, d=5> -> !t<b=3, d=5>
  )" + sumTimesR("%y", "b=3, d=5"));
}

// log and sqrt on x + 1.5 (in [0.5, 2.5]: inside their domain, away from the poles of their
// derivatives).
TEST_F(GradCheckMath, LogSqrtInsideTheirDomain) {
  check(R"(
    %x = meshc.param "x" normal {scale = 1.0} : !t<b=3, d=5>
    %c = meshc.fill {value = 1.5} : !t<b=3, d=5>
    %p = meshc.add %x, %c : !t<b=3, d=5>, !t<b=3, d=5> -> !t<b=3, d=5>
    %l = meshc.log %p : !t<b=3, d=5>
    %q = meshc.sqrt %p : !t<b=3, d=5>
    %y = meshc.mul %l, %q : !t<b=3, d=5>, !t<b=3, d=5> -> !t<b=3, d=5>
  )" + sumTimesR("%y", "b=3, d=5"));
}

TEST_F(GradCheckMath, LeakyReluSlopes) {
  check(R"(
    %x = meshc.param "x" normal {scale = 1.0} : !t<b=3, d=7>
    %a = meshc.leaky_relu %x {alpha = 0.01} : !t<b=3, d=7>
    %b = meshc.leaky_relu %a {alpha = 0.2} : !t<b=3, d=7>
    %c = meshc.leaky_relu %x {alpha = -0.3} : !t<b=3, d=7>
    %z = meshc.leaky_relu %c {alpha = 0.0} : !t<b=3, d=7>
    %y = meshc.add %b, %z : !t<b=3, d=7>, !t<b=3, d=7> -> !t<b=3, d=7>
  )" + sumTimesR("%y", "b=3, d=7"));
}

// a / b with the denominator broadcast (b has d only), and the other way round; denominators
// are exp(.) > 0, away from 0.
TEST_F(GradCheckMath, DivBroadcastingEitherOperand) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<b=3, d=5>
    %w = meshc.param "w" normal {scale = 1.0} : !t<d=5>
    %ew = meshc.exp %w : !t<d=5>
    %ea = meshc.exp %a : !t<b=3, d=5>
    %q1 = meshc.div %a, %ew : !t<b=3, d=5>, !t<d=5> -> !t<b=3, d=5>
    %q2 = meshc.div %w, %ea : !t<d=5>, !t<b=3, d=5> -> !t<d=5, b=3>
    %y = meshc.add %q1, %q2 : !t<b=3, d=5>, !t<d=5, b=3> -> !t<b=3, d=5>
  )" + sumTimesR("%y", "b=3, d=5"));
}

TEST_F(GradCheckMath, MaximumMinimumBroadcasting) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<b=3, d=5>
    %w = meshc.param "w" normal {scale = 1.0} : !t<d=5>
    %v = meshc.param "v" normal {scale = 1.0} : !t<b=3>
    %m = meshc.maximum %a, %w : !t<b=3, d=5>, !t<d=5> -> !t<b=3, d=5>
    %n = meshc.minimum %v, %m : !t<b=3>, !t<b=3, d=5> -> !t<b=3, d=5>
  )" + sumTimesR("%n", "b=3, d=5"));
}

// An LSTM cell and a GAN-style discriminator loss, every function of the family together:
// gates sigmoid/tanh, a softplus log(1 + exp(.)), a leaky relu, a division and a clamp by
// maximum/minimum.
TEST_F(GradCheckMath, LstmCellAndSoftplusLoss) {
  check(R"(
    %x = meshc.input "x" features {classes = 1} : !t<b=3, d=4>
    %c0 = meshc.input "c0" features {classes = 1} : !t<b=3, h=5>
    %wi = meshc.param "wi" normal {scale = 0.5} : !t<d=4, h=5>
    %wf = meshc.param "wf" normal {scale = 0.5} : !t<d=4, h=5>
    %wg = meshc.param "wg" normal {scale = 0.5} : !t<d=4, h=5>
    %i0 = meshc.einsum %x, %wi : !t<b=3, d=4>, !t<d=4, h=5> -> !t<b=3, h=5>
    %f0 = meshc.einsum %x, %wf : !t<b=3, d=4>, !t<d=4, h=5> -> !t<b=3, h=5>
    %g0 = meshc.einsum %x, %wg : !t<b=3, d=4>, !t<d=4, h=5> -> !t<b=3, h=5>
    %i = meshc.sigmoid %i0 : !t<b=3, h=5>
    %f = meshc.sigmoid %f0 : !t<b=3, h=5>
    %g = meshc.tanh %g0 : !t<b=3, h=5>
    %fc = meshc.mul %f, %c0 : !t<b=3, h=5>, !t<b=3, h=5> -> !t<b=3, h=5>
    %ig = meshc.mul %i, %g : !t<b=3, h=5>, !t<b=3, h=5> -> !t<b=3, h=5>
    %c = meshc.add %fc, %ig : !t<b=3, h=5>, !t<b=3, h=5> -> !t<b=3, h=5>
    %tc = meshc.tanh %c : !t<b=3, h=5>
    %lr = meshc.leaky_relu %tc {alpha = 0.2} : !t<b=3, h=5>
    %one = meshc.fill {value = 1.0} : !t<b=3, h=5>
    %e = meshc.exp %lr : !t<b=3, h=5>
    %e1 = meshc.add %one, %e : !t<b=3, h=5>, !t<b=3, h=5> -> !t<b=3, h=5>
    %sp = meshc.log %e1 : !t<b=3, h=5>
    %den = meshc.sqrt %e1 : !t<b=3, h=5>
    %q = meshc.div %sp, %den : !t<b=3, h=5>, !t<b=3, h=5> -> !t<b=3, h=5>
    %lo = meshc.fill {value = 0.3} : !t<b=3, h=5>
    %hi = meshc.fill {value = 0.6} : !t<b=3, h=5>
    %cl = meshc.maximum %q, %lo : !t<b=3, h=5>, !t<b=3, h=5> -> !t<b=3, h=5>
    %y = meshc.minimum %cl, %hi : !t<b=3, h=5>, !t<b=3, h=5> -> !t<b=3, h=5>
  )" + sumTimesR("%y", "b=3, h=5"));
}

// max(x, x) and min(x, x) are x: the whole gradient reaches x through the first operand, the
// second gets none — and finite differences of the identity agree.
TEST_F(GradCheckMath, MaximumOfAValueWithItself) {
  check(R"(
    %x = meshc.param "x" normal {scale = 1.0} : !t<b=3, d=5>
    %m = meshc.maximum %x, %x : !t<b=3, d=5>, !t<b=3, d=5> -> !t<b=3, d=5>
    %n = meshc.minimum %m, %m : !t<b=3, d=5>, !t<b=3, d=5> -> !t<b=3, d=5>
  )" + sumTimesR("%n", "b=3, d=5"));
}

// Two parameters with equal values: where maximum/minimum tie, the gradient goes to the FIRST
// operand only (PyTorch would give each half).
TEST_F(GradCheckMath, TiesSendTheGradientToTheFirstOperand) {
  for (const char *op : {"maximum", "minimum"}) {
    SCOPED_TRACE(op);
    OwningOpRef<ModuleOp> module = parse(std::string(R"(
      %p = meshc.param "p" normal {scale = 1.0} : !t<d=5>
      %q = meshc.param "q" normal {scale = 1.0} : !t<d=5>
      %m = meshc.)") + op + R"( %p, %q : !t<d=5>, !t<d=5> -> !t<d=5>
    )" + sumTimesR("%m", "d=5"));
    ASSERT_TRUE(module);
    Tensors feeds = randomFeeds(stepOf(*module), 3);
    // Ties at even positions; q above p at odd ones (so the max picks q, the min p).
    for (size_t i = 0; i < 5; ++i)
      feeds["q"].data[i] = feeds["p"].data[i] + (i % 2 ? 0.5 : 0.0);
    FailureOr<InterpretResult> result = autodiffAndRun(*module, feeds);
    ASSERT_TRUE(succeeded(result));
    const std::vector<double> &r = feeds.at("r").data;
    const std::vector<double> &dp = result->gradients.at("p").data;
    const std::vector<double> &dq = result->gradients.at("q").data;
    bool isMax = std::string(op) == "maximum";
    for (size_t i = 0; i < 5; ++i) {
      bool toP = i % 2 == 0 || !isMax;
      EXPECT_EQ(dp[i], toP ? r[i] : 0.0) << "p, element " << i;
      EXPECT_EQ(dq[i], toP ? 0.0 : r[i]) << "q, element " << i;
    }
  }
}

} // namespace
