// Result dims, inits and printed ops of the DSL.
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

#include <cmath>
#include <cstdlib>

using namespace meshc::dsl;
using meshc::dsl::test::lineWith;

namespace {

Dim batch{"batch", 16}, in{"d_in", 8}, hidden{"hidden", 32}, cls{"classes", 4};

TEST(DslShapes, EinsumContractsMissingDims) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in}, Data::features(cls));
  Tensor w = g.param("w", {in, hidden}, Init::glorot());
  Tensor h = einsum({x, w}, {hidden, batch});
  EXPECT_EQ(h.dims(), (std::vector<Dim>{hidden, batch}));
  EXPECT_EQ(h.dtype(), DType::F32);
  Tensor t = einsum({x}, {in, batch}); // a transpose
  EXPECT_EQ(t.dims(), (std::vector<Dim>{in, batch}));
  EXPECT_TRUE(g.errors().empty());
  EXPECT_NE(g.str().find("    %0 = meshc.einsum %x, %w : !meshc.tensor<batch=16, d_in=8, f32>, "
                        "!meshc.tensor<d_in=8, hidden=32, f32> -> "
                        "!meshc.tensor<hidden=32, batch=16, f32> loc("),
            std::string::npos)
      << g.str();
  EXPECT_NE(g.str().find("    %1 = meshc.einsum %x : !meshc.tensor<batch=16, d_in=8, f32> -> "
                        "!meshc.tensor<d_in=8, batch=16, f32> loc("),
            std::string::npos)
      << g.str();
}

TEST(DslShapes, BroadcastByName) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(cls));
  Tensor b = g.param("b", {hidden}, Init::zeros());
  Tensor c = g.param("c", {in}, Init::zeros());
  EXPECT_EQ((x + b).dims(), (std::vector<Dim>{batch, hidden}));
  EXPECT_EQ((b - x).dims(), (std::vector<Dim>{hidden, batch}));
  EXPECT_EQ((b * c).dims(), (std::vector<Dim>{hidden, in}));
  EXPECT_EQ((x * c).dims(), (std::vector<Dim>{batch, hidden, in}));
  EXPECT_TRUE(g.errors().empty());
  std::string ir = g.str();
  EXPECT_NE(ir.find("%0 = meshc.add %x, %b : !meshc.tensor<batch=16, hidden=32, f32>, "
                    "!meshc.tensor<hidden=32, f32> -> !meshc.tensor<batch=16, hidden=32, f32> loc("),
            std::string::npos)
      << ir;
  EXPECT_NE(ir.find("%1 = meshc.sub %b, %x"), std::string::npos) << ir;
  EXPECT_NE(ir.find("%2 = meshc.mul %b, %c"), std::string::npos) << ir;
}

TEST(DslShapes, Reductions) {
  Graph g("t");
  Tensor x = g.input("x", {batch, in, hidden}, Data::features(cls));
  EXPECT_TRUE(sum(x).isScalar());
  EXPECT_EQ(mean(x, {hidden, batch}).dims(), (std::vector<Dim>{hidden, batch}));
  EXPECT_TRUE(g.errors().empty());
  std::string ir = g.str();
  EXPECT_NE(ir.find("%0 = meshc.reduce_sum %x : !meshc.tensor<batch=16, d_in=8, hidden=32, f32> "
                    "-> !meshc.tensor<f32> loc("),
            std::string::npos)
      << ir;
  EXPECT_NE(ir.find("%1 = meshc.reduce_mean %x : !meshc.tensor<batch=16, d_in=8, hidden=32, f32> "
                    "-> !meshc.tensor<hidden=32, batch=16, f32> loc("),
            std::string::npos)
      << ir;
}

TEST(DslShapes, SoftmaxCrossEntropy) {
  Graph g("t");
  Tensor logits = g.input("logits", {batch, cls}, Data::features(cls));
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  Tensor l = softmax_cross_entropy(logits, y, cls);
  EXPECT_EQ(l.dims(), (std::vector<Dim>{batch}));
  EXPECT_EQ(l.dtype(), DType::F32);
  EXPECT_EQ(y.dtype(), DType::I32);
  std::string ir = g.str();
  EXPECT_NE(ir.find("%y = meshc.input \"y\" labels {classes = 4} : "
                    "!meshc.tensor<batch=16, i32> loc("),
            std::string::npos)
      << ir;
  EXPECT_NE(ir.find("%0 = meshc.softmax_xent %logits, %y {class_dim = \"classes\"} : "
                    "!meshc.tensor<batch=16, classes=4, f32>, !meshc.tensor<batch=16, i32> -> "
                    "!meshc.tensor<batch=16, f32> loc("),
            std::string::npos)
      << ir;
}

/// The value of `scale = ...` in the printed param op of `name`.
double printedScale(const std::string &ir, const std::string &name) {
  std::string line = lineWith(ir, "meshc.param \"" + name + "\"");
  size_t p = line.find("scale = ");
  EXPECT_NE(p, std::string::npos) << line;
  return std::strtod(line.c_str() + p + 8, nullptr);
}

