// The reference interpreter's cases for what only per-rank programs hold, which the reference
// runs never reach (they interpret the global program): the fused ops of
// meshc-fuse-elementwise (meshc.fused_elementwise, meshc.add_layer_norm,
// meshc.layer_norm_grad_add) and meshc-fuse-conv (meshc.conv_bias_act,
// meshc.conv_grad_filter_bias), and the one_hot of a vocab-parallel cross-entropy's labels
// (xent_labels, meshc-localize).
//
// Each fused op is interpreted against its unfused form: every op of the fused instruction set,
// with its operands in the order `args` gives (an op that swapped them, or read the wrong value,
// would differ) and its inputs read broadcast by dimension name (a transposed input and a
// lower-rank one); the residual add with its layer norm; a layer norm's adjoint plus an addend;
// and a small training step partitioned for one rank with and without meshc-fuse-elementwise
// (the fused ops the pass really makes, in a real backward pass).
#include "tests/dialect/GradCheckFixture.h"

#include "dialect/IR/FusedElementwise.h"
#include "dialect/IR/MeshSpec.h"

namespace {

using namespace meshc::testing::gradcheck;
using meshc::testing::HostTensor;
using meshc::testing::InterpretResult;

class InterpreterPerRank : public GradCheck {
protected:
  /// Feeds for the hand-written cases: x [n, d], y [d, n] (transposed), b [d], all distinct;
  /// `positive`: in [0.2, 2.1] (log and sqrt defined), else of both signs.
  static Tensors handFeeds(bool positive) {
    auto tensor = [&](std::vector<std::string> dims, std::vector<int64_t> sizes, double base) {
      HostTensor t{std::move(dims), std::move(sizes), {}};
      for (int64_t i = 0; i < t.numElements(); ++i) {
        double v = base + 0.37 * double(i) - (i % 2 ? 1.3 : 0.0);
        t.data.push_back(positive ? 0.2 + std::fmod(std::fabs(v), 1.9) : v);
      }
      return t;
    };
    return {{"x", tensor({"n", "d"}, {2, 3}, -1.1)},
            {"y", tensor({"d", "n"}, {3, 2}, 0.45)},
            {"b", tensor({"d"}, {3}, -0.7)}};
  }

  /// Predictions "fused" and "unfused" of `body` interpreted on `feeds`: equal, element by element
  /// (NaN where both are NaN), and not all the same value (the case would show nothing).
  void expectSameOutputs(const std::string &body, const Tensors &feeds, const std::string &what) {
    OwningOpRef<ModuleOp> module = parse(body);
    ASSERT_TRUE(module) << what;
    FailureOr<InterpretResult> result = meshc::testing::interpret(stepOf(*module), feeds);
    ASSERT_TRUE(succeeded(result)) << what;
    const HostTensor &fused = result->predictions.at("fused"),
                     &unfused = result->predictions.at("unfused");
    ASSERT_EQ(fused.sizes, unfused.sizes) << what;
    ASSERT_EQ(fused.dims, unfused.dims) << what;
    bool varies = false;
    for (size_t i = 0; i < fused.data.size(); ++i) {
      double f = fused.data[i], u = unfused.data[i];
      EXPECT_TRUE(f == u || (std::isnan(f) && std::isnan(u)))
          << what << ": element " << i << " fused " << f << ", unfused " << u;
      varies |= u != unfused.data[0];
    }
    EXPECT_TRUE(varies) << what << ": every element is " << unfused.data[0];
  }

