// The DSL's Index/Shape family.
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

using namespace meshc::dsl;
using meshc::dsl::test::lineWith;

namespace {

Dim batch{"batch", 4}, seq{"seq", 6}, vocab{"vocab", 16}, d{"d_model", 8}, experts{"experts", 3};

TEST(DslIndex, EmbeddingTakesIdsDimsThenRow) {
  Graph g("t");
  Tensor ids = g.input("ids", {batch, seq}, Data::labels(vocab));
  Tensor table = g.param("table", {vocab, d}, Init::normal(0.1));
  Tensor e = embedding(table, ids);
  EXPECT_EQ(e.dims(), (std::vector<Dim>{batch, seq, d}));
  EXPECT_EQ(e.dtype(), DType::F32);
  EXPECT_TRUE(g.errors().empty()) << ::testing::PrintToString(g.errors());
  EXPECT_NE(lineWith(g.str(), "meshc.embedding")
                .find("meshc.embedding %table, %ids {vocab_dim = \"vocab\"} : "
                      "!meshc.tensor<vocab=16, d_model=8, f32>, !meshc.tensor<batch=4, seq=6, "
                      "i32> -> !meshc.tensor<batch=4, seq=6, d_model=8, f32> loc("),
            std::string::npos)
      << g.str();
}

TEST(DslIndex, EmbeddingNeedsIntegerIds) {
  Graph g("t");
  Tensor x = g.input("x", {batch, seq}, Data::features(vocab));
  Tensor table = g.param("table", {vocab, d}, Init::normal(0.1));
  embedding(table, x); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "ids of embedding have element type f32, expected i32");
}

TEST(DslIndex, MoeRouting) {
  Graph g("t");
  Tensor x = g.input("x", {batch, seq, d}, Data::features(vocab));
  Tensor w = g.param("w", {d, experts}, Init::glorot());
  Tensor logits = einsum({x, w}, {batch, seq, experts});
  Tensor top = argmax(logits, experts);
  EXPECT_EQ(top.dims(), (std::vector<Dim>{batch, seq}));
  EXPECT_EQ(top.dtype(), DType::I32);
  Tensor mask = one_hot(top, experts);
  EXPECT_EQ(mask.dims(), (std::vector<Dim>{batch, seq, experts}));
  Tensor position = cumsum(mask, seq, /*exclusive=*/true);
  Tensor best = max(logits, {batch, seq});
  Tensor frozen = stop_gradient(best);
  EXPECT_EQ(frozen.dims(), (std::vector<Dim>{batch, seq}));
  EXPECT_TRUE(g.errors().empty()) << ::testing::PrintToString(g.errors());
  std::string ir = g.str();
  EXPECT_NE(lineWith(ir, "meshc.argmax").find("{dim = \"experts\"} : "), std::string::npos) << ir;
  EXPECT_NE(lineWith(ir, "meshc.one_hot").find("-> !meshc.tensor<batch=4, seq=6, experts=3, f32>"),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.cumsum").find("{dim = \"seq\", exclusive = true} : "),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.reduce_max").find("-> !meshc.tensor<batch=4, seq=6, f32>"),
            std::string::npos)
      << ir;
  EXPECT_NE(ir.find("meshc.stop_gradient"), std::string::npos) << ir;
}

TEST(DslIndex, ArgmaxNeedsTheDim) {
  Graph g("t");
  Tensor x = g.input("x", {batch, d}, Data::features(vocab));
  argmax(x, experts); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "operand of argmax [batch=4, d_model=8] lacks dimension 'experts'");
}

TEST(DslIndex, OneHotClassDimIsNew) {
  Graph g("t");
  Tensor x = g.input("x", {batch, experts}, Data::features(vocab));
  one_hot(x, experts); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "indices of one_hot [batch=4, experts=3] already have");
}