TEST(DslShapes, GlorotScale) {
  Dim a{"a", 2}, b{"b", 3}, c{"c", 4};
  // fan_out is the last dim, fan_in the product of the others.
  EXPECT_DOUBLE_EQ(glorotScale({a, b, c}), std::sqrt(6.0 / (2 * 3 + 4)));
  EXPECT_DOUBLE_EQ(glorotScale({in, hidden}), std::sqrt(6.0 / (8 + 32)));
  EXPECT_DOUBLE_EQ(glorotScale({hidden}), std::sqrt(6.0 / (1 + 32)));

  Graph g("t");
  g.param("w", {a, b, c}, Init::glorot());
  std::string ir = g.str();
  EXPECT_NE(lineWith(ir, "meshc.param \"w\" uniform {scale = "), "") << ir;
  // Printed exactly: the compiler reads the same double back.
  EXPECT_EQ(printedScale(ir, "w"), std::sqrt(6.0 / (2 * 3 + 4)));
}

TEST(DslShapes, FloatsAlwaysParseAsFloats) {
  Graph g("t");
  g.param("one", {hidden}, Init::constant(1.0));
  g.param("tiny", {hidden}, Init::uniform(1e-5));
  g.param("neg", {hidden}, Init::constant(-2.0));
  g.param("n", {hidden}, Init::normal(0.02));
  g.param("z", {hidden}, Init::zeros());
  g.minimize(sum(g.param("s", {}, Init::zeros())), SGD{0.1});
  std::string ir = g.str();
  EXPECT_NE(ir.find("constant {scale = 1.0}"), std::string::npos) << ir;
  EXPECT_NE(ir.find("uniform {scale = 1.0e-05}"), std::string::npos) << ir;
  EXPECT_NE(ir.find("constant {scale = -2.0}"), std::string::npos) << ir;
  EXPECT_NE(ir.find("normal {scale = 0.02}"), std::string::npos) << ir;
  EXPECT_NE(ir.find("zeros {scale = 0.0}"), std::string::npos) << ir;
  EXPECT_NE(ir.find(" {learning_rate = 0.1} : !meshc.tensor<f32> loc("),
            std::string::npos)
      << ir;
}

TEST(DslShapes, OpsCarryTheirCallSite) {
  Graph g("t");
  Tensor x = g.input("x", {batch, hidden}, Data::features(cls)); const int inputLine = __LINE__;
  Tensor r = relu(x); const int reluLine = __LINE__;
  Tensor s = x +
             r; const int addLine = __LINE__; // GCC places it on the right operand's line
  std::string ir = g.str();
  std::string file = std::string("loc(\"") + __FILE__ + "\":";
  EXPECT_NE(lineWith(ir, "meshc.input").find(file + std::to_string(inputLine) + ":"),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.relu").find(file + std::to_string(reluLine) + ":"),
            std::string::npos)
      << ir;
  std::string add = lineWith(ir, "meshc.add");
  EXPECT_TRUE(add.find(file + std::to_string(addLine) + ":") != std::string::npos ||
              add.find(file + std::to_string(addLine - 1) + ":") != std::string::npos)
      << ir;
}

TEST(DslShapes, TwoGraphsDoNotInterfere) {
  Graph g1("one"), g2("two");
  // The same names, with other sizes, in another graph are no conflict.
  Tensor a1 = g1.param("w", {Dim{"hidden", 32}}, Init::zeros());
  Tensor a2 = g2.param("w", {Dim{"hidden", 64}}, Init::zeros());
  Tensor r1 = relu(a1);
  Tensor r2 = relu(relu(a2));
  EXPECT_TRUE(g1.errors().empty());
  EXPECT_TRUE(g2.errors().empty());
  EXPECT_EQ(r1.graph(), &g1);
  EXPECT_EQ(r2.graph(), &g2);
  std::string ir1 = g1.str(), ir2 = g2.str();
  EXPECT_NE(ir1.find("func.func @one()"), std::string::npos);
  EXPECT_NE(ir1.find("%0 = meshc.relu %w : !meshc.tensor<hidden=32, f32>"), std::string::npos);
  EXPECT_EQ(ir1.find("%1 ="), std::string::npos) << ir1;
  EXPECT_NE(ir2.find("%1 = meshc.relu %0 : !meshc.tensor<hidden=64, f32>"), std::string::npos);
  EXPECT_EQ(ir2.find("hidden=32"), std::string::npos) << ir2;
}

TEST(DslShapes, ModuleAttributes) {
  Graph g("m");
  EXPECT_EQ(g.str().rfind("module {\n  func.func @m() {\n    return\n  } loc(", 0), 0u) << g.str();
  g.mesh("b=2,m=2").layout("batch:b,hidden:m");
  EXPECT_EQ(g.str().rfind("module attributes {meshc.mesh = #meshc.mesh<\"b=2,m=2\">,\n"
                          "                   meshc.layout = #meshc.layout<\"batch:b,hidden:m\">} {\n"
                          "  func.func @m() {\n",
                          0),
            0u)
      << g.str();
  Graph r("r");
  r.layout(""); // everything replicated
  EXPECT_TRUE(r.errors().empty());
  EXPECT_NE(r.str().find("meshc.layout = #meshc.layout<\"\">"), std::string::npos);
}

} // namespace