  /// `module` partitioned for one rank (b=1, nothing split: the per-rank program is the global
  /// one) with or without the fusion passes (meshc-fuse-conv, meshc-fuse-elementwise); null
  /// when the pipeline fails.
  OwningOpRef<ModuleOp> partitionOnOneRank(ModuleOp module, bool fuse) {
    OwningOpRef<ModuleOp> copy = module.clone();
    PassManager pm(&context);
    meshc::MeshLayoutOverride override;
    override.mesh = "b=1";
    override.layout = "";
    meshc::GlobalPipelineOptions global;
    global.fuseElementwise = fuse;
    meshc::buildPartitionPipeline(pm, override, {}, global);
    if (failed(pm.run(*copy)))
      return nullptr;
    return copy;
  }
};

// Each op of FusedElementwise.h as value 3 of a three-op program over x [n, d], y [d, n] and
// b [d] (result [n, d]): op(y, x) (or op(y)), then b - op, then op / (b - op): the second and
// third ops read earlier values in both operand positions. The unfused form spells the same
// with the meshc ops.
TEST_F(InterpreterPerRank, FusedOpsInOperandOrderAndBroadcastByName) {
  const std::string x = "!t<n=2, d=3>", y = "!t<d=3, n=2>", b = "!t<d=3>";
  for (const meshc::fused::OpInfo &info : meshc::fused::kOps) {
    const std::string name = info.name.str();
    const double constant = info.constant ? 0.35 : 0.0;
    std::string attrs;
    if (name == "scale")
      attrs = " {factor = 0.35 : f64}";
    if (name == "leaky_relu")
      attrs = " {alpha = 0.35 : f64}";
    std::string first, firstType;
    if (name == "relu_grad" || name == "gelu_grad") { // operands of the result's type
      first = "%yt = meshc.broadcast %y : " + y + " -> " + x + "\n      %u1 = meshc." + name +
              " %yt, %x : " + x;
      firstType = x;
    } else if (info.operands == 2) {
      first = "%u1 = meshc." + name + " %y, %x" + attrs + " : " + y + ", " + x + " -> " + x;
      firstType = x;
    } else {
      first = "%u1 = meshc." + name + " %y" + attrs + " : " + y;
      firstType = y;
    }
    std::string args = info.operands == 2 ? "1, 0" : "1, -1";
    std::string body = R"(
      %x = meshc.input "x" features {classes = 1} : !t<n=2, d=3>
      %y = meshc.input "y" features {classes = 1} : !t<d=3, n=2>
      %b = meshc.input "b" features {classes = 1} : !t<d=3>
      )" + first + R"(
      %u2 = meshc.sub %b, %u1 : !t<d=3>, )" +
                       firstType + R"( -> !t<n=2, d=3>
      %u3 = meshc.div %u1, %u2 : )" +
                       firstType + R"(, !t<n=2, d=3> -> !t<n=2, d=3>
      meshc.prediction "unfused", %u3 : !t<n=2, d=3>
      %f = meshc.fused_elementwise %x, %y, %b {ops = [")" +
                       name + R"(", "sub", "div"],
             args = array<i32: )" +
                       args + R"(, 2, 3, 3, 4>,
             constants = array<f64: )" +
                       std::to_string(constant) + R"(, 0.0, 0.0>}
           : (!t<n=2, d=3>, !t<d=3, n=2>, !t<d=3>) -> !t<n=2, d=3>
      meshc.prediction "fused", %f : !t<n=2, d=3>
    )";
    for (bool positive : {false, true})
      expectSameOutputs(body, handFeeds(positive),
                        name + (positive ? " on positive values" : " on values of both signs"));
  }
}

// add_layer_norm: both results, the sum and its layer norm over d (over n, or of one operand,
// they would differ), as meshc.add and meshc.layer_norm give them.
TEST_F(InterpreterPerRank, FusedAddLayerNormBothResults) {
  const std::string body = R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=2, d=3>
    %y = meshc.input "y" features {classes = 1} : !t<d=3, n=2>
    %z = meshc.scale %x {factor = -0.6 : f64} : !t<n=2, d=3>
    %w = meshc.add %z, %y : !t<n=2, d=3>, !t<d=3, n=2> -> !t<n=2, d=3>
    %s = meshc.add %x, %w : !t<n=2, d=3>, !t<n=2, d=3> -> !t<n=2, d=3>
    %l = meshc.layer_norm %s {dim = "d", epsilon = 1.0e-5} : !t<n=2, d=3>
    meshc.prediction "unfused_sum", %s : !t<n=2, d=3>
    meshc.prediction "unfused", %l : !t<n=2, d=3>
    %fs, %fl = meshc.add_layer_norm %x, %w {dim = "d", epsilon = 1.0e-5} : !t<n=2, d=3>
    meshc.prediction "fused_sum", %fs : !t<n=2, d=3>
    meshc.prediction "fused", %fl : !t<n=2, d=3>
  )";
  Tensors feeds = handFeeds(false);
  expectSameOutputs(body, feeds, "add_layer_norm's layer norm");
  OwningOpRef<ModuleOp> module = parse(body);
  ASSERT_TRUE(module);
  FailureOr<InterpretResult> result = meshc::testing::interpret(stepOf(*module), feeds);
  ASSERT_TRUE(succeeded(result));
  EXPECT_EQ(result->predictions.at("fused_sum").data, result->predictions.at("unfused_sum").data);
}

