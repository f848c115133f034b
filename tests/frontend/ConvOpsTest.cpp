// The DSL's Conv family.
//
// What conv, conv_transpose, max_pool, avg_pool and batch_norm print (channels found from the
// operands, pads of same/valid/explicit padding, output sizes and names), and their located
// errors.
//
//===----------------------------------------------------------------------===//
// clang-format off: each test reads __LINE__ on the line of the DSL call it checks (the
// error names that line), which a reflow would move.
#include "TestUtil.h"

using namespace meshc::dsl;
using meshc::dsl::test::lineWith;

namespace {

Dim n{"n", 4}, c{"c", 3}, f{"f", 8}, h{"h", 7}, w{"w", 6}, kh{"kh", 3}, kw{"kw", 2}, cls{"cls", 2};

/// The text of the one op `mnemonic` prints (with a trailing space to tell conv from conv_*).
std::string opLine(const std::string &ir, const std::string &mnemonic) {
  return lineWith(ir, "meshc." + mnemonic + " ");
}

TEST(DslConv, SamePaddingStride2FindsChannelsPadsAndSizes) {
  Graph g("t");
  Tensor x = g.input("x", {n, c, h, w}, Data::features(cls));
  Tensor k = g.param("k", {kh, kw, c, f}, Init::glorot());
  Tensor y = conv(x, k, {.spatial = {h, w}, .kernel = {kh, kw}, .strides = {2},
                         .padding = Padding::same(), .out = {"oh", "ow"}});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  // ceil(7 / 2) = 4 rows: (4 - 1) * 2 + 3 - 7 = 2 padded, 1 + 1; ceil(6 / 2) = 3 columns:
  // (3 - 1) * 2 + 2 - 6 = 0 padded.
  EXPECT_EQ(y.dims(), (std::vector<Dim>{n, f, Dim{"oh", 4}, Dim{"ow", 3}}));
  std::string line = opLine(g.str(), "conv");
  EXPECT_NE(line.find("{input_spatial = [\"h\", \"w\"], output_spatial = [\"oh\", \"ow\"], "
                      "kernel_spatial = [\"kh\", \"kw\"], in_channel = \"c\", out_channel = \"f\", "
                      "strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, "
                      "pad_lo = array<i64: 1, 0>, pad_hi = array<i64: 1, 0>} : "
                      "!meshc.tensor<n=4, c=3, h=7, w=6, f32>, !meshc.tensor<kh=3, kw=2, c=3, f=8, f32> -> "
                      "!meshc.tensor<n=4, f=8, oh=4, ow=3, f32>"),
            std::string::npos) << line;
  EXPECT_NE(line.find("ConvOpsTest.cpp"), std::string::npos) << line;
}

TEST(DslConv, SamePaddingStride1KeepsNamesOddPadAtTheEnd) {
  Graph g("t");
  Tensor x = g.input("x", {n, c, h, w}, Data::features(cls));
  Tensor k = g.param("k", {f, c, kh, Dim{"k4", 4}}, Init::glorot());
  Tensor y = conv(x, k, {.spatial = {h, w}, .kernel = {kh, Dim{"k4", 4}}, .padding = Padding::same()});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  EXPECT_EQ(y.dims(), (std::vector<Dim>{n, f, h, w}));
  // Kernel 4 needs 3 pads: 1 before, 2 after (TensorFlow's SAME).
  EXPECT_NE(opLine(g.str(), "conv").find("pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 2>"),
            std::string::npos) << opLine(g.str(), "conv");
}

TEST(DslConv, ExplicitPaddingDilation1d) {
  Graph g("t");
  Dim t{"t", 11}, k{"k", 3};
  Tensor x = g.input("x", {t, n, c}, Data::features(cls));
  Tensor filter = g.param("w", {c, k, f}, Init::glorot());
  Tensor y = conv(x, filter, {.spatial = {t}, .kernel = {k}, .strides = {2}, .dilations = {2},
                              .padding = Padding::pads({2}, {1}), .out = {"ot"}});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  // (11 + 2 + 1 - 2 * 2 - 1) / 2 + 1 = 5; the batch-like dim keeps its place.
  EXPECT_EQ(y.dims(), (std::vector<Dim>{Dim{"ot", 5}, n, f}));
}

TEST(DslConv, ConvTransposeInvertsTheForwardSizes) {
  Graph g("t");
  Dim oh{"oh", 4}, ow{"ow", 3};
  Tensor x = g.input("x", {n, f, oh, ow}, Data::features(cls));
  Tensor k = g.param("k", {f, c, kh, kw}, Init::glorot());
  Tensor valid = conv_transpose(x, k, {.spatial = {oh, ow}, .kernel = {kh, kw}, .strides = {2},
                                       .out = {"h", "w"}});
  Tensor same = conv_transpose(x, k, {.spatial = {oh, ow}, .kernel = {kh, kw}, .strides = {2},
                                      .padding = Padding::same(), .out = {"h8", "w6"}});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  // (4 - 1) * 2 + 3 = 9 rows, (3 - 1) * 2 + 2 = 6 columns; with same padding 4 * 2, 3 * 2.
  EXPECT_EQ(valid.dims(), (std::vector<Dim>{n, c, Dim{"h", 9}, w}));
  EXPECT_EQ(same.dims(), (std::vector<Dim>{n, c, Dim{"h8", 8}, Dim{"w6", 6}}));
  // The attributes describe the forward conv: the result's dims are its input's.
  EXPECT_NE(lineWith(g.str(), "h8").find("input_spatial = [\"h8\", \"w6\"], output_spatial = [\"oh\", \"ow\"], "
                                         "kernel_spatial = [\"kh\", \"kw\"], in_channel = \"c\", out_channel = \"f\", "
                                         "strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, "
                                         "pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 1, 0>}"),
            std::string::npos) << lineWith(g.str(), "h8");
}

TEST(DslConv, PoolsDefaultToNonOverlappingWindows) {
  Graph g("t");
  Tensor x = g.input("x", {n, c, h, w}, Data::features(cls));
  Tensor m = max_pool(x, {.spatial = {h, w}, .window = {2}, .out = {"ph", "pw"}});
  Tensor a = avg_pool(x, {.spatial = {h, w}, .window = {3}, .strides = {1},
                          .padding = Padding::same()});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  EXPECT_EQ(m.dims(), (std::vector<Dim>{n, c, Dim{"ph", 3}, Dim{"pw", 3}}));
  EXPECT_EQ(a.dims(), (std::vector<Dim>{n, c, h, w}));
  EXPECT_NE(opLine(g.str(), "max_pool").find("{input_spatial = [\"h\", \"w\"], output_spatial = [\"ph\", \"pw\"], "
                                             "window = array<i64: 2, 2>, strides = array<i64: 2, 2>, "
                                             "pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>}"),
            std::string::npos) << opLine(g.str(), "max_pool");
  EXPECT_NE(opLine(g.str(), "avg_pool").find("pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>"),
            std::string::npos) << opLine(g.str(), "avg_pool");
}

TEST(DslConv, BatchNormTakesTheBatchStatistics) {
  Graph g("t");
  Tensor x = g.input("x", {n, c, h}, Data::features(cls));
  Tensor scale = g.param("scale", {c}, Init::constant(1.0));
  Tensor shift = g.param("shift", {c}, Init::zeros());
  Tensor y = batch_norm(x, scale, shift, c, 1e-3);
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  EXPECT_EQ(y.dims(), x.dims());
  std::string ir = g.str();
  // mean, x - mean, its square, var, then the op on x with them.
  EXPECT_NE(lineWith(ir, "%0 = meshc.reduce_mean %x : !meshc.tensor<n=4, c=3, h=7, f32> -> !meshc.tensor<c=3, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "%1 = meshc.sub %x, %0"), "") << ir;
  EXPECT_NE(lineWith(ir, "%2 = meshc.mul %1, %1"), "") << ir;
  EXPECT_NE(lineWith(ir, "%3 = meshc.reduce_mean %2"), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.batch_norm").find(
                "meshc.batch_norm %x, %0, %3, %scale, %shift {channel = \"c\", epsilon = 0.001} : "
                "!meshc.tensor<n=4, c=3, h=7, f32>, !meshc.tensor<c=3, f32>"),
            std::string::npos) << ir;
}

TEST(DslConv, BatchNormInferenceTakesGivenStatistics) {
  Graph g("t");
  Tensor x = g.input("x", {n, c}, Data::features(cls));
  Tensor s = g.param("s", {c}, Init::constant(1.0));
  batch_norm_inference(x, s, s, s, s, c);
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  EXPECT_EQ(lineWith(g.str(), "meshc.reduce_mean"), "");
  EXPECT_NE(lineWith(g.str(), "meshc.batch_norm %x, %s, %s, %s, %s {channel = \"c\", epsilon = 1.0e-05}"), "");
}

//===----------------------------------------------------------------------===//
// Errors, located at the call
//===----------------------------------------------------------------------===//

struct Fixture {
  Graph g{"t"};
  Tensor x = g.input("x", {n, c, h, w}, Data::features(cls));
  Tensor k = g.param("k", {f, c, kh, kw}, Init::glorot());
};

TEST(DslConvErrors, OutputNameNeededWhenTheSizeChanges) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv changes spatial dim 'h' from 7 to 5; name the new dim (ConvSpec::out)");
}

TEST(DslConvErrors, SpatialDimNotInTheInput) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, Dim{"v", 6}}, .kernel = {kh, kw}, .padding = Padding::same()});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv spatial dim 'v' of size 6 is not a dimension of its input [n=4, c=3, h=7, w=6]");
}