TEST(DslIndex, ConcatSliceRenameReshape) {
  Graph g("t");
  Dim a{"a", 2}, b{"b", 3}, ab{"ab", 5}, w{"w", 2}, heads{"heads", 2}, dh{"dh", 4};
  Tensor x = g.input("x", {batch, a}, Data::features(vocab));
  Tensor y = g.input("y", {batch, b}, Data::features(vocab));
  Tensor c = concat({x, y}, ab);
  EXPECT_EQ(c.dims(), (std::vector<Dim>{batch, ab}));
  Tensor s = slice(c, ab, 3, w);
  EXPECT_EQ(s.dims(), (std::vector<Dim>{batch, w}));
  Tensor z = g.input("z", {batch, d}, Data::features(vocab));
  Tensor r = reshape(z, {batch, heads, dh});
  EXPECT_EQ(r.dims(), (std::vector<Dim>{batch, heads, dh}));
  Tensor n = rename(z, {{batch, Dim{"rows", 4}}});
  EXPECT_EQ(n.dims(), (std::vector<Dim>{Dim{"rows", 4}, d}));
  EXPECT_TRUE(g.errors().empty()) << ::testing::PrintToString(g.errors());
  std::string ir = g.str();
  EXPECT_NE(lineWith(ir, "meshc.concat").find("meshc.concat %x, %y {dim = \"ab\"} : "),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.slice").find("{dim = \"ab\", start = 3} : "), std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.rename").find("-> !meshc.tensor<rows=4, d_model=8, f32>"),
            std::string::npos)
      << ir;
  EXPECT_NE(lineWith(ir, "meshc.reshape").find("-> !meshc.tensor<batch=4, heads=2, dh=4, f32>"),
            std::string::npos)
      << ir;
}

TEST(DslIndex, ConcatSizesMustAdd) {
  Graph g("t");
  Dim a{"a", 2}, b{"b", 3};
  Tensor x = g.input("x", {batch, a}, Data::features(vocab));
  Tensor y = g.input("y", {batch, b}, Data::features(vocab));
  concat({x, y}, Dim{"ab", 6}); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "parts of concat have 5 elements along 'a', but 'ab' has size 6");
}

TEST(DslIndex, SliceMustFit) {
  Graph g("t");
  Tensor x = g.input("x", {batch, d}, Data::features(vocab));
  slice(x, d, 6, Dim{"w", 4}); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "slice [6, 10) does not fit in dimension 'd_model' of size 8");
}

TEST(DslIndex, PadPlacesTheOperand) {
  Graph g("t");
  Dim rows{"rows", 5}, h{"h", 8};
  Tensor x = g.input("x", {batch, rows}, Data::features(vocab));
  Tensor p = pad(x, rows, 2, h);
  EXPECT_EQ(p.dims(), (std::vector<Dim>{batch, h}));
  EXPECT_TRUE(g.errors().empty()) << ::testing::PrintToString(g.errors());
  std::string ir = g.str();
  EXPECT_NE(lineWith(ir, "meshc.pad").find("{dim = \"h\", start = 2} : !meshc.tensor<batch=4, "
                                           "rows=5, f32> -> !meshc.tensor<batch=4, h=8, f32>"),
            std::string::npos)
      << ir;
}

TEST(DslIndex, PadMustFit) {
  Graph g("t");
  Tensor x = g.input("x", {batch, d}, Data::features(vocab));
  pad(x, d, 3, Dim{"w", 10}); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "pad places 'd_model' at [3, 11), which does not fit in dimension 'w' "
                            "of size 10");
}

TEST(DslIndex, RenameKeepsSizes) {
  Graph g("t");
  Tensor x = g.input("x", {batch, d}, Data::features(vocab));
  rename(x, {{d, Dim{"e", 4}}}); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "rename of 'd_model' (size 8) to 'e' (size 4) changes the size");
}

TEST(DslIndex, ReshapeKeepsCount) {
  Graph g("t");
  Tensor x = g.input("x", {batch, d}, Data::features(vocab));
  reshape(x, {Dim{"n", 30}}); int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "reshape of [batch=4, d_model=8] (32 elements) to [n=30] (30 "
                            "elements) changes the element count");
}

} // namespace