// layer_norm_grad_add: a layer norm's adjoint plus an addend, as meshc.layer_norm_grad and
// meshc.add give it, whichever order the add had.
TEST_F(InterpreterPerRank, FusedLayerNormGradAdd) {
  const std::string body = R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=2, d=3>
    %y = meshc.input "y" features {classes = 1} : !t<d=3, n=2>
    %dy = meshc.scale %x {factor = -0.6 : f64} : !t<n=2, d=3>
    %r = meshc.add %dy, %y : !t<n=2, d=3>, !t<d=3, n=2> -> !t<n=2, d=3>
    %g = meshc.layer_norm_grad %r, %dy {dim = "d", epsilon = 1.0e-5} : !t<n=2, d=3>
    %s = meshc.add %x, %g : !t<n=2, d=3>, !t<n=2, d=3> -> !t<n=2, d=3>
    meshc.prediction "unfused", %s : !t<n=2, d=3>
    %f = meshc.layer_norm_grad_add %r, %dy, %x {dim = "d", epsilon = 1.0e-5} : !t<n=2, d=3>
    meshc.prediction "fused", %f : !t<n=2, d=3>
  )";
  expectSameOutputs(body, handFeeds(false), "layer_norm_grad_add");
}

// A training step with a residual add + layer norm, a scale-shift-gelu-tanh chain with
// broadcast parameters and their adjoints, partitioned for one rank (b=1, nothing split: the
// per-rank program is the global one) with and without meshc-fuse-elementwise. The interpreter
// gives the fused program the unfused one's loss, gradients and updated parameters (to rounding:
// the fused and unfused op orders are the same, so exactly here), and the pass did fuse.
TEST_F(InterpreterPerRank, FusedPartitionedStepEqualsUnfused) {
  const std::string body = R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=4, d=5>
    %w0 = meshc.param "w0" uniform {scale = 0.5} : !t<d=5, e=6>
    %wr = meshc.param "wr" uniform {scale = 0.5} : !t<d=5, e=6>
    %gamma = meshc.param "gamma" uniform {scale = 1.0} : !t<e=6>
    %beta = meshc.param "beta" uniform {scale = 0.5} : !t<e=6>
    %w = meshc.param "w" uniform {scale = 0.5} : !t<e=6, k=3>
    %h = meshc.einsum %x, %w0 : !t<n=4, d=5>, !t<d=5, e=6> -> !t<n=4, e=6>
    %res = meshc.einsum %x, %wr : !t<n=4, d=5>, !t<d=5, e=6> -> !t<n=4, e=6>
    %s = meshc.add %h, %res : !t<n=4, e=6>, !t<n=4, e=6> -> !t<n=4, e=6>
    %ln = meshc.layer_norm %s {dim = "e", epsilon = 1.0e-5} : !t<n=4, e=6>
    %sc = meshc.mul %ln, %gamma : !t<n=4, e=6>, !t<e=6> -> !t<n=4, e=6>
    %sh = meshc.sub %sc, %beta : !t<n=4, e=6>, !t<e=6> -> !t<n=4, e=6>
    %g = meshc.gelu %sh : !t<n=4, e=6>
    %q = meshc.tanh %g : !t<n=4, e=6>
    %t = meshc.add %q, %s : !t<n=4, e=6>, !t<n=4, e=6> -> !t<n=4, e=6>
    %y = meshc.einsum %t, %w : !t<n=4, e=6>, !t<e=6, k=3> -> !t<n=4, k=3>
  )" + sumTimesR("%y", "n=4, k=3");
  OwningOpRef<ModuleOp> module = parse(body);
  ASSERT_TRUE(module);
  OwningOpRef<ModuleOp> fused = partitionOnOneRank(*module, true),
                        unfused = partitionOnOneRank(*module, false);
  ASSERT_TRUE(fused && unfused) << "the partition pipeline failed";
  int fusedOps = 0, fusedMembers = 0, addLayerNorms = 0, layerNormGradAdds = 0;
  fused->walk([&](meshc::FusedElementwiseOp op) {
    ++fusedOps;
    fusedMembers += op.getOps().size();
  });
  fused->walk([&](meshc::AddLayerNormOp) { ++addLayerNorms; });
  fused->walk([&](meshc::LayerNormGradAddOp) { ++layerNormGradAdds; });
  EXPECT_GE(fusedOps, 2) << "meshc-fuse-elementwise fused too little";
  EXPECT_GE(fusedMembers, 6); // today 8: mul-sub, gelu-tanh, and tanh's and gelu's adjoints
  EXPECT_EQ(addLayerNorms, 1);
  EXPECT_EQ(layerNormGradAdds, 1); // %s's adjoint: the residual's part plus the layer norm's
  unfused->walk([&](Operation *op) {
    EXPECT_FALSE(
        (llvm::isa<meshc::FusedElementwiseOp, meshc::AddLayerNormOp, meshc::LayerNormGradAddOp>(
            op)));
  });
  for (unsigned seed : {1u, 2u}) {
    Tensors feeds = randomFeeds(stepOf(*module), seed);
    FailureOr<InterpretResult> with = meshc::testing::interpret(stepOf(*fused), feeds);
    FailureOr<InterpretResult> without = meshc::testing::interpret(stepOf(*unfused), feeds);
    ASSERT_TRUE(succeeded(with) && succeeded(without));
    ASSERT_TRUE(without->outputs.count("loss"));
    EXPECT_EQ(with->outputs.at("loss").data, without->outputs.at("loss").data);
    ASSERT_EQ(without->gradients.size(), 5u);
    for (const auto &[name, grad] : without->gradients) {
      ASSERT_TRUE(with->gradients.count(name)) << name;
      EXPECT_EQ(with->gradients.at(name).data, grad.data) << "gradient of " << name;
      EXPECT_EQ(with->updatedParams.at(name).data, without->updatedParams.at(name).data) << name;
    }
  }
}