TEST(DslConvErrors, TooManySpatialDims) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {}, .kernel = {}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv needs 1 to 3 spatial dims, got 0");
}

TEST(DslConvErrors, KernelCount) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh}, .padding = Padding::same()});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv has 1 kernel dims for 2 spatial dims");
}

TEST(DslConvErrors, KernelDimNotInTheFilter) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, Dim{"kw", 3}}, .padding = Padding::same()});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv kernel dim 'kw' of size 3 is not a dimension of its filter [f=8, c=3, kh=3, kw=2]");
}

TEST(DslConvErrors, NoSharedChannel) {
  Fixture t;
  Tensor k = t.g.param("k2", {f, Dim{"d", 3}, kh, kw}, Init::glorot());
  conv(t.x, k, {.spatial = {h, w}, .kernel = {kh, kw}, .padding = Padding::same()});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv input [n=4, c=3, h=7, w=6] and filter [f=8, d=3, kh=3, kw=2] must share exactly one dim, the input channel; they share 0");
}

TEST(DslConvErrors, FilterWithTwoOutputChannels) {
  Fixture t;
  Tensor k = t.g.param("k2", {f, Dim{"g", 2}, c, kh, kw}, Init::glorot());
  conv(t.x, k, {.spatial = {h, w}, .kernel = {kh, kw}, .padding = Padding::same()});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv filter [f=8, g=2, c=3, kh=3, kw=2] must have exactly the channels 'c' and one other, and the kernel dims [kh=3, kw=2]");
}

