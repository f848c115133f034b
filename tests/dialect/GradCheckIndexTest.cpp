// Gradient checks of the Index family's rules (GradientRulesIndex.cpp) against central
// finite differences of the reference interpreter (the fixture of GradCheckFixture.h).
#include "tests/dialect/GradCheckFixture.h"

using namespace mlir;
using namespace meshc::testing;
using namespace meshc::testing::gradcheck;

namespace {

/// The shared fixture under this family's own suite name.
class GradCheckIndex : public GradCheck {};

//===----------------------------------------------------------------------===//
// Lookups and one-hots
//===----------------------------------------------------------------------===//

TEST_F(GradCheckIndex, EmbeddingRepeatedIds) {
  check(R"(
    %t = meshc.param "t" normal {scale = 1.0} : !t<vocab=5, d=3>
    %i = meshc.input "i" labels {classes = 5} : !meshc.tensor<b=4, s=3, i32>
    %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !t<vocab=5, d=3>, !meshc.tensor<b=4, s=3, i32> -> !t<b=4, s=3, d=3>
  )" + sumTimesR("%e", "b=4, s=3, d=3"));
}

TEST_F(GradCheckIndex, EmbeddingIdsOutsideTheVocabulary) {
  check(R"(
    %t = meshc.param "t" normal {scale = 1.0} : !t<vocab=3, d=2, e=2>
    %i = meshc.input "i" labels {classes = 6} : !meshc.tensor<b=6, i32>
    %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !t<vocab=3, d=2, e=2>, !meshc.tensor<b=6, i32> -> !t<b=6, d=2, e=2>
  )" + sumTimesR("%e", "b=6, d=2, e=2"));
}

// Top-1 routing: argmax and one_hot carry no gradient; the gate's does.
TEST_F(GradCheckIndex, ArgmaxOneHotGate) {
  check(R"(
    %x = meshc.input "x" features {classes = 1} : !t<b=5, d=3>
    %w = meshc.param "w" normal {scale = 1.0} : !t<d=3, e=4>
    %l = meshc.einsum %x, %w : !t<b=5, d=3>, !t<d=3, e=4> -> !t<b=5, e=4>
    %top = meshc.argmax %l {dim = "e"} : !t<b=5, e=4> -> !meshc.tensor<b=5, i32>
    %m = meshc.one_hot %top : !meshc.tensor<b=5, i32> -> !t<b=5, e=4>
    %g = meshc.mul %m, %l : !t<b=5, e=4>, !t<b=5, e=4> -> !t<b=5, e=4>
  )" + sumTimesR("%g", "b=5, e=4"));
}

// MoE dispatch with capacity 2: positions from an exclusive cumsum of the routing mask, then a
// one-hot over the capacity whose out-of-range positions drop the token.
TEST_F(GradCheckIndex, MoeDispatchWithCapacity) {
  check(R"(
    %x = meshc.input "x" features {classes = 1} : !t<b=6, d=3>
    %wg = meshc.param "wg" normal {scale = 1.0} : !t<d=3, e=2>
    %we = meshc.param "we" normal {scale = 1.0} : !t<e=2, d=3, h=2>
    %l = meshc.einsum %x, %wg : !t<b=6, d=3>, !t<d=3, e=2> -> !t<b=6, e=2>
    %top = meshc.argmax %l {dim = "e"} : !t<b=6, e=2> -> !meshc.tensor<b=6, i32>
    %m = meshc.one_hot %top : !meshc.tensor<b=6, i32> -> !t<b=6, e=2>
    %p = meshc.cumsum %m {dim = "b", exclusive = true} : !t<b=6, e=2>
    %pc = meshc.one_hot %p : !t<b=6, e=2> -> !t<b=6, e=2, c=2>
    %gate = meshc.mul %m, %l : !t<b=6, e=2>, !t<b=6, e=2> -> !t<b=6, e=2>
    %dispatch = meshc.mul %pc, %gate : !t<b=6, e=2, c=2>, !t<b=6, e=2> -> !t<b=6, e=2, c=2>
    %in = meshc.einsum %dispatch, %x : !t<b=6, e=2, c=2>, !t<b=6, d=3> -> !t<e=2, c=2, d=3>
    %out = meshc.einsum %in, %we : !t<e=2, c=2, d=3>, !t<e=2, d=3, h=2> -> !t<e=2, c=2, h=2>
  )" + sumTimesR("%out", "e=2, c=2, h=2"));
}

//===----------------------------------------------------------------------===//
// Along a dim
//===----------------------------------------------------------------------===//

TEST_F(GradCheckIndex, ReduceMaxSeveralDimsReordered) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<i=2, j=3, k=4>
    %m = meshc.reduce_max %a : !t<i=2, j=3, k=4> -> !t<k=4, i=2>
  )" + sumTimesR("%m", "k=4, i=2"));
}

