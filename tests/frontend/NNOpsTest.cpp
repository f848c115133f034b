// The DSL's NN family and optimizers.
//
// What layer_norm, gelu, softmax, causal_mask, dropout and minimize with Adam{} or
// Momentum{} print, and their located errors.
//
//===----------------------------------------------------------------------===//
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

#include <cmath>

using namespace meshc::dsl;
using meshc::dsl::test::lineWith;

namespace {

Dim batch{"batch", 4}, seq{"seq", 8}, seqK{"seq_k", 8}, heads{"heads", 2}, d{"d_model", 16};

TEST(DslNN, OpsPrintTheirAttributes) {
  Graph g("t");
  Tensor x = g.input("x", {batch, seq, d}, Data::features(Dim{"classes", 2}));
  Tensor gamma = g.param("gamma", {d}, Init::constant(1.0));
  Tensor beta = g.param("beta", {d}, Init::zeros());
  Tensor n = layer_norm(x, d, gamma, beta);
  Tensor s = g.param("s", {heads, seq, seqK}, Init::zeros());
  Tensor p = softmax(causal_mask(s, seq, seqK), seqK);
  Tensor y = dropout(gelu(n), 0.1);
  Tensor z = dropout(y, 0.25);
  g.minimize(sum(z) + sum(p), Adam{1e-3});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  std::string ir = g.str();
  EXPECT_NE(lineWith(ir, "meshc.layer_norm"), "");
  EXPECT_NE(lineWith(ir, "meshc.layer_norm").find(
                "{dim = \"d_model\", epsilon = 1.0e-05} : !meshc.tensor<batch=4, seq=8, d_model=16, f32>"),
            std::string::npos)
      << lineWith(ir, "meshc.layer_norm");
  EXPECT_NE(lineWith(ir, "meshc.causal_mask").find("{query_dim = \"seq\", key_dim = \"seq_k\"}"),
            std::string::npos);
  EXPECT_NE(lineWith(ir, "meshc.softmax ").find("{dim = \"seq_k\"}"), std::string::npos);
  EXPECT_NE(lineWith(ir, "meshc.gelu"), "");
  EXPECT_NE(lineWith(ir, "rate = 0.1, key = 0").find("meshc.dropout"), std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "rate = 0.25, key = 1").find("meshc.dropout"), std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.minimize")
                .find("meshc.minimize adam %10 {learning_rate = 0.001, beta1 = 0.9, "
                      "beta2 = 0.999, epsilon = 1.0e-08}"),
            std::string::npos)
      << lineWith(ir, "meshc.minimize");
  // gamma and beta: a broadcasting mul and add after the normalisation.
  EXPECT_NE(lineWith(ir, "meshc.mul"), "");
  EXPECT_NE(lineWith(ir, "meshc.add"), "");
  // Every op is located at this file.
  EXPECT_NE(lineWith(ir, "meshc.gelu").find("NNOpsTest.cpp"), std::string::npos);
}

TEST(DslNN, MomentumPrintsItsAttributes) {
  Graph g("t");
  Tensor w = g.param("w", {d}, Init::zeros());
  g.minimize(sum(gelu(w)), Momentum{0.05, 0.8});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  EXPECT_NE(lineWith(g.str(), "meshc.minimize")
                .find("meshc.minimize momentum %1 {learning_rate = 0.05, momentum = 0.8}"),
            std::string::npos)
      << lineWith(g.str(), "meshc.minimize");
}

TEST(DslNN, SoftmaxOverAMissingDim) {
  Graph g("t");
  Tensor x = g.param("x", {batch, d}, Init::zeros());
  Tensor y = softmax(x, seq); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "softmax over dimension 'seq', which its operand [batch=4, d_model=16] lacks");
  EXPECT_FALSE(y.valid());
  EXPECT_EQ(y.dims(), x.dims());
}