TEST(DslConvErrors, StridesCount) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}, .strides = {1, 2, 1}, .padding = Padding::same()});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv has 3 strides for 2 spatial dims (give none, one, or one each)");
}

TEST(DslConvErrors, ZeroDilation) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}, .dilations = {0}, .padding = Padding::same()});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv dilations 0 is not positive");
}

TEST(DslConvErrors, NegativePad) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}, .padding = Padding::pads({1, -1}, {1, 0}), .out = {"a", "b"}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv pads along 'w' are -1 and 0; pads must not be negative");
}

TEST(DslConvErrors, PadCount) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}, .padding = Padding::pads({1}, {1}), .out = {"a", "b"}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv has 1 low and 1 high pads for 2 spatial dims");
}

TEST(DslConvErrors, WindowLargerThanTheInput) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}, .dilations = {1, 6}, .out = {"a", "b"}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv window along 'w' (size 2, dilation 6) is larger than the padded input (6 + 0 + 0)");
}

TEST(DslConvErrors, OutputNameWithAnotherSize) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}, .out = {"n", "b"}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "dimension 'n' has size 5 here but 4 at");
}

TEST(DslConvErrors, OutputNamesCount) {
  Fixture t;
  conv(t.x, t.k, {.spatial = {h, w}, .kernel = {kh, kw}, .out = {"a"}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv names 1 output dims for 2 spatial dims");
}

TEST(DslConvErrors, ConvTransposePadsLeaveNothing) {
  Fixture t;
  Tensor x = t.g.input("y", {n, f, Dim{"o", 1}}, Data::features(cls));
  Tensor k = t.g.param("k1", {f, c, kh}, Init::glorot());
  conv_transpose(x, k, {.spatial = {Dim{"o", 1}}, .kernel = {kh}, .padding = Padding::pads({2}, {1}), .out = {"i"}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "conv_transpose pads along 'o' (2 and 1) leave no output of a size meshc accepts");
}

TEST(DslConvErrors, PoolPadNotBelowTheWindow) {
  Fixture t;
  max_pool(t.x, {.spatial = {h}, .window = {2}, .padding = Padding::pads({2}, {0}), .out = {"p"}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "max_pool pads along 'h' (2 and 0) must be smaller than the window 2");
}

TEST(DslConvErrors, PoolWithoutWindow) {
  Fixture t;
  avg_pool(t.x, {.spatial = {h}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "avg_pool needs window sizes (PoolSpec::window)");
}

TEST(DslConvErrors, PoolSpatialTwice) {
  Fixture t;
  avg_pool(t.x, {.spatial = {h, h}, .window = {1}});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "avg_pool lists spatial dim 'h' twice");
}

TEST(DslConvErrors, BatchNormChannelMissing) {
  Fixture t;
  Tensor s = t.g.param("s", {f}, Init::zeros());
  batch_norm(t.x, s, s, f);
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "batch_norm channel 'f' of size 8 is not a dimension of its input [n=4, c=3, h=7, w=6]");
}

TEST(DslConvErrors, BatchNormScaleShape) {
  Fixture t;
  Tensor s = t.g.param("s", {c, h}, Init::zeros());
  Tensor b = t.g.param("b", {c}, Init::zeros());
  batch_norm(t.x, s, b, c);
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "batch_norm scale [c=3, h=7] must be f32 with exactly the channel dim 'c' of size 3");
}

TEST(DslConvErrors, BatchNormEpsilon) {
  Fixture t;
  Tensor s = t.g.param("s", {c}, Init::zeros());
  batch_norm(t.x, s, s, c, 0.0);
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "epsilon 0.0 of batch_norm is not a positive finite number");
}

} // namespace

