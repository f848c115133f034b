// Gradient checks of meshc-autodiff: for each differentiable op, small global programs whose
// scalar loss exercises it; the gradient autodiff emits (the operand of each sgd_update, run by
// the reference interpreter) must match central finite differences of the interpreted loss of
// the program before autodiff.
#include "tests/dialect/GradCheckFixture.h"

using namespace mlir;
using namespace meshc::testing;
using namespace meshc::testing::gradcheck;

namespace {

//===----------------------------------------------------------------------===//
// einsum
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, EinsumContraction) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=3, k=4>
    %y = meshc.einsum %x, %w : !t<i=2, j=3>, !t<j=3, k=4> -> !t<i=2, k=4>
  )" + sumTimesR("%y", "i=2, k=4"));
}

TEST_F(GradCheck, EinsumBatchDims) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<b=2, i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=3, b=2, k=2>
    %y = meshc.einsum %x, %w : !t<b=2, i=2, j=3>, !t<j=3, b=2, k=2> -> !t<k=2, b=2, i=2>
  )" + sumTimesR("%y", "k=2, b=2, i=2"));
}

TEST_F(GradCheck, EinsumOuterProduct) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=4>
    %y = meshc.einsum %x, %w : !t<i=3>, !t<j=4> -> !t<j=4, i=3>
  )" + sumTimesR("%y", "j=4, i=3"));
}

TEST_F(GradCheck, EinsumDimSummedOutOfOneOperand) {
  // s only in x, t only in w: each is summed by its operand alone.
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, s=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<t=2, i=2, j=3>
    %y = meshc.einsum %x, %w : !t<i=2, s=3>, !t<t=2, i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, EinsumFullContractionToScalar) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=3, i=2>
    %loss = meshc.einsum %x, %w : !t<i=2, j=3>, !t<j=3, i=2> -> !t<>
  )" + minimizeScalar("%loss"));
}

TEST_F(GradCheck, EinsumSingleOperandSum) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3, k=2>
    %y = meshc.einsum %x : !t<i=2, j=3, k=2> -> !t<k=2, i=2>
  )" + sumTimesR("%y", "k=2, i=2"));
}

TEST_F(GradCheck, EinsumSingleOperandTranspose) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %y = meshc.einsum %x : !t<i=2, j=3> -> !t<j=3, i=2>
  )" + sumTimesR("%y", "j=3, i=2"));
}

TEST_F(GradCheck, EinsumSameOperandTwice) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %y = meshc.einsum %x, %x : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2>
  )" + sumTimesR("%y", "i=2"));
}

TEST_F(GradCheck, EinsumWithInputOperand) {
  check(R"(
    %x = meshc.input "x" features {classes = 2} : !t<n=3, i=2>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<i=2, k=2>
    %y = meshc.einsum %x, %w : !t<n=3, i=2>, !t<i=2, k=2> -> !t<n=3, k=2>
  )" + sumTimesR("%y", "n=3, k=2"));
}

//===----------------------------------------------------------------------===//
// add, sub, mul
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, AddSameType) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<i=2, j=3>
    %y = meshc.add %x, %w : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, AddBroadcastFewerDims) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %b = meshc.param "b" zeros {scale = 0.0} : !t<j=3>
    %y = meshc.add %x, %b : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, AddOtherDimOrder) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=3, i=2>
    %y = meshc.add %x, %w : !t<i=2, j=3>, !t<j=3, i=2> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, AddOuter) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=3>
    %y = meshc.add %x, %w : !t<i=2>, !t<j=3> -> !t<j=3, i=2>
  )" + sumTimesR("%y", "j=3, i=2"));
}

TEST_F(GradCheck, SubSameType) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<i=2, j=3>
    %y = meshc.sub %x, %w : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, SubBroadcastBothSides) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=3, i=2>
    %y = meshc.sub %x, %w : !t<j=3>, !t<j=3, i=2> -> !t<i=2, j=3>
    %z = meshc.sub %y, %x : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
    %v = meshc.sub %z, %x : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%v", "i=2, j=3"));
}

