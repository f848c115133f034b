// Gradient checks of the Conv family's rules (GradientRulesConv.cpp) against central finite
// differences of the reference interpreter (the fixture of GradCheckFixture.h): convolution over
// 1, 2 and 3 spatial dims with odd sizes, strides 1 and 2, dilation 2 and valid, same and
// asymmetric explicit padding; transposed convolution; max and average pooling; batch norm with
// the batch statistics (as the DSL builds it) and with free statistics. Inputs are parameters
// too, so that the input adjoints (conv_transpose, pool grads) are checked with the filter's.
#include "tests/dialect/GradCheckFixture.h"

using namespace mlir;
using namespace meshc::testing;
using namespace meshc::testing::gradcheck;

namespace {

class GradCheckConv : public GradCheck {};

std::string list(std::initializer_list<const char *> names) {
  std::string text = "[";
  for (const char *name : names)
    text += std::string(text.size() > 1 ? ", " : "") + "\"" + name + "\"";
  return text + "]";
}

std::string ints(std::initializer_list<int64_t> values) {
  std::string text = "array<i64";
  bool first = true;
  for (int64_t v : values) {
    text += (first ? ": " : ", ") + std::to_string(v);
    first = false;
  }
  return text + ">";
}

/// The window attributes of a convolution.
struct Conv {
  std::string in, out, kernel, strides, dilations, lo, hi;
  std::string attrs() const {
    return "{input_spatial = " + in + ", output_spatial = " + out + ", kernel_spatial = " + kernel +
           ", in_channel = \"c\", out_channel = \"f\", strides = " + strides +
           ", dilations = " + dilations + ", pad_lo = " + lo + ", pad_hi = " + hi + "}";
  }
};

/// x and w parameters, y = conv(x, w), loss = sum(y r).
std::string convProgram(const Conv &conv, const std::string &x, const std::string &w,
                        const std::string &y) {
  return "%x = meshc.param \"x\" normal {scale = 1.0} : !t<" + x + ">\n" +
         "%w = meshc.param \"w\" normal {scale = 1.0} : !t<" + w + ">\n" +
         "%y = meshc.conv %x, %w " + conv.attrs() + " : !t<" + x + ">, !t<" + w + "> -> !t<" + y +
         ">\n" + sumTimesR("%y", y);
}

TEST_F(GradCheckConv, Conv1dValid) {
  Conv conv{list({"h"}), list({"oh"}), list({"kh"}), ints({1}), ints({1}), ints({0}), ints({0})};
  check(convProgram(conv, "n=2, c=3, h=7", "f=2, c=3, kh=3", "n=2, f=2, oh=5"));
}

// (9 + 2 + 1 - 2*2 - 1) / 2 + 1 = 4 outputs; the last input row is read by no tap.
TEST_F(GradCheckConv, Conv1dStride2Dilation2AsymmetricPadding) {
  Conv conv{list({"h"}), list({"oh"}), list({"kh"}), ints({2}), ints({2}), ints({2}), ints({1})};
  check(convProgram(conv, "n=2, c=3, h=9", "f=2, c=3, kh=3", "n=2, f=2, oh=4"));
}

// Same padding keeps the spatial names; the filter's dims and the batch-like dims are in
// another order in each tensor.
TEST_F(GradCheckConv, Conv2dSameOddOrders) {
  Conv conv{list({"h", "w"}), list({"h", "w"}), list({"kh", "kw"}), ints({1, 1}),
            ints({1, 1}),     ints({1, 1}),     ints({1, 1})};
  check(convProgram(conv, "g=2, h=5, c=2, n=1, w=4", "kh=3, c=2, kw=3, f=3",
                    "n=1, f=3, g=2, h=5, w=4"));
}

// TensorFlow's same padding with stride 2: out = ceil(in / 2); 7 -> 4 with pads 1 + 1, 6 -> 3
// with kernel 2 and no padding.
TEST_F(GradCheckConv, Conv2dSameStride2) {
  Conv conv{list({"h", "w"}), list({"oh", "ow"}), list({"kh", "kw"}), ints({2, 2}),
            ints({1, 1}),     ints({1, 0}),       ints({1, 0})};
  check(convProgram(conv, "n=2, c=2, h=7, w=6", "f=2, c=2, kh=3, kw=2", "n=2, f=2, oh=4, ow=3"));
}

TEST_F(GradCheckConv, Conv3dMixed) {
  Conv conv{list({"d", "h", "w"}), list({"od", "oh", "ow"}), list({"kd", "kh", "kw"}),
            ints({1, 2, 1}),       ints({1, 1, 2}),          ints({0, 1, 1}),
            ints({1, 0, 0})};
  check(convProgram(conv, "n=1, c=2, d=4, h=5, w=3", "f=2, c=2, kd=2, kh=3, kw=2",
                    "n=1, f=2, od=4, oh=2, ow=2"));
}

// The transposed convolution of a stride-2 convolution (a GAN generator's upsampling): 3 -> 7.
TEST_F(GradCheckConv, ConvTranspose2dStride2) {
  Conv conv{list({"h", "w"}), list({"oh", "ow"}), list({"kh", "kw"}), ints({2, 2}),
            ints({1, 1}),     ints({1, 0}),       ints({1, 1})};
  check("%x = meshc.param \"x\" normal {scale = 1.0} : !t<n=2, f=3, oh=4, ow=3>\n"
        "%w = meshc.param \"w\" normal {scale = 1.0} : !t<c=2, f=3, kh=3, kw=2>\n"
        "%y = meshc.conv_transpose %x, %w " +
        conv.attrs() +
        " : !t<n=2, f=3, oh=4, ow=3>, !t<c=2, f=3, kh=3, kw=2> -> !t<n=2, c=2, h=7, w=5>\n" +
        sumTimesR("%y", "n=2, c=2, h=7, w=5"));
}

TEST_F(GradCheckConv, ConvTranspose1dDilated) {
  Conv conv{list({"h"}), list({"oh"}), list({"kh"}), ints({1}), ints({2}), ints({0}), ints({2})};
  check("%x = meshc.param \"x\" normal {scale = 1.0} : !t<n=3, f=2, oh=5>\n"
        "%w = meshc.param \"w\" normal {scale = 1.0} : !t<f=2, kh=3, c=1>\n"
        "%y = meshc.conv_transpose %x, %w " +
        conv.attrs() + " : !t<n=3, f=2, oh=5>, !t<f=2, kh=3, c=1> -> !t<n=3, c=1, h=7>\n" +
        sumTimesR("%y", "n=3, c=1, h=7"));
}

/// x a parameter, y = <op>(x) with the pooling attributes, loss = sum(y r).
std::string poolProgram(const std::string &op, const std::string &attrs, const std::string &x,
                        const std::string &y) {
  return "%x = meshc.param \"x\" normal {scale = 1.0} : !t<" + x + ">\n" + "%y = meshc." + op +
         " %x " + attrs + " : !t<" + x + "> -> !t<" + y + ">\n" + sumTimesR("%y", y);
}

TEST_F(GradCheckConv, MaxPool2dValidStride2) {
  check(poolProgram("max_pool",
                    "{input_spatial = [\"h\", \"w\"], output_spatial = [\"ph\", \"pw\"], window = "
                    "array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, "
                    "pad_hi = array<i64: 0, 0>}",
                    "n=2, c=2, h=5, w=4", "n=2, c=2, ph=2, pw=2"));
}

// Overlapping windows with padding: an element that is the maximum of several windows gets the
// sum of their gradients.
TEST_F(GradCheckConv, MaxPool2dOverlappingPadded) {
  check(poolProgram("max_pool",
                    "{input_spatial = [\"h\", \"w\"], output_spatial = [\"h\", \"w\"], window = "
                    "array<i64: 3, 3>, strides = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, "
                    "pad_hi = array<i64: 1, 1>}",
                    "n=1, c=2, h=5, w=3", "n=1, c=2, h=5, w=3"));
}

TEST_F(GradCheckConv, MaxPool1dAsymmetric) {
  check(poolProgram("max_pool",
                    "{input_spatial = [\"t\"], output_spatial = [\"pt\"], window = array<i64: 3>, "
                    "strides = array<i64: 2>, pad_lo = array<i64: 2>, pad_hi = array<i64: 0>}",
                    "t=8, c=3", "pt=4, c=3"));
}

TEST_F(GradCheckConv, AvgPool2dPaddedStride2) {
  check(poolProgram("avg_pool",
                    "{input_spatial = [\"h\", \"w\"], output_spatial = [\"ph\", \"pw\"], window = "
                    "array<i64: 3, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 1, 0>, "
                    "pad_hi = array<i64: 1, 1>}",
                    "n=2, c=1, h=7, w=5", "n=2, c=1, ph=4, pw=3"));
}

TEST_F(GradCheckConv, AvgPool3d) {
  check(poolProgram("avg_pool",
                    "{input_spatial = [\"d\", \"h\", \"w\"], output_spatial = [\"pd\", \"ph\", "
                    "\"pw\"], window = array<i64: 2, 2, 3>, strides = array<i64: 1, 2, 1>, pad_lo "
                    "= array<i64: 0, 1, 1>, pad_hi = array<i64: 1, 0, 1>}",
                    "n=1, c=2, d=3, h=5, w=3", "n=1, c=2, pd=3, ph=3, pw=3"));
}

// Training-mode batch norm as the DSL builds it: the statistics over every non-channel dim from
// reduce_mean, so that the gradient through them flows through autodiff.
TEST_F(GradCheckConv, BatchNormBatchStatistics) {
  check(R"(
    %x = meshc.param "x" normal {scale = 1.0} : !t<n=3, c=2, h=5>
    %g = meshc.param "g" normal {scale = 1.0} : !t<c=2>
    %b = meshc.param "b" normal {scale = 1.0} : !t<c=2>
    %mean = meshc.reduce_mean %x : !t<n=3, c=2, h=5> -> !t<c=2>
    %xc = meshc.sub %x, %mean : !t<n=3, c=2, h=5>, !t<c=2> -> !t<n=3, c=2, h=5>
    %sq = meshc.mul %xc, %xc : !t<n=3, c=2, h=5>, !t<n=3, c=2, h=5> -> !t<n=3, c=2, h=5>
    %var = meshc.reduce_mean %sq : !t<n=3, c=2, h=5> -> !t<c=2>
    %y = meshc.batch_norm %x, %mean, %var, %g, %b {channel = "c", epsilon = 1.0e-3} : !t<n=3, c=2, h=5>, !t<c=2>
  )" + sumTimesR("%y", "n=3, c=2, h=5"));
}

// Statistics as free values reach dmean and dvar directly (var kept away from zero).
TEST_F(GradCheckConv, BatchNormFreeStatistics) {
  check(R"(
    %x = meshc.param "x" normal {scale = 1.0} : !t<c=3, n=4>
    %m = meshc.param "m" normal {scale = 1.0} : !t<c=3>
    %v = meshc.param "v" normal {scale = 1.0} : !t<c=3>
    %g = meshc.param "g" normal {scale = 1.0} : !t<c=3>
    %b = meshc.param "b" normal {scale = 1.0} : !t<c=3>
    %one = meshc.fill {value = 1.0} : !t<c=3>
    %v2 = meshc.mul %v, %v : !t<c=3>, !t<c=3> -> !t<c=3>
    %var = meshc.add %v2, %one : !t<c=3>, !t<c=3> -> !t<c=3>
    %y = meshc.batch_norm %x, %m, %var, %g, %b {channel = "c", epsilon = 1.0e-5} : !t<c=3, n=4>, !t<c=3>
  )" + sumTimesR("%y", "c=3, n=4"));
}

// A small CNN end to end: conv, batch norm, relu, max pool, conv, avg pool.
TEST_F(GradCheckConv, SmallNetwork) {
  check(R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=2, c=1, h=6, w=6>
    %w1 = meshc.param "w1" normal {scale = 1.0} : !t<f=2, c=1, kh=3, kw=3>
    %g = meshc.param "g" normal {scale = 1.0} : !t<f=2>
    %b = meshc.param "b" normal {scale = 1.0} : !t<f=2>
    %w2 = meshc.param "w2" normal {scale = 1.0} : !t<e=2, f=2, kh=2, kw=2>
    %y1 = meshc.conv %x, %w1 {input_spatial = ["h", "w"], output_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 1, 1>, pad_hi = array<i64: 1, 1>} : !t<n=2, c=1, h=6, w=6>, !t<f=2, c=1, kh=3, kw=3> -> !t<n=2, f=2, h=6, w=6>
    %mean = meshc.reduce_mean %y1 : !t<n=2, f=2, h=6, w=6> -> !t<f=2>
    %yc = meshc.sub %y1, %mean : !t<n=2, f=2, h=6, w=6>, !t<f=2> -> !t<n=2, f=2, h=6, w=6>
    %sq = meshc.mul %yc, %yc : !t<n=2, f=2, h=6, w=6>, !t<n=2, f=2, h=6, w=6> -> !t<n=2, f=2, h=6, w=6>
    %var = meshc.reduce_mean %sq : !t<n=2, f=2, h=6, w=6> -> !t<f=2>
    %bn = meshc.batch_norm %y1, %mean, %var, %g, %b {channel = "f", epsilon = 1.0e-3} : !t<n=2, f=2, h=6, w=6>, !t<f=2>
    %r1 = meshc.relu %bn : !t<n=2, f=2, h=6, w=6>
    %p1 = meshc.max_pool %r1 {input_spatial = ["h", "w"], output_spatial = ["ph", "pw"], window = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !t<n=2, f=2, h=6, w=6> -> !t<n=2, f=2, ph=3, pw=3>
    %y2 = meshc.conv %p1, %w2 {input_spatial = ["ph", "pw"], output_spatial = ["qh", "qw"], kernel_spatial = ["kh", "kw"], in_channel = "f", out_channel = "e", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !t<n=2, f=2, ph=3, pw=3>, !t<e=2, f=2, kh=2, kw=2> -> !t<n=2, e=2, qh=2, qw=2>
    %p2 = meshc.avg_pool %y2 {input_spatial = ["qh", "qw"], output_spatial = ["sh", "sw"], window = array<i64: 2, 2>, strides = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !t<n=2, e=2, qh=2, qw=2> -> !t<n=2, e=2, sh=1, sw=1>
  )" + sumTimesR("%p2", "n=2, e=2, sh=1, sw=1"));
}

} // namespace
