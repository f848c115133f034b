// Gradient checks of meshc-autodiff: for each differentiable op, small global programs whose
// scalar loss exercises it; the gradient autodiff emits (the operand of each sgd_update, run by
// the reference interpreter) must match central finite differences of the interpreted loss of
// the program before autodiff.
#include "tests/support/Interpreter.h"

#include "dialect/IR/MeshcOps.h"
#include "dialect/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <regex>
#include <sstream>

using namespace mlir;
using meshc::testing::HostTensor;
using meshc::testing::interpret;
using meshc::testing::InterpretResult;

namespace {

using Tensors = std::map<std::string, HostTensor>;

/// `!t<i=2, j=3>` → `!meshc.tensor<i=2, j=3, f32>`, `!t<>` → `!meshc.tensor<f32>`, and the
/// body wrapped into the one function of a module.
std::string expand(const std::string &body) {
  std::string text = std::regex_replace(body, std::regex("!t<>"), "!meshc.tensor<f32>");
  text = std::regex_replace(text, std::regex("!t<([^>]+)>"), "!meshc.tensor<$1, f32>");
  return "module {\n  func.func @step() {\n" + text + "\n    return\n  }\n}\n";
}

/// The usual loss: sum(y * r) for a fixed random input r of y's type.
std::string sumTimesR(const std::string &y, const std::string &dims) {
  std::string t = "!t<" + dims + ">";
  return "%r = meshc.input \"r\" {kind = \"features\", classes = 1} : " + t + "\n" +
         "%yr = meshc.mul " + y + ", %r : " + t + ", " + t + " -> " + t + "\n" +
         "%loss = meshc.reduce_sum %yr : " + t + " -> !t<>\n" +
         "meshc.minimize %loss {optimizer = \"sgd\", learning_rate = 0.1} : !t<>\n";
}

std::string minimizeScalar(const std::string &loss) {
  return "meshc.minimize " + loss + " {optimizer = \"sgd\", learning_rate = 0.1} : !t<>\n";
}

class GradCheck : public ::testing::Test {
protected:
  GradCheck() {
    DialectRegistry registry;
    registry.insert<meshc::MeshcDialect, func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  OwningOpRef<ModuleOp> parse(const std::string &body) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(expand(body), &context);
    EXPECT_TRUE(module) << "does not parse:\n" << expand(body);
    return module;
  }

  static func::FuncOp stepOf(ModuleOp module) { return *module.getOps<func::FuncOp>().begin(); }

  /// Random values for every input and parameter, fixed by `seed`: labels are classes,
  /// everything else U(-1, 1).
  static Tensors randomFeeds(func::FuncOp func, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    Tensors feeds;
    func.walk([&](Operation *op) {
      std::string name;
      int64_t classes = 0;
      if (auto input = llvm::dyn_cast<meshc::InputOp>(op)) {
        name = input.getName().str();
        if (input.getKind() == "labels")
          classes = input.getClasses();
      } else if (auto param = llvm::dyn_cast<meshc::ParamOp>(op)) {
        name = param.getName().str();
      } else {
        return;
      }
      auto type = llvm::cast<meshc::NamedTensorType>(op->getResult(0).getType());
      HostTensor t;
      for (auto [dim, size] : llvm::zip(type.getDimNames(), type.getDimSizes())) {
        t.dims.push_back(dim.getValue().str());
        t.sizes.push_back(size);
      }
      for (int64_t i = 0; i < t.numElements(); ++i)
        t.data.push_back(classes ? double(rng() % classes) : uniform(rng));
      feeds[name] = t;
    });
    return feeds;
  }

  static std::vector<std::string> paramNames(func::FuncOp func) {
    std::vector<std::string> names;
    func.walk([&](meshc::ParamOp op) { names.push_back(op.getName().str()); });
    return names;
  }

  /// The loss of the program before autodiff.
  static double lossOf(func::FuncOp func, const Tensors &feeds) {
    FailureOr<InterpretResult> result = interpret(func, feeds);
    if (failed(result) || !result->outputs.count("loss")) {
      ADD_FAILURE() << "the forward program does not evaluate";
      return NAN;
    }
    return result->outputs.at("loss").data.at(0);
  }