//===----------------------------------------------------------------------===//
// Batch norm with running statistics
//===----------------------------------------------------------------------===//

TEST(DslConv, BatchNormKeepsRunningStatistics) {
  Graph g("t");
  Tensor x = g.input("x", {n, c, h}, Data::features(cls));
  Tensor scale = g.param("scale", {c}, Init::constant(1.0));
  Tensor shift = g.param("shift", {c}, Init::zeros());
  Tensor y = batch_norm(x, scale, shift, c, RunningStats{.name = "bn1", .momentum = 0.25});
  ASSERT_EQ(g.errors(), std::vector<std::string>{});
  EXPECT_EQ(y.dims(), x.dims());
  std::string ir = g.str();
  // State params, the batch statistics, the updates (variance unbiased: 28 values per channel),
  // and the statistics each pass reads.
  EXPECT_NE(lineWith(ir, "%bn1_mean = meshc.param \"bn1_mean\" zeros {scale = 0.0, state} : !meshc.tensor<c=3, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "%bn1_var = meshc.param \"bn1_var\" constant {scale = 1.0, state} : !meshc.tensor<c=3, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "%0 = meshc.reduce_mean %x"), "") << ir;
  EXPECT_NE(lineWith(ir, "%3 = meshc.reduce_mean %2"), "") << ir;
  EXPECT_NE(lineWith(ir, "%4 = meshc.sub %bn1_mean, %0"), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.sgd_update %bn1_mean, %4 {learning_rate = 0.25}"), "") << ir;
  EXPECT_NE(lineWith(ir, "%5 = meshc.scale %3 {factor = 1.037037037037037"), "") << ir;
  EXPECT_NE(lineWith(ir, "%6 = meshc.sub %bn1_var, %5"), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.sgd_update %bn1_var, %6 {learning_rate = 0.25}"), "") << ir;
  EXPECT_NE(lineWith(ir, "%7 = meshc.train_or_eval %0, %bn1_mean : !meshc.tensor<c=3, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "%8 = meshc.train_or_eval %3, %bn1_var : !meshc.tensor<c=3, f32>"), "") << ir;
  EXPECT_NE(lineWith(ir, "meshc.batch_norm %x, %7, %8, %scale, %shift"), "") << ir;
}

TEST(DslConvErrors, BatchNormRunningMomentum) {
  Fixture t;
  Tensor s = t.g.param("s", {c}, Init::zeros());
  batch_norm(t.x, s, s, c, RunningStats{.name = "bn", .momentum = 1.5});
  EXPECT_ONE_ERROR(t.g, __LINE__ - 1, "momentum 1.5 of batch_norm's running statistics is not in (0, 1]");
}

TEST(DslConvErrors, BatchNormRunningNameTaken) {
  Fixture t;
  Tensor s = t.g.param("bn_mean", {c}, Init::zeros());
  batch_norm(t.x, s, s, c, RunningStats{.name = "bn"});
  EXPECT_EQ(t.g.errors().size(), 1u);
  EXPECT_NE(t.g.errors()[0].find("name 'bn_mean' is already used"), std::string::npos);
}