TEST(DslNN, LayerNormBadEpsilon) {
  Graph g("t");
  Tensor x = g.param("x", {batch, d}, Init::zeros());
  layer_norm(x, d, 0.0); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "epsilon 0.0 of layer_norm is not a positive finite number");
}

TEST(DslNN, CausalMaskSizes) {
  Graph g("t");
  Tensor s = g.param("s", {seq, Dim{"k", 4}}, Init::zeros());
  causal_mask(s, seq, Dim{"k", 4}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "causal_mask query dimension 'seq' has size 8 but key dimension 'k' has size 4");
}

TEST(DslNN, CausalMaskSameDim) {
  Graph g("t");
  Tensor s = g.param("s", {seq, seqK}, Init::zeros());
  causal_mask(s, seq, seq); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "causal_mask needs two dimensions, got 'seq' twice");
}

TEST(DslNN, DropoutBadRate) {
  Graph g("t");
  Tensor x = g.param("x", {d}, Init::zeros());
  dropout(x, 1.0); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "dropout rate 1.0 is not in [0, 1)");
}

TEST(DslNN, GeluOfLabels) {
  Graph g("t");
  Tensor y = g.input("y", {batch}, Data::labels(Dim{"classes", 2}));
  gelu(y); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "operand of gelu");
}

TEST(DslNN, AdamBadBeta) {
  Graph g("t");
  Tensor w = g.param("w", {d}, Init::zeros());
  g.minimize(sum(w), Adam{1e-3, 1.0}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "beta1 1.0 of Adam is not in [0, 1)");
}

TEST(DslNN, MomentumBadLearningRate) {
  Graph g("t");
  Tensor w = g.param("w", {d}, Init::zeros());
  g.minimize(sum(w), Momentum{-1.0}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "learning rate -1.0 of Momentum is not a positive finite number");
}

// AdamW's weight decay and clipping print as the minimize's attributes (only when set, so
// programs without them keep their IR).
TEST(DslNN, AdamWAndClipNormPrintTheirAttributes) {
  Graph g("t");
  Tensor w = g.param("w", {d}, Init::zeros());
  g.minimize(sum(gelu(w)), Adam{1e-3, 0.9, 0.999, 1e-8, 0.01, 1.5});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  EXPECT_NE(lineWith(g.str(), "meshc.minimize")
                .find("epsilon = 1.0e-08, weight_decay = 0.01, clip_norm = 1.5}"),
            std::string::npos)
      << lineWith(g.str(), "meshc.minimize");
  Graph s("s");
  Tensor v = s.param("v", {d}, Init::zeros());
  s.minimize(sum(gelu(v)), SGD{0.5, 2.0});
  ASSERT_EQ(s.errors(), std::vector<std::string>{});
  EXPECT_NE(lineWith(s.str(), "meshc.minimize")
                .find("meshc.minimize sgd %1 {learning_rate = 0.5, clip_norm = 2.0}"),
            std::string::npos)
      << lineWith(s.str(), "meshc.minimize");
  EXPECT_EQ(lineWith(s.str(), "meshc.minimize").find("weight_decay"), std::string::npos);
}

TEST(DslNN, AdamNegativeWeightDecay) {
  Graph g("t");
  Tensor w = g.param("w", {d}, Init::zeros());
  g.minimize(sum(w), Adam{1e-3, 0.9, 0.999, 1e-8, -0.1}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "weightDecay -0.1 of Adam is not a non-negative finite number");
}

TEST(DslNN, NegativeClipNorm) {
  Graph g("t");
  Tensor w = g.param("w", {d}, Init::zeros());
  g.minimize(sum(w), Momentum{0.1, 0.9, -1.0}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line,
                   "clipNorm -1.0 of Momentum is not a positive finite number (0: no clipping)");
}

TEST(DslNN, NanClipNormOfSgd) {
  Graph g("t");
  Tensor w = g.param("w", {d}, Init::zeros());
  g.minimize(sum(w), SGD{0.1, std::nan("")}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "clipNorm nan of SGD is not a positive finite number (0: no clipping)");
}

} // namespace