  /// Central finite differences of the loss with respect to every parameter.
  static Tensors finiteDifferences(func::FuncOp func, const Tensors &feeds) {
    const double h = 1e-6;
    Tensors grads;
    for (const std::string &name : paramNames(func)) {
      Tensors perturbed = feeds;
      HostTensor grad = feeds.at(name);
      for (size_t i = 0; i < grad.data.size(); ++i) {
        double x = feeds.at(name).data[i];
        perturbed[name].data[i] = x + h;
        double up = lossOf(func, perturbed);
        perturbed[name].data[i] = x - h;
        double down = lossOf(func, perturbed);
        perturbed[name].data[i] = x;
        grad.data[i] = (up - down) / (2 * h);
      }
      grads[name] = grad;
    }
    return grads;
  }

  /// Differences between `analytic` and `reference` beyond |a - r| <= 1e-6 + 1e-4 |r|, one
  /// line each; a parameter missing from `analytic` counts as a zero gradient.
  static std::string compare(const Tensors &analytic, const Tensors &reference) {
    std::ostringstream out;
    for (const auto &[name, ref] : reference) {
      auto it = analytic.find(name);
      if (it != analytic.end() && (it->second.dims != ref.dims || it->second.sizes != ref.sizes)) {
        out << name << ": gradient has another shape\n";
        continue;
      }
      for (size_t i = 0; i < ref.data.size(); ++i) {
        double a = it == analytic.end() ? 0.0 : it->second.data[i];
        if (!(std::abs(a - ref.data[i]) <= 1e-6 + 1e-4 * std::abs(ref.data[i])))
          out << name << "[" << i << "]: autodiff " << a << ", finite differences " << ref.data[i]
              << "\n";
      }
    }
    for (const auto &[name, grad] : analytic)
      if (!reference.count(name))
        out << name << ": a gradient for something that is not a parameter\n";
    return out.str();
  }

  /// Runs meshc-autodiff on a copy of `module` and interprets it.
  FailureOr<InterpretResult> autodiffAndRun(ModuleOp module, const Tensors &feeds) {
    OwningOpRef<ModuleOp> differentiated = module.clone();
    PassManager pm(&context);
    pm.addPass(meshc::createAutodiff());
    if (failed(pm.run(*differentiated))) {
      ADD_FAILURE() << "meshc-autodiff failed";
      return failure();
    }
    bool minimizeLeft = false;
    differentiated->walk([&](meshc::MinimizeOp) { minimizeLeft = true; });
    EXPECT_FALSE(minimizeLeft) << "meshc.minimize survives autodiff";
    return interpret(stepOf(*differentiated), feeds);
  }

  /// The whole check for one program, on two random draws.
  void check(const std::string &body) {
    OwningOpRef<ModuleOp> module = parse(body);
    ASSERT_TRUE(module);
    func::FuncOp func = stepOf(*module);
    for (unsigned seed : {1u, 2u}) {
      Tensors feeds = randomFeeds(func, seed);
      FailureOr<InterpretResult> result = autodiffAndRun(*module, feeds);
      ASSERT_TRUE(succeeded(result));
      ASSERT_TRUE(result->outputs.count("loss")) << "no meshc.output \"loss\"";
      EXPECT_NEAR(result->outputs.at("loss").data.at(0), lossOf(func, feeds), 1e-12);
      EXPECT_EQ(compare(result->gradients, finiteDifferences(func, feeds)), "") << "program:\n"
                                                                                << expand(body);
    }
  }

  MLIRContext context;
};

//===----------------------------------------------------------------------===//
// einsum
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, EinsumContraction) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=3, k=4>
    %y = meshc.einsum %x, %w : !t<i=2, j=3>, !t<j=3, k=4> -> !t<i=2, k=4>
  )" + sumTimesR("%y", "i=2, k=4"));
}

TEST_F(GradCheck, EinsumBatchDims) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<b=2, i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=3, b=2, k=2>
    %y = meshc.einsum %x, %w : !t<b=2, i=2, j=3>, !t<j=3, b=2, k=2> -> !t<k=2, b=2, i=2>
  )" + sumTimesR("%y", "k=2, b=2, i=2"));
}

TEST_F(GradCheck, EinsumOuterProduct) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=4>
    %y = meshc.einsum %x, %w : !t<i=3>, !t<j=4> -> !t<j=4, i=3>
  )" + sumTimesR("%y", "j=4, i=3"));
}

