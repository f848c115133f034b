// meshc-remat changes where values are computed, never what: on small programs with every kind
// of recomputed op (bias + gelu, layer norm's scale and shift, relu + dropout, causal mask +
// softmax), the reference interpreter's loss and gradients after
// meshc-autodiff + meshc-remat equal those after meshc-autodiff alone exactly (the same
// arithmetic in the same order), and central finite differences; and the pass did recompute
// something in each (so that the comparison covers the rewrite).
#include "tests/dialect/GradCheckFixture.h"

#include "dialect/IR/ModuleAttrs.h"

namespace {

using namespace meshc::testing::gradcheck;
using meshc::testing::InterpretResult;

class GradCheckRemat : public GradCheck {
protected:
  /// The module after autodiff, and after remat if `remat`; null if a pass failed.
  OwningOpRef<ModuleOp> differentiate(ModuleOp module, bool remat) {
    OwningOpRef<ModuleOp> copy = module.clone();
    PassManager pm(&context);
    pm.addPass(meshc::createAutodiff());
    if (remat)
      pm.addPass(meshc::createRemat());
    if (failed(pm.run(*copy)))
      return nullptr;
    return copy;
  }

  static int recomputedOps(ModuleOp module) {
    int count = 0;
    module.walk([&](Operation *op) { count += op->hasAttr(meshc::kRematAttrName); });
    return count;
  }

  /// Loss and gradients with remat equal those without (exactly) and finite differences.
  void checkRemat(const std::string &body, int minRecomputed) {
    OwningOpRef<ModuleOp> module = parse(body);
    ASSERT_TRUE(module);
    OwningOpRef<ModuleOp> plain = differentiate(*module, false);
    OwningOpRef<ModuleOp> remat = differentiate(*module, true);
    ASSERT_TRUE(plain && remat) << "a pass failed";
    EXPECT_GE(recomputedOps(*remat), minRecomputed) << "meshc-remat recomputed too little";
    func::FuncOp func = stepOf(*module);
    for (unsigned seed : {1u, 2u}) {
      Tensors feeds = randomFeeds(func, seed);
      FailureOr<InterpretResult> without = meshc::testing::interpret(stepOf(*plain), feeds);
      FailureOr<InterpretResult> with = meshc::testing::interpret(stepOf(*remat), feeds);
      ASSERT_TRUE(succeeded(without) && succeeded(with));
      ASSERT_TRUE(with->outputs.count("loss"));
      EXPECT_EQ(with->outputs.at("loss").data, without->outputs.at("loss").data);
      ASSERT_EQ(with->gradients.size(), without->gradients.size());
      for (const auto &[name, grad] : without->gradients)
        EXPECT_EQ(with->gradients.at(name).data, grad.data) << "gradient of " << name;
      EXPECT_EQ(compare(with->gradients, finiteDifferences(func, feeds)), "") << "program:\n"
                                                                              << expand(body);
    }
  }
};

TEST_F(GradCheckRemat, BiasGelu) {
  checkRemat(R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=3, i=5>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !t<i=5, j=7>
    %b = meshc.param "b" uniform {scale = 0.5} : !t<j=7>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !t<j=7, k=2>
    %h = meshc.einsum %x, %w1 : !t<n=3, i=5>, !t<i=5, j=7> -> !t<n=3, j=7>
    %a = meshc.add %h, %b : !t<n=3, j=7>, !t<j=7> -> !t<n=3, j=7>
    %g = meshc.gelu %a : !t<n=3, j=7>
    %y = meshc.einsum %g, %w2 : !t<n=3, j=7>, !t<j=7, k=2> -> !t<n=3, k=2>
  )" + sumTimesR("%y", "n=3, k=2"),
             1);
}

TEST_F(GradCheckRemat, LayerNormScaleShift) {
  checkRemat(R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=3, d=5>
    %w0 = meshc.param "w0" uniform {scale = 0.5} : !t<d=5, e=6>
    %gamma = meshc.param "gamma" uniform {scale = 1.0} : !t<e=6>
    %beta = meshc.param "beta" uniform {scale = 0.5} : !t<e=6>
    %w = meshc.param "w" uniform {scale = 0.5} : !t<e=6, k=3>
    %h = meshc.einsum %x, %w0 : !t<n=3, d=5>, !t<d=5, e=6> -> !t<n=3, e=6>
    %ln = meshc.layer_norm %h {dim = "e", epsilon = 1.0e-5} : !t<n=3, e=6>
    %s = meshc.mul %ln, %gamma : !t<n=3, e=6>, !t<e=6> -> !t<n=3, e=6>
    %t = meshc.add %s, %beta : !t<n=3, e=6>, !t<e=6> -> !t<n=3, e=6>
    %y = meshc.einsum %t, %w : !t<n=3, e=6>, !t<e=6, k=3> -> !t<n=3, k=3>
  )" + sumTimesR("%y", "n=3, k=3"),
             3);
}

TEST_F(GradCheckRemat, ReluDropout) {
  checkRemat(R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=4, i=3>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !t<i=3, j=9>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !t<j=9, k=2>
    %h = meshc.einsum %x, %w1 : !t<n=4, i=3>, !t<i=3, j=9> -> !t<n=4, j=9>
    %a = meshc.relu %h : !t<n=4, j=9>
    %d = meshc.dropout %a {rate = 0.3, key = 5} : !t<n=4, j=9>
    %y = meshc.einsum %d, %w2 : !t<n=4, j=9>, !t<j=9, k=2> -> !t<n=4, k=2>
  )" + sumTimesR("%y", "n=4, k=2"),
             2);
}

// Scores that are a parameter (live throughout), so that the masked softmax can be recomputed
// (from an einsum's scores it cannot: the einsum is not recomputed).
TEST_F(GradCheckRemat, CausalSoftmax) {
  checkRemat(R"(
    %sc = meshc.param "sc" uniform {scale = 1.0} : !t<h=2, s=3, t=3>
    %v = meshc.param "v" uniform {scale = 1.0} : !t<h=2, t=3, e=2>
    %m = meshc.causal_mask %sc {query_dim = "s", key_dim = "t"} : !t<h=2, s=3, t=3>
    %p = meshc.softmax %m {dim = "t"} : !t<h=2, s=3, t=3>
    %o = meshc.einsum %p, %v : !t<h=2, s=3, t=3>, !t<h=2, t=3, e=2> -> !t<h=2, s=3, e=2>
  )" + sumTimesR("%o", "h=2, s=3, e=2"),
             2);
}

} // namespace