TEST_F(GradCheck, MulSameType) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<i=2, j=3>
    %y = meshc.mul %x, %w : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, MulBroadcastAndReorder) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<i=2>
    %v = meshc.param "v" zeros {scale = 0.0} : !t<j=3, i=2>
    %y = meshc.mul %w, %x : !t<i=2>, !t<i=2, j=3> -> !t<j=3, i=2>
    %z = meshc.mul %y, %v : !t<j=3, i=2>, !t<j=3, i=2> -> !t<i=2, j=3>
  )" + sumTimesR("%z", "i=2, j=3"));
}

TEST_F(GradCheck, MulSquare) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %y = meshc.mul %x, %x : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

//===----------------------------------------------------------------------===//
// relu, reductions
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, Relu) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=3, j=4>
    %y = meshc.relu %x : !t<i=3, j=4>
  )" + sumTimesR("%y", "i=3, j=4"));
}

TEST_F(GradCheck, Scale) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=3, j=4>
    %y = meshc.scale %x {factor = -0.37} : !t<i=3, j=4>
  )" + sumTimesR("%y", "i=3, j=4"));
}

TEST_F(GradCheck, ReduceSumSeveralDimsReordered) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<a=2, b=3, c=2, d=2>
    %y = meshc.reduce_sum %x : !t<a=2, b=3, c=2, d=2> -> !t<c=2, a=2>
  )" + sumTimesR("%y", "c=2, a=2"));
}

TEST_F(GradCheck, ReduceSumPermutationOnly) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<a=2, b=3>
    %y = meshc.reduce_sum %x : !t<a=2, b=3> -> !t<b=3, a=2>
  )" + sumTimesR("%y", "b=3, a=2"));
}

TEST_F(GradCheck, ReduceMeanSeveralDims) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<a=2, b=3, c=4>
    %y = meshc.reduce_mean %x : !t<a=2, b=3, c=4> -> !t<b=3>
  )" + sumTimesR("%y", "b=3"));
}

TEST_F(GradCheck, ReduceMeanToScalar) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<a=2, b=3>
    %s = meshc.mul %x, %x : !t<a=2, b=3>, !t<a=2, b=3> -> !t<a=2, b=3>
    %loss = meshc.reduce_mean %s : !t<a=2, b=3> -> !t<>
  )" + minimizeScalar("%loss"));
}

//===----------------------------------------------------------------------===//
// softmax cross-entropy
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, SoftmaxXentClassLast) {
  check(R"(
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<n=3, i32>
    %z = meshc.param "z" zeros {scale = 0.0} : !t<n=3, c=4>
    %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !t<n=3, c=4>, !meshc.tensor<n=3, i32> -> !t<n=3>
  )" + sumTimesR("%l", "n=3"));
}

TEST_F(GradCheck, SoftmaxXentClassFirst) {
  check(R"(
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<n=3, i32>
    %z = meshc.param "z" zeros {scale = 0.0} : !t<c=4, n=3>
    %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !t<c=4, n=3>, !meshc.tensor<n=3, i32> -> !t<n=3>
    %loss = meshc.reduce_mean %l : !t<n=3> -> !t<>
  )" + minimizeScalar("%loss"));
}

TEST_F(GradCheck, SoftmaxXentClassMiddle) {
  check(R"(
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=2, t=3, i32>
    %z = meshc.param "z" zeros {scale = 0.0} : !t<n=2, c=3, t=3>
    %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !t<n=2, c=3, t=3>, !meshc.tensor<n=2, t=3, i32> -> !t<n=2, t=3>
  )" + sumTimesR("%l", "n=2, t=3"));
}

TEST_F(GradCheck, SoftmaxXentOfEinsum) {
  check(R"(
    %x = meshc.input "x" features {classes = 3} : !t<n=4, d=3>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<c=3, d=3>
    %z = meshc.einsum %x, %w : !t<n=4, d=3>, !t<c=3, d=3> -> !t<n=4, c=3>
    %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !t<n=4, c=3>, !meshc.tensor<n=4, i32> -> !t<n=4>
    %loss = meshc.reduce_mean %l : !t<n=4> -> !t<>
  )" + minimizeScalar("%loss"));
}

