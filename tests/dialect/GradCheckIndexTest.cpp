// Gradient checks of the Index family's rules (GradientRulesIndex.cpp) against central
// finite differences of the reference interpreter, as in GradCheckTest.cpp (whose fixture this
// file repeats: each test file of the op families stands alone).
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

class GradCheckIndex : public ::testing::Test {
protected:
  GradCheckIndex() {
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
// Lookups and one-hots
//===----------------------------------------------------------------------===//

TEST_F(GradCheckIndex, EmbeddingRepeatedIds) {
  check(R"(
    %t = meshc.param "t" {init = "normal", scale = 1.0} : !t<vocab=5, d=3>
    %i = meshc.input "i" {kind = "labels", classes = 5} : !meshc.tensor<b=4, s=3, i32>
    %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !t<vocab=5, d=3>, !meshc.tensor<b=4, s=3, i32> -> !t<b=4, s=3, d=3>
  )" + sumTimesR("%e", "b=4, s=3, d=3"));
}

TEST_F(GradCheckIndex, EmbeddingIdsOutsideTheVocabulary) {
  check(R"(
    %t = meshc.param "t" {init = "normal", scale = 1.0} : !t<vocab=3, d=2, e=2>
    %i = meshc.input "i" {kind = "labels", classes = 6} : !meshc.tensor<b=6, i32>
    %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !t<vocab=3, d=2, e=2>, !meshc.tensor<b=6, i32> -> !t<b=6, d=2, e=2>
  )" + sumTimesR("%e", "b=6, d=2, e=2"));
}

// Top-1 routing: argmax and one_hot carry no gradient; the gate's does.
TEST_F(GradCheckIndex, ArgmaxOneHotGate) {
  check(R"(
    %x = meshc.input "x" {kind = "features", classes = 1} : !t<b=5, d=3>
    %w = meshc.param "w" {init = "normal", scale = 1.0} : !t<d=3, e=4>
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
    %x = meshc.input "x" {kind = "features", classes = 1} : !t<b=6, d=3>
    %wg = meshc.param "wg" {init = "normal", scale = 1.0} : !t<d=3, e=2>
    %we = meshc.param "we" {init = "normal", scale = 1.0} : !t<e=2, d=3, h=2>
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
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<i=2, j=3, k=4>
    %m = meshc.reduce_max %a : !t<i=2, j=3, k=4> -> !t<k=4, i=2>
  )" + sumTimesR("%m", "k=4, i=2"));
}

TEST_F(GradCheckIndex, ReduceMaxToScalar) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<i=3, j=2>
    %m = meshc.reduce_max %a : !t<i=3, j=2> -> !t<>
  )" + minimizeScalar("%m"));
}

TEST_F(GradCheckIndex, CumsumInclusive) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<i=2, t=5, j=2>
    %c = meshc.cumsum %a {dim = "t"} : !t<i=2, t=5, j=2>
  )" + sumTimesR("%c", "i=2, t=5, j=2"));
}

TEST_F(GradCheckIndex, CumsumExclusive) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<t=5, j=2>
    %c = meshc.cumsum %a {dim = "t", exclusive = true} : !t<t=5, j=2>
  )" + sumTimesR("%c", "t=5, j=2"));
}

TEST_F(GradCheckIndex, CumsumReverseExclusive) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<j=2, t=4>
    %c = meshc.cumsum %a {dim = "t", exclusive = true, reverse = true} : !t<j=2, t=4>
  )" + sumTimesR("%c", "j=2, t=4"));
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

TEST_F(GradCheckIndex, ConcatMiddleDim) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<i=2, x=2, j=3>
    %b = meshc.param "b" {init = "normal", scale = 1.0} : !t<i=2, y=3, j=3>
    %c = meshc.concat %a, %b, %a {dim = "d"} : !t<i=2, x=2, j=3>, !t<i=2, y=3, j=3>, !t<i=2, x=2, j=3> -> !t<i=2, d=7, j=3>
  )" + sumTimesR("%c", "i=2, d=7, j=3"));
}

TEST_F(GradCheckIndex, SliceRenamedDim) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<i=2, d=6>
    %s = meshc.slice %a {dim = "d", start = 2} : !t<i=2, d=6> -> !t<i=2, w=3>
  )" + sumTimesR("%s", "i=2, w=3"));
}

TEST_F(GradCheckIndex, Pad) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<w=2, i=3>
    %p = meshc.pad %a {dim = "d", start = 1} : !t<w=2, i=3> -> !t<d=5, i=3>
  )" + sumTimesR("%p", "d=5, i=3"));
}

TEST_F(GradCheckIndex, RenameAndReshape) {
  check(R"(
    %a = meshc.param "a" {init = "normal", scale = 1.0} : !t<i=2, j=6>
    %rs = meshc.reshape %a : !t<i=2, j=6> -> !t<k=3, l=4>
    %n = meshc.rename %rs : !t<k=3, l=4> -> !t<k2=3, l=4>
    %m = meshc.mul %n, %n : !t<k2=3, l=4>, !t<k2=3, l=4> -> !t<k2=3, l=4>
  )" + sumTimesR("%m", "k2=3, l=4"));
}

// stop_gradient: the loss sum(stop(w) * w * r) has the gradient stop(w) * r only (finite
// differences would see both factors move, so the expectation is written out).
TEST_F(GradCheckIndex, StopGradientBlocksOnePath) {
  OwningOpRef<ModuleOp> module = parse(R"(
    %w = meshc.param "w" {init = "normal", scale = 1.0} : !t<i=3>
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