TEST_F(GradCheck, EinsumDimSummedOutOfOneOperand) {
  // s only in x, t only in w: each is summed by its operand alone.
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, s=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<t=2, i=2, j=3>
    %y = meshc.einsum %x, %w : !t<i=2, s=3>, !t<t=2, i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, EinsumFullContractionToScalar) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=3, i=2>
    %loss = meshc.einsum %x, %w : !t<i=2, j=3>, !t<j=3, i=2> -> !t<>
  )" + minimizeScalar("%loss"));
}

TEST_F(GradCheck, EinsumSingleOperandSum) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3, k=2>
    %y = meshc.einsum %x : !t<i=2, j=3, k=2> -> !t<k=2, i=2>
  )" + sumTimesR("%y", "k=2, i=2"));
}

TEST_F(GradCheck, EinsumSingleOperandTranspose) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %y = meshc.einsum %x : !t<i=2, j=3> -> !t<j=3, i=2>
  )" + sumTimesR("%y", "j=3, i=2"));
}

TEST_F(GradCheck, EinsumSameOperandTwice) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %y = meshc.einsum %x, %x : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2>
  )" + sumTimesR("%y", "i=2"));
}

TEST_F(GradCheck, EinsumWithInputOperand) {
  check(R"(
    %x = meshc.input "x" {kind = "features", classes = 2} : !t<n=3, i=2>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<i=2, k=2>
    %y = meshc.einsum %x, %w : !t<n=3, i=2>, !t<i=2, k=2> -> !t<n=3, k=2>
  )" + sumTimesR("%y", "n=3, k=2"));
}

//===----------------------------------------------------------------------===//
// add, sub, mul
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, AddSameType) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %y = meshc.add %x, %w : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, AddBroadcastFewerDims) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %b = meshc.param "b" {init = "zeros", scale = 0.0} : !t<j=3>
    %y = meshc.add %x, %b : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, AddOtherDimOrder) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=3, i=2>
    %y = meshc.add %x, %w : !t<i=2, j=3>, !t<j=3, i=2> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, AddOuter) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=3>
    %y = meshc.add %x, %w : !t<i=2>, !t<j=3> -> !t<j=3, i=2>
  )" + sumTimesR("%y", "j=3, i=2"));
}

TEST_F(GradCheck, SubSameType) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %y = meshc.sub %x, %w : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, SubBroadcastBothSides) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=3, i=2>
    %y = meshc.sub %x, %w : !t<j=3>, !t<j=3, i=2> -> !t<i=2, j=3>
    %z = meshc.sub %y, %x : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
    %v = meshc.sub %z, %x : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%v", "i=2, j=3"));
}

TEST_F(GradCheck, MulSameType) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %y = meshc.mul %x, %w : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

TEST_F(GradCheck, MulBroadcastAndReorder) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<i=2>
    %v = meshc.param "v" {init = "zeros", scale = 0.0} : !t<j=3, i=2>
    %y = meshc.mul %w, %x : !t<i=2>, !t<i=2, j=3> -> !t<j=3, i=2>
    %z = meshc.mul %y, %v : !t<j=3, i=2>, !t<j=3, i=2> -> !t<i=2, j=3>
  )" + sumTimesR("%z", "i=2, j=3"));
}

TEST_F(GradCheck, MulSquare) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %y = meshc.mul %x, %x : !t<i=2, j=3>, !t<i=2, j=3> -> !t<i=2, j=3>
  )" + sumTimesR("%y", "i=2, j=3"));
}

//===----------------------------------------------------------------------===//
// relu, reductions
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, Relu) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=3, j=4>
    %y = meshc.relu %x : !t<i=3, j=4>
  )" + sumTimesR("%y", "i=3, j=4"));
}

TEST_F(GradCheck, ReduceSumSeveralDimsReordered) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<a=2, b=3, c=2, d=2>
    %y = meshc.reduce_sum %x : !t<a=2, b=3, c=2, d=2> -> !t<c=2, a=2>
  )" + sumTimesR("%y", "c=2, a=2"));
}

TEST_F(GradCheck, ReduceSumPermutationOnly) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<a=2, b=3>
    %y = meshc.reduce_sum %x : !t<a=2, b=3> -> !t<b=3, a=2>
  )" + sumTimesR("%y", "b=3, a=2"));
}