// meshc-fuse-conv's ops against their unfused forms: conv_bias_act with and without relu is
// conv + per-channel bias (+ relu), the bias read by its dim name (a bias along another dim, or
// not added, would differ); conv_grad_filter_bias is conv_grad_filter and the reduce_sum of the
// same dy onto the out_channel (here dy is the relu's output, of both signs before the relu).
TEST_F(InterpreterPerRank, FusedConvOpsEqualUnfused) {
  const std::string window =
      R"(input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"],
         in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>,
         pad_lo = array<i64: 1>, pad_hi = array<i64: 1>)";
  const std::string x = "!t<n=2, c=2, h=5>", w = "!t<f=3, c=2, kh=3>", y = "!t<n=2, f=3, oh=5>";
  const std::string body = R"(
    %x = meshc.input "x" features {classes = 1} : )" +
                           x + R"(
    %w = meshc.input "w" features {classes = 1} : )" +
                           w + R"(
    %b = meshc.input "b" features {classes = 1} : !t<f=3>
    %y = meshc.conv %x, %w {)" +
                           window + "} : " + x + ", " + w + " -> " + y + R"(
    %s = meshc.add %y, %b : )" +
                           y + ", !t<f=3> -> " + y + R"(
    %a = meshc.relu %s : )" +
                           y + R"(
    %dw = meshc.conv_grad_filter %x, %s {)" +
                           window + "} : " + x + ", " + y + " -> " + w + R"(
    %db = meshc.reduce_sum %s : )" +
                           y + R"( -> !t<f=3>
    meshc.prediction "unfused", %a : )" +
                           y + R"(
    meshc.prediction "unfused_sum", %s : )" +
                           y + R"(
    meshc.prediction "unfused_dw", %dw : )" +
                           w + R"(
    meshc.prediction "unfused_db", %db : !t<f=3>
    %fa = meshc.conv_bias_act %x, %w, %b {relu, )" +
                           window + "} : " + x + ", " + w + ", !t<f=3> -> " + y + R"(
    %fs = meshc.conv_bias_act %x, %w, %b {)" +
                           window + "} : " + x + ", " + w + ", !t<f=3> -> " + y + R"(
    %fdw, %fdb = meshc.conv_grad_filter_bias %x, %fs {)" +
                           window + "} : " + x + ", " + y + " -> " + w + R"(, !t<f=3>
    meshc.prediction "fused", %fa : )" +
                           y + R"(
    meshc.prediction "fused_sum", %fs : )" +
                           y + R"(
    meshc.prediction "fused_dw", %fdw : )" +
                           w + R"(
    meshc.prediction "fused_db", %fdb : !t<f=3>
  )";
  OwningOpRef<ModuleOp> module = parse(body);
  ASSERT_TRUE(module);
  for (unsigned seed : {1u, 2u}) {
    Tensors feeds = randomFeeds(stepOf(*module), seed);
    expectSameOutputs(body, feeds, "conv_bias_act with relu");
    FailureOr<InterpretResult> result = meshc::testing::interpret(stepOf(*module), feeds);
    ASSERT_TRUE(succeeded(result));
    for (std::string what : {"sum", "dw", "db"}) {
      const HostTensor &fused = result->predictions.at("fused_" + what),
                       &unfused = result->predictions.at("unfused_" + what);
      ASSERT_EQ(fused.sizes, unfused.sizes) << what;
      for (size_t i = 0; i < fused.data.size(); ++i)
        EXPECT_NEAR(fused.data[i], unfused.data[i], 1e-12 * (1 + std::fabs(unfused.data[i])))
            << what << " element " << i;
    }
  }
}

