// Hostile sizes in the DSL.
//
// Sizes meshc would refuse (dialect/IR/Limits.h: element or byte counts that overflow int64,
// more dims or mesh axes than the runtime takes, class counts an i32 index cannot reach) are
// located errors where the model makes them, as every DSL mistake is.
//
//===----------------------------------------------------------------------===//
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

#include <cstdint>
#include <limits>

using namespace meshc::dsl;

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
Dim batch{"batch", 16}, cls{"classes", 4};
Dim huge{"huge", int64_t{1} << 32}, huge2{"huge2", int64_t{1} << 32};

TEST(DslSizes, ElementCountOverflow) {
  Graph g("t");
  Tensor x = g.input("x", {huge, huge2}, Data::features(cls)); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "input 'x' [huge=4294967296, huge2=4294967296] has more than "
                            "9223372036854775807 elements (its element count overflows int64)");
  EXPECT_FALSE(x.valid());
}

TEST(DslSizes, ByteCountOverflow) {
  Graph g("t");
  g.param("w", {Dim{"n", int64_t{1} << 62}}, Init::zeros()); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "param 'w' [n=4611686018427387904] has 4611686018427387904 "
                            "elements of 4 bytes, more than 9223372036854775807 bytes");
}

TEST(DslSizes, LargestTensorIsFine) {
  Graph g("t");
  Tensor w = g.param("w", {Dim{"n", kInt64Max / 4}}, Init::zeros());
  EXPECT_TRUE(w.valid());
  EXPECT_TRUE(g.errors().empty());
}

// Each operand fits; the broadcast result, which has both dims, does not.
TEST(DslSizes, BroadcastResultOverflow) {
  Graph g("t");
  Tensor a = g.param("a", {huge}, Init::zeros());
  Tensor b = g.param("b", {huge2}, Init::zeros());
  Tensor c = a * b; const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "the result of mul [huge=4294967296, huge2=4294967296] has more than "
                            "9223372036854775807 elements");
  EXPECT_FALSE(c.valid());
}

TEST(DslSizes, TooManyDims) {
  Graph g("t");
  std::vector<Dim> dims;
  for (char c = 'a'; c < 'a' + 17; ++c)
    dims.push_back(Dim{std::string(1, c), 1});
  g.param("w", dims, Init::zeros()); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "param 'w' [a=1, b=1, c=1, d=1, e=1, f=1, g=1, h=1, i=1, j=1, k=1, "
                            "l=1, m=1, n=1, o=1, p=1, q=1] has 17 dimensions, more than the 16 "
                            "meshc supports");
}

// 17 x 1085102592571150096 is 16 modulo 2^64: a wrapped count equals the operand's.
TEST(DslSizes, ReshapeWhoseCountWraps) {
  Graph g("t");
  Tensor x = g.param("x", {Dim{"x", 16}}, Init::zeros());
  Tensor r = reshape(x, {Dim{"a", 17}, Dim{"b", 1085102592571150096}}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "the result of reshape [a=17, b=1085102592571150096] has more than "
                            "9223372036854775807 elements");
  EXPECT_FALSE(r.valid());
}

TEST(DslSizes, SliceEndOverflow) {
  Graph g("t");
  Dim s{"s", 8}, w{"w", 2};
  Tensor x = g.param("x", {s}, Init::zeros());
  slice(x, s, kInt64Max, w); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "slice [9223372036854775807, start + 2) does not fit in dimension "
                            "'s' of size 8");
}

TEST(DslSizes, ConcatSumOverflow) {
  Graph g("t");
  Dim p{"p", kInt64Max / 4}, out{"out", 2};
  Tensor x = g.param("x", {p}, Init::zeros());
  concat({x, x, x, x, x}, out); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "parts of concat have more than 9223372036854775807 elements along 'p'");
}

TEST(DslSizes, InputClassesBeyondI32) {
  Graph g("t");
  g.input("y", {batch}, Data::labels(Dim{"classes", 4294967304})); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "input 'y' has 4294967304 classes, more than i32 labels can index "
                            "(2147483647)");
}

TEST(DslSizes, CrossEntropyClassesBeyondI32) {
  Graph g("t");
  Dim many{"many", int64_t{1} << 31};
  Tensor logits = g.input("x", {batch, many}, Data::features(cls));
  Tensor y = g.input("y", {batch}, Data::labels(cls));
  softmax_cross_entropy(logits, y, many); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "class dimension 'many' of softmax_cross_entropy has size 2147483648, "
                            "more than i32 labels can index (2147483647)");
}

TEST(DslSizes, OneHotClassesBeyondTheIndexType) {
  Graph g("t");
  Tensor ids = g.input("ids", {batch}, Data::labels(cls));
  one_hot(ids, Dim{"c", int64_t{1} << 31}); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "class dimension of one_hot 'c' has size 2147483648, more than i32 "
                            "indices can index (2147483647)");
  Graph f("f");
  Tensor x = f.input("x", {batch}, Data::features(cls));
  one_hot(x, Dim{"c", (int64_t{1} << 24) + 1}); const int fline = __LINE__;
  EXPECT_ONE_ERROR(f, fline, "class dimension of one_hot 'c' has size 16777217, more than f32 "
                             "indices exactly can index (16777216)");
}

TEST(DslSizes, ArgmaxAndEmbeddingBeyondI32) {
  Graph g("t");
  Dim many{"many", int64_t{1} << 31};
  Tensor x = g.input("x", {batch, many}, Data::features(cls));
  argmax(x, many); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "dimension of argmax 'many' has size 2147483648, more than its i32 "
                            "result can index (2147483647)");
  Graph e("e");
  Tensor table = e.param("table", {Dim{"vocab", int64_t{1} << 31}, Dim{"d", 2}}, Init::zeros());
  Tensor ids = e.input("ids", {batch}, Data::labels(cls));
  embedding(table, ids); const int eline = __LINE__;
  EXPECT_ONE_ERROR(e, eline, "vocabulary dimension of embedding 'vocab' has size 2147483648, more "
                             "than i32 ids can index (2147483647)");
}

TEST(DslSizes, MeshLimits) {
  Graph a("a");
  a.mesh("a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1"); const int axes = __LINE__;
  EXPECT_ONE_ERROR(a, axes, "mesh 'a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1' has 9 axes, more than "
                            "the 8 the runtime supports");
  Graph b("b");
  b.mesh("b=4294967296,m=4294967296"); const int size = __LINE__;
  EXPECT_ONE_ERROR(b, size, "mesh axis 'b' has size 4294967296, more than the 16777216 the "
                            "runtime supports");
  Graph c("c");
  c.mesh("b=65536,m=65536"); const int ranks = __LINE__;
  EXPECT_ONE_ERROR(c, ranks, "mesh 'b=65536,m=65536' has more than 1073741824 ranks (the most "
                             "the runtime supports)");
  Graph d("d");
  d.mesh("a=16777216,b=64,c=1,d=1,e=1,f=1,g=1,h=1"); // the largest: 8 axes, 2^30 ranks
  EXPECT_TRUE(d.errors().empty());
}

TEST(DslSizes, LayoutAxisSuggestion) {
  Graph g("t");
  g.param("w", {batch}, Init::zeros());
  g.mesh("data=2,model=2").layout("batch:dat"); const int line = __LINE__;
  EXPECT_ONE_ERROR(g, line, "layout maps dimension 'batch' to axis 'dat', which mesh "
                            "'data=2,model=2' lacks; did you mean 'data'?");
}

} // namespace