TEST_F(GradCheckIndex, ReduceMaxToScalar) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<i=3, j=2>
    %m = meshc.reduce_max %a : !t<i=3, j=2> -> !t<>
  )" + minimizeScalar("%m"));
}

TEST_F(GradCheckIndex, CumsumInclusive) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<i=2, t=5, j=2>
    %c = meshc.cumsum %a {dim = "t"} : !t<i=2, t=5, j=2>
  )" + sumTimesR("%c", "i=2, t=5, j=2"));
}

TEST_F(GradCheckIndex, CumsumExclusive) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<t=5, j=2>
    %c = meshc.cumsum %a {dim = "t", exclusive = true} : !t<t=5, j=2>
  )" + sumTimesR("%c", "t=5, j=2"));
}

TEST_F(GradCheckIndex, CumsumReverseExclusive) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<j=2, t=4>
    %c = meshc.cumsum %a {dim = "t", exclusive = true, reverse = true} : !t<j=2, t=4>
  )" + sumTimesR("%c", "j=2, t=4"));
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

TEST_F(GradCheckIndex, ConcatMiddleDim) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<i=2, x=2, j=3>
    %b = meshc.param "b" normal {scale = 1.0} : !t<i=2, y=3, j=3>
    %c = meshc.concat %a, %b, %a {dim = "d"} : !t<i=2, x=2, j=3>, !t<i=2, y=3, j=3>, !t<i=2, x=2, j=3> -> !t<i=2, d=7, j=3>
  )" + sumTimesR("%c", "i=2, d=7, j=3"));
}

TEST_F(GradCheckIndex, SliceRenamedDim) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<i=2, d=6>
    %s = meshc.slice %a {dim = "d", start = 2} : !t<i=2, d=6> -> !t<i=2, w=3>
  )" + sumTimesR("%s", "i=2, w=3"));
}

TEST_F(GradCheckIndex, Pad) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<w=2, i=3>
    %p = meshc.pad %a {dim = "d", start = 1} : !t<w=2, i=3> -> !t<d=5, i=3>
  )" + sumTimesR("%p", "d=5, i=3"));
}

TEST_F(GradCheckIndex, RenameAndReshape) {
  check(R"(
    %a = meshc.param "a" normal {scale = 1.0} : !t<i=2, j=6>
    %rs = meshc.reshape %a : !t<i=2, j=6> -> !t<k=3, l=4>
    %n = meshc.rename %rs : !t<k=3, l=4> -> !t<k2=3, l=4>
    %m = meshc.mul %n, %n : !t<k2=3, l=4>, !t<k2=3, l=4> -> !t<k2=3, l=4>
  )" + sumTimesR("%m", "k2=3, l=4"));
}

// stop_gradient: the loss sum(stop(w) * w * r) has the gradient stop(w) * r only (finite
// differences would see both factors move, so the expectation is written out).
TEST_F(GradCheckIndex, StopGradientBlocksOnePath) {
  OwningOpRef<ModuleOp> module = parse(R"(
    %w = meshc.param "w" normal {scale = 1.0} : !t<i=3>
    %s = meshc.stop_gradient %w : !t<i=3>
    %y = meshc.mul %s, %w : !t<i=3>, !t<i=3> -> !t<i=3>
  )" + sumTimesR("%y", "i=3"));
  ASSERT_TRUE(module);
  Tensors feeds = randomFeeds(stepOf(*module), 3);
  FailureOr<InterpretResult> result = autodiffAndRun(*module, feeds);
  ASSERT_TRUE(succeeded(result));
  ASSERT_TRUE(result->gradients.count("w"));
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(result->gradients.at("w").data[i], feeds.at("w").data[i] * feeds.at("r").data[i],
                1e-12);
}

} // namespace