// A small CNN's training step (conv + bias + relu twice, the second conv's input the first's
// output, so both its adjoints appear) partitioned for one rank with and without the fusion
// passes: meshc-fuse-conv made both conv_bias_act (with relu, the relu_grads then reading its
// value) and conv_grad_filter_bias, and the loss, gradients and updates are the unfused ones.
TEST_F(InterpreterPerRank, FusedConvStepEqualsUnfused) {
  const std::string window =
      R"(input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"],
         in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>,
         pad_lo = array<i64: 1>, pad_hi = array<i64: 1>)";
  const std::string window2 =
      R"(input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"],
         in_channel = "f", out_channel = "g", strides = array<i64: 1>, dilations = array<i64: 1>,
         pad_lo = array<i64: 1>, pad_hi = array<i64: 1>)";
  const std::string body =
      R"(
    %x = meshc.input "x" features {classes = 1} : !t<n=3, c=2, h=6>
    %k1 = meshc.param "k1" uniform {scale = 0.5} : !t<f=3, c=2, kh=3>
    %c1 = meshc.param "c1" uniform {scale = 0.5} : !t<f=3>
    %k2 = meshc.param "k2" uniform {scale = 0.5} : !t<g=2, f=3, kh=3>
    %c2 = meshc.param "c2" uniform {scale = 0.5} : !t<g=2>
    %y1 = meshc.conv %x, %k1 {)" +
      window + R"(} : !t<n=3, c=2, h=6>, !t<f=3, c=2, kh=3> -> !t<n=3, f=3, h=6>
    %s1 = meshc.add %y1, %c1 : !t<n=3, f=3, h=6>, !t<f=3> -> !t<n=3, f=3, h=6>
    %a1 = meshc.relu %s1 : !t<n=3, f=3, h=6>
    %y2 = meshc.conv %a1, %k2 {)" +
      window2 + R"(} : !t<n=3, f=3, h=6>, !t<g=2, f=3, kh=3> -> !t<n=3, g=2, h=6>
    %s2 = meshc.add %c2, %y2 : !t<g=2>, !t<n=3, g=2, h=6> -> !t<n=3, g=2, h=6>
    %a2 = meshc.relu %s2 : !t<n=3, g=2, h=6>
  )" + sumTimesR("%a2", "n=3, g=2, h=6");
  OwningOpRef<ModuleOp> module = parse(body);
  ASSERT_TRUE(module);
  OwningOpRef<ModuleOp> fused = partitionOnOneRank(*module, true),
                        unfused = partitionOnOneRank(*module, false);
  ASSERT_TRUE(fused && unfused) << "the partition pipeline failed";
  int withRelu = 0, gradBias = 0, convs = 0;
  fused->walk([&](meshc::ConvBiasActOp op) { withRelu += op.getRelu() ? 1 : 0; });
  fused->walk([&](meshc::ConvGradFilterBiasOp) { ++gradBias; });
  fused->walk([&](Operation *op) { convs += llvm::isa<meshc::ConvOp, meshc::ReluOp>(op); });
  EXPECT_EQ(withRelu, 2);
  EXPECT_EQ(gradBias, 2);
  EXPECT_EQ(convs, 0) << "a conv or relu was left unfused";
  unfused->walk([&](Operation *op) {
    EXPECT_FALSE((llvm::isa<meshc::ConvBiasActOp, meshc::ConvGradFilterBiasOp>(op)));
  });
  for (unsigned seed : {1u, 2u}) {
    Tensors feeds = randomFeeds(stepOf(*module), seed);
    FailureOr<InterpretResult> with = meshc::testing::interpret(stepOf(*fused), feeds);
    FailureOr<InterpretResult> without = meshc::testing::interpret(stepOf(*unfused), feeds);
    ASSERT_TRUE(succeeded(with) && succeeded(without));
    EXPECT_EQ(with->outputs.at("loss").data, without->outputs.at("loss").data);
    ASSERT_EQ(without->gradients.size(), 4u);
    for (const auto &[name, grad] : without->gradients) {
      ASSERT_TRUE(with->gradients.count(name)) << name;
      const std::vector<double> &got = with->gradients.at(name).data;
      ASSERT_EQ(got.size(), grad.data.size()) << name;
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i], grad.data[i], 1e-12 * (1 + std::fabs(grad.data[i])))
            << "gradient of " << name << " element " << i;
    }
  }
}