TEST_F(GradCheck, ReduceMeanSeveralDims) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<a=2, b=3, c=4>
    %y = meshc.reduce_mean %x : !t<a=2, b=3, c=4> -> !t<b=3>
  )" + sumTimesR("%y", "b=3"));
}

TEST_F(GradCheck, ReduceMeanToScalar) {
  check(R"(
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<a=2, b=3>
    %s = meshc.mul %x, %x : !t<a=2, b=3>, !t<a=2, b=3> -> !t<a=2, b=3>
    %loss = meshc.reduce_mean %s : !t<a=2, b=3> -> !t<>
  )" + minimizeScalar("%loss"));
}

//===----------------------------------------------------------------------===//
// softmax cross-entropy
//===----------------------------------------------------------------------===//

TEST_F(GradCheck, SoftmaxXentClassLast) {
  check(R"(
    %y = meshc.input "y" {kind = "labels", classes = 4} : !meshc.tensor<n=3, i32>
    %z = meshc.param "z" {init = "zeros", scale = 0.0} : !t<n=3, c=4>
    %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !t<n=3, c=4>, !meshc.tensor<n=3, i32> -> !t<n=3>
  )" + sumTimesR("%l", "n=3"));
}

TEST_F(GradCheck, SoftmaxXentClassFirst) {
  check(R"(
    %y = meshc.input "y" {kind = "labels", classes = 4} : !meshc.tensor<n=3, i32>
    %z = meshc.param "z" {init = "zeros", scale = 0.0} : !t<c=4, n=3>
    %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !t<c=4, n=3>, !meshc.tensor<n=3, i32> -> !t<n=3>
    %loss = meshc.reduce_mean %l : !t<n=3> -> !t<>
  )" + minimizeScalar("%loss"));
}

TEST_F(GradCheck, SoftmaxXentClassMiddle) {
  check(R"(
    %y = meshc.input "y" {kind = "labels", classes = 3} : !meshc.tensor<n=2, t=3, i32>
    %z = meshc.param "z" {init = "zeros", scale = 0.0} : !t<n=2, c=3, t=3>
    %l = meshc.softmax_xent %z, %y {class_dim = "c"} : !t<n=2, c=3, t=3>, !meshc.tensor<n=2, t=3, i32> -> !t<n=2, t=3>
  )" + sumTimesR("%l", "n=2, t=3"));
}

TEST_F(GradCheck, SoftmaxXentOfEinsum) {
  check(R"(
    %x = meshc.input "x" {kind = "features", classes = 3} : !t<n=4, d=3>
    %y = meshc.input "y" {kind = "labels", classes = 3} : !meshc.tensor<n=4, i32>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<c=3, d=3>
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
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2, j=3>
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !t<j=3>
    %h = meshc.mul %x, %w : !t<i=2, j=3>, !t<j=3> -> !t<i=2, j=3>
    %a = meshc.relu %h : !t<i=2, j=3>
    %b = meshc.einsum %h, %h : !t<i=2, j=3>, !t<i=2, j=3> -> !t<j=3>
    %sa = meshc.reduce_sum %a : !t<i=2, j=3> -> !t<>
    %sb = meshc.reduce_mean %b : !t<j=3> -> !t<>
    %loss = meshc.sub %sa, %sb : !t<>, !t<> -> !t<>
  )" + minimizeScalar("%loss"));
}

const char *const kMlp = R"(
    %x = meshc.input "x" {kind = "features", classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    %y = meshc.input "y" {kind = "labels", classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" {init = "uniform", scale = 0.5} : !meshc.tensor<d_in=4, hidden=6, f32>
    %b = meshc.param "b" {init = "zeros", scale = 0.0} : !meshc.tensor<hidden=6, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %a = meshc.add %h, %b : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %r = meshc.relu %a : !meshc.tensor<batch=8, hidden=6, f32>
    %w2 = meshc.param "w2" {init = "normal", scale = 0.1} : !meshc.tensor<hidden=6, classes=4, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize %m {optimizer = "sgd", learning_rate = 0.1} : !meshc.tensor<f32>
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
    %x = meshc.param "x" {init = "zeros", scale = 0.0} : !t<i=2>
    %u = meshc.param "unused" {init = "zeros", scale = 0.0} : !t<i=2>
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