//===----------------------------------------------------------------------===//
// Whole programs
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, FanOutAccumulates) {
  // h feeds two paths whose losses are added: its adjoint is the sum of both.
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" zeros {scale = 0.0} : !t<j=3>
    %h = meshc.mul %x, %w : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
    %a = meshc.relu %h : !t<i=2, j=3>
    %b = meshc.einsum %h, %h : !t<i=2, j=3>, !t<i=2, j=3> -> !t<j=3>
    %sa = meshc.reduce_sum %a : !t<i=2, j=3> -> !t<>
    %sb = meshc.reduce_mean %b : !t<j=3> -> !t<>
    %loss = meshc.sub %sa, %sb : !t<>, !t<> -> !t<>
  )" + minimizeScalar("%loss"));
}

const char *const kMlp = R"(
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d_in=4, hidden=6, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<hidden=6, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %a = meshc.add %h, %b : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %r = meshc.relu %a : !meshc.tensor<batch=8, hidden=6, f32>
    %w2 = meshc.param "w2" normal {scale = 0.1} : !meshc.tensor<hidden=6, classes=4, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
)";

TEST_F(GradCheck, Mlp) { check(kMlp); }

TEST_F(GradCheck, MlpStepLowersTheLoss) {
  OwningOpRef<ModuleOp> module = parse(kMlp);
  ASSERT_TRUE(module);
  Tensors feeds = randomFeeds(stepOf(*module), 7);
  FailureOr<InterpretResult> result = autodiffAndRun(*module, feeds);
  ASSERT_TRUE(succeeded(result));
  ASSERT_EQ(result->updatedParams.size(), 3u);
  Tensors next = feeds;
  for (const auto &[name, value] : result->updatedParams)
    next[name] = value;
  EXPECT_LT(lossOf(stepOf(*module), next), result->outputs.at("loss").data.at(0));
}

TEST_F(GradCheck, ParamOffThePathGetsNoUpdate) {
  std::string body = R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2>
    %u = meshc.param "unused" zeros {scale = 0.0} : !t<i=2>
    %d = meshc.relu %u : !t<i=2>
  )" + sumTimesR("%x", "i=2");
  OwningOpRef<ModuleOp> module = parse(body);
  ASSERT_TRUE(module);
  std::vector<std::string> warnings;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    warnings.push_back(diag.str());
    return success();
  });
  Tensors feeds = randomFeeds(stepOf(*module), 3);
  FailureOr<InterpretResult> result = autodiffAndRun(*module, feeds);
  ASSERT_TRUE(succeeded(result));
  EXPECT_EQ(result->gradients.count("unused"), 0u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "parameter 'unused' does not affect the loss and is not updated");
  EXPECT_EQ(compare(result->gradients, finiteDifferences(stepOf(*module), feeds)), "");
}

// The check can fail: a gradient off by 1% is caught, and so is a missing one.
TEST_F(GradCheck, DetectsAWrongGradient) {
  OwningOpRef<ModuleOp> module = parse(kMlp);
  ASSERT_TRUE(module);
  Tensors feeds = randomFeeds(stepOf(*module), 5);
  FailureOr<InterpretResult> result = autodiffAndRun(*module, feeds);
  ASSERT_TRUE(succeeded(result));
  Tensors reference = finiteDifferences(stepOf(*module), feeds);
  ASSERT_EQ(compare(result->gradients, reference), "");

  Tensors scaled = result->gradients;
  for (double &g : scaled.at("w2").data)
    g *= 1.01;
  EXPECT_NE(compare(scaled, reference), "");

  Tensors missing = result->gradients;
  missing.erase("w");
  EXPECT_NE(compare(missing, reference), "");
}

} // namespace