// one_hot {xent_labels}: the one-hot of labels in range, as without the attribute; a label
// outside the classes fails as meshc.softmax_xent does (without it: a zero row).
TEST_F(InterpreterPerRank, XentLabelsOneHot) {
  const std::string body = R"(
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<n=3, i32>
    %c = meshc.one_hot %y {xent_labels} : !meshc.tensor<n=3, i32> -> !t<n=3, c=4>
    %p = meshc.one_hot %y : !meshc.tensor<n=3, i32> -> !t<n=3, c=4>
    meshc.prediction "checked", %c : !t<n=3, c=4>
    meshc.prediction "plain", %p : !t<n=3, c=4>
  )";
  OwningOpRef<ModuleOp> module = parse(body);
  ASSERT_TRUE(module);
  Tensors feeds = {{"y", HostTensor{{"n"}, {3}, {2, 0, 3}}}};
  FailureOr<InterpretResult> good = meshc::testing::interpret(stepOf(*module), feeds);
  ASSERT_TRUE(succeeded(good));
  const std::vector<double> expected = {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(good->predictions.at("checked").data, expected);
  EXPECT_EQ(good->predictions.at("plain").data, expected);
  for (double bad : {4.0, -1.0}) {
    feeds["y"].data[1] = bad;
    std::string diagnostics;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
      diagnostics += d.str();
      return success();
    });
    EXPECT_TRUE(failed(meshc::testing::interpret(stepOf(*module), feeds))) << bad;
    EXPECT_EQ(diagnostics, "'meshc.one_hot' op interpreter: label " +
                               std::string(bad < 0 ? "-1" : "4") + " is not a class in [0, 4)");
  }
}

} // namespace
