// Gradient checks of the NN family (layer_norm, gelu, softmax, causal_mask, dropout): the
// gradient meshc-autodiff emits, run by the reference interpreter, against central finite
// differences of the interpreted loss; and the Adam and momentum updates of the interpreter
// against their formulas over several steps.
#include "tests/support/Interpreter.h"

#include "dialect/IR/MeshcOps.h"
#include "dialect/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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
using meshc::testing::InterpretOptions;
using meshc::testing::InterpretResult;

namespace {

using Tensors = std::map<std::string, HostTensor>;

/// `!t<i=2, j=3>` → `!meshc.tensor<i=2, j=3, f32>`, `!t<>` → `!meshc.tensor<f32>`.
std::string expand(const std::string &body) {
  std::string text = std::regex_replace(body, std::regex("!t<>"), "!meshc.tensor<f32>");
  text = std::regex_replace(text, std::regex("!t<([^>]+)>"), "!meshc.tensor<$1, f32>");
  return "module {\n  func.func @step() {\n" + text + "\n    return\n  }\n}\n";
}

/// loss = sum(y * r) for a fixed random input r of y's type, minimized by `optimizer` with
/// the attributes `attrs`.
std::string sumTimesR(const std::string &y, const std::string &dims,
                      const std::string &optimizer = "sgd",
                      const std::string &attrs = "learning_rate = 0.1") {
  std::string t = "!t<" + dims + ">";
  return "%r = meshc.input \"r\" features {classes = 1} : " + t + "\n" + "%yr = meshc.mul " + y +
         ", %r : " + t + ", " + t + " -> " + t + "\n" + "%loss = meshc.reduce_sum %yr : " + t +
         " -> !t<>\n" + "meshc.minimize " + optimizer + " %loss {" + attrs + "} : !t<>\n";
}

class GradCheckNN : public ::testing::Test {
protected:
  GradCheckNN() {
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

  /// U(-scale, scale) for every input and parameter, fixed by `seed`.
  static Tensors randomFeeds(func::FuncOp func, unsigned seed, double scale = 1.0) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> uniform(-scale, scale);
    Tensors feeds;
    func.walk([&](Operation *op) {
      std::string name;
      if (auto input = llvm::dyn_cast<meshc::InputOp>(op))
        name = input.getName().str();
      else if (auto param = llvm::dyn_cast<meshc::ParamOp>(op))
        name = param.getName().str();
      else
        return;
      auto type = llvm::cast<meshc::NamedTensorType>(op->getResult(0).getType());
      HostTensor t;
      for (auto [dim, size] : llvm::zip(type.getDimNames(), type.getDimSizes())) {
        t.dims.push_back(dim.getValue().str());
        t.sizes.push_back(size);
      }
      for (int64_t i = 0; i < t.numElements(); ++i)
        t.data.push_back(uniform(rng));
      feeds[name] = t;
    });
    return feeds;
  }

  static double lossOf(func::FuncOp func, const Tensors &feeds, const InterpretOptions &options) {
    FailureOr<InterpretResult> result = interpret(func, feeds, options);
    if (failed(result) || !result->outputs.count("loss")) {
      ADD_FAILURE() << "the forward program does not evaluate";
      return NAN;
    }
    return result->outputs.at("loss").data.at(0);
  }

  static Tensors finiteDifferences(func::FuncOp func, const Tensors &feeds,
                                   const InterpretOptions &options) {
    const double h = 1e-6;
    Tensors grads;
    func.walk([&](meshc::ParamOp param) {
      std::string name = param.getName().str();
      Tensors perturbed = feeds;
      HostTensor grad = feeds.at(name);
      for (size_t i = 0; i < grad.data.size(); ++i) {
        double x = feeds.at(name).data[i];
        perturbed[name].data[i] = x + h;
        double up = lossOf(func, perturbed, options);
        perturbed[name].data[i] = x - h;
        double down = lossOf(func, perturbed, options);
        perturbed[name].data[i] = x;
        grad.data[i] = (up - down) / (2 * h);
      }
      grads[name] = grad;
    });
    return grads;
  }

  /// Differences beyond |a - r| <= 1e-6 + 1e-4 |r| (the tolerance of GradCheckTest.cpp).
  static std::string compare(const Tensors &analytic, const Tensors &reference) {
    std::ostringstream out;
    for (const auto &[name, ref] : reference) {
      auto it = analytic.find(name);
      for (size_t i = 0; i < ref.data.size(); ++i) {
        double a = it == analytic.end() ? 0.0 : it->second.data[i];
        if (!(std::abs(a - ref.data[i]) <= 1e-6 + 1e-4 * std::abs(ref.data[i])))
          out << name << "[" << i << "]: autodiff " << a << ", finite differences " << ref.data[i]
              << "\n";
      }
    }
    return out.str();
  }

  OwningOpRef<ModuleOp> differentiate(ModuleOp module) {
    OwningOpRef<ModuleOp> differentiated = module.clone();
    PassManager pm(&context);
    pm.addPass(meshc::createAutodiff());
    EXPECT_TRUE(succeeded(pm.run(*differentiated))) << "meshc-autodiff failed";
    return differentiated;
  }

  void check(const std::string &body) {
    OwningOpRef<ModuleOp> module = parse(body);
    ASSERT_TRUE(module);
    func::FuncOp func = stepOf(*module);
    OwningOpRef<ModuleOp> differentiated = differentiate(*module);
    for (unsigned seed : {1u, 2u}) {
      Tensors feeds = randomFeeds(func, seed);
      InterpretOptions options;
      options.seed = seed;
      options.step = seed + 3;
      FailureOr<InterpretResult> result = interpret(stepOf(*differentiated), feeds, options);
      ASSERT_TRUE(succeeded(result));
      ASSERT_TRUE(result->outputs.count("loss"));
      EXPECT_NEAR(result->outputs.at("loss").data.at(0), lossOf(func, feeds, options), 1e-12);
      EXPECT_EQ(compare(result->gradients, finiteDifferences(func, feeds, options)), "")
          << "program:\n"
          << expand(body);
    }
  }

  MLIRContext context;
};

TEST_F(GradCheckNN, LayerNormLastDim) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=3, d=5>
    %y = meshc.layer_norm %x {dim = "d", epsilon = 1.0e-5} : !t<i=3, d=5>
  )" + sumTimesR("%y", "i=3, d=5"));
}

TEST_F(GradCheckNN, LayerNormMiddleDimWithAffine) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, d=4, j=3>
    %g = meshc.param "g" zeros {scale = 0.0} : !t<d=4>
    %y = meshc.layer_norm %x {dim = "d", epsilon = 1.0e-3} : !t<i=2, d=4, j=3>
    %z = meshc.mul %y, %g : !t<i=2, d=4, j=3>, !t<d=4> -> !t<i=2, d=4, j=3>
  )" + sumTimesR("%z", "i=2, d=4, j=3"));
}

TEST_F(GradCheckNN, Gelu) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=3, j=4>
    %x2 = meshc.add %x, %x : !t<i=3, j=4>, !t<i=3, j=4> -> !t<i=3, j=4>
    %s = meshc.add %x2, %x2 : !t<i=3, j=4>, !t<i=3, j=4> -> !t<i=3, j=4>
    %y = meshc.gelu %s : !t<i=3, j=4>
  )" + sumTimesR("%y", "i=3, j=4"));
}

TEST_F(GradCheckNN, SoftmaxFirstDim) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<k=4, i=3>
    %y = meshc.softmax %x {dim = "k"} : !t<k=4, i=3>
  )" + sumTimesR("%y", "k=4, i=3"));
}

TEST_F(GradCheckNN, SoftmaxLastDim) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=2, j=2, k=5>
    %y = meshc.softmax %x {dim = "k"} : !t<i=2, j=2, k=5>
  )" + sumTimesR("%y", "i=2, j=2, k=5"));
}

TEST_F(GradCheckNN, CausalMaskThenSoftmax) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<h=2, q=4, k=4>
    %m = meshc.causal_mask %x {query_dim = "q", key_dim = "k"} : !t<h=2, q=4, k=4>
    %y = meshc.softmax %m {dim = "k"} : !t<h=2, q=4, k=4>
  )" + sumTimesR("%y", "h=2, q=4, k=4"));
}

TEST_F(GradCheckNN, CausalMaskKeyFirst) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<k=3, q=3>
    %y = meshc.causal_mask %x {query_dim = "q", key_dim = "k", value = -5.0} : !t<k=3, q=3>
  )" + sumTimesR("%y", "k=3, q=3"));
}

TEST_F(GradCheckNN, Dropout) {
  check(R"(
    %x = meshc.param "x" zeros {scale = 0.0} : !t<i=4, j=8>
    %y = meshc.dropout %x {rate = 0.3, key = 2} : !t<i=4, j=8>
    %z = meshc.mul %y, %y : !t<i=4, j=8>, !t<i=4, j=8> -> !t<i=4, j=8>
  )" + sumTimesR("%z", "i=4, j=8"));
}

TEST_F(GradCheckNN, AttentionBlock) {
  check(R"(
    %x = meshc.input "x" features {classes = 1} : !t<s=4, d=4>
    %xk = meshc.input "xk" features {classes = 1} : !t<t=4, d=4>
    %wq = meshc.param "wq" zeros {scale = 0.0} : !t<d=4, h=2, e=2>
    %wk = meshc.param "wk" zeros {scale = 0.0} : !t<d=4, h=2, e=2>
    %wv = meshc.param "wv" zeros {scale = 0.0} : !t<d=4, h=2, e=2>
    %n = meshc.layer_norm %x {dim = "d", epsilon = 1.0e-5} : !t<s=4, d=4>
    %q = meshc.einsum %n, %wq : !t<s=4, d=4>, !t<d=4, h=2, e=2> -> !t<s=4, h=2, e=2>
    %k = meshc.einsum %xk, %wk : !t<t=4, d=4>, !t<d=4, h=2, e=2> -> !t<t=4, h=2, e=2>
    %v = meshc.einsum %xk, %wv : !t<t=4, d=4>, !t<d=4, h=2, e=2> -> !t<t=4, h=2, e=2>
    %sc = meshc.einsum %q, %k : !t<s=4, h=2, e=2>, !t<t=4, h=2, e=2> -> !t<h=2, s=4, t=4>
    %m = meshc.causal_mask %sc {query_dim = "s", key_dim = "t"} : !t<h=2, s=4, t=4>
    %p = meshc.softmax %m {dim = "t"} : !t<h=2, s=4, t=4>
    %o = meshc.einsum %p, %v : !t<h=2, s=4, t=4>, !t<t=4, h=2, e=2> -> !t<s=4, h=2, e=2>
    %g = meshc.gelu %o : !t<s=4, h=2, e=2>
  )" + sumTimesR("%g", "s=4, h=2, e=2"));
}

//===----------------------------------------------------------------------===//
// Optimizers: the interpreter's updates over several steps against the formulas
//===----------------------------------------------------------------------===//

class OptimizerSteps : public GradCheckNN {
protected:
  /// Runs `steps` steps of `optimizer` (with the attributes `attrs`) on loss = sum(x * r),
  /// whose gradient is r (fed anew each step), and returns x after each step.
  std::vector<HostTensor> run(const std::string &optimizer, const std::string &attrs, int steps,
                              std::vector<HostTensor> &grads) {
    OwningOpRef<ModuleOp> module = parse(R"(
      %x = meshc.param "x" zeros {scale = 0.0} : !t<i=3>
    )" + sumTimesR("%x", "i=3", optimizer, attrs));
    OwningOpRef<ModuleOp> differentiated = differentiate(*module);
    func::FuncOp func = stepOf(*differentiated);
    Tensors feeds = randomFeeds(func, 11);
    Tensors state;
    std::vector<HostTensor> params;
    for (int step = 0; step < steps; ++step) {
      feeds["r"] = randomFeeds(func, 20 + step).at("r");
      grads.push_back(feeds["r"]);
      InterpretOptions options;
      options.step = step;
      options.optimizerState = &state;
      FailureOr<InterpretResult> result = interpret(func, feeds, options);
      EXPECT_TRUE(succeeded(result));
      if (failed(result))
        return params;
      feeds["x"] = result->updatedParams.at("x");
      params.push_back(feeds["x"]);
      state = result->optimizerState;
    }
    params.insert(params.begin(), randomFeeds(func, 11).at("x"));
    return params;
  }
};

TEST_F(OptimizerSteps, Adam) {
  std::vector<HostTensor> grads;
  std::vector<HostTensor> params =
      run("adam", "learning_rate = 0.01, beta1 = 0.8, beta2 = 0.9, epsilon = 1.0e-6", 4, grads);
  ASSERT_EQ(params.size(), 5u);
  for (size_t i = 0; i < 3; ++i) {
    double x = params[0].data[i], m = 0, v = 0;
    for (int t = 1; t <= 4; ++t) {
      double g = grads[t - 1].data[i];
      m = 0.8 * m + 0.2 * g;
      v = 0.9 * v + 0.1 * g * g;
      x -= 0.01 * (m / (1 - std::pow(0.8, t))) / (std::sqrt(v / (1 - std::pow(0.9, t))) + 1e-6);
      EXPECT_NEAR(params[t].data[i], x, 1e-12) << "element " << i << " after step " << t;
    }
  }
}

TEST_F(OptimizerSteps, AdamDefaults) {
  std::vector<HostTensor> grads;
  std::vector<HostTensor> params = run("adam", "learning_rate = 0.01", 1, grads);
  ASSERT_EQ(params.size(), 2u);
  // First step: m_hat = g, v_hat = g^2, so x moves by lr * g / (|g| + eps).
  for (size_t i = 0; i < 3; ++i) {
    double g = grads[0].data[i];
    EXPECT_NEAR(params[1].data[i], params[0].data[i] - 0.01 * g / (std::abs(g) + 1e-8), 1e-12);
  }
}

TEST_F(OptimizerSteps, Momentum) {
  std::vector<HostTensor> grads;
  std::vector<HostTensor> params = run("momentum", "learning_rate = 0.1, momentum = 0.5", 3, grads);
  ASSERT_EQ(params.size(), 4u);
  for (size_t i = 0; i < 3; ++i) {
    double x = params[0].data[i], velocity = 0;
    for (int t = 1; t <= 3; ++t) {
      velocity = 0.5 * velocity + grads[t - 1].data[i];
      x -= 0.1 * velocity;
      EXPECT_NEAR(params[t].data[i], x, 1e-12) << "element " << i << " after step " << t;
    }
  }
}

// The dropout mask depends on the seed, the step and the key, and keeps about 1 - rate.
TEST_F(GradCheckNN, DropoutMaskVariesWithSeedStepAndKey) {
  auto keptSum = [&](int key, uint64_t seed, int64_t step) {
    OwningOpRef<ModuleOp> module = parse(R"(
      %x = meshc.fill {value = 1.0} : !t<i=64, j=64>
      %a = meshc.dropout %x {rate = 0.25, key = )" +
                                         std::to_string(key) + R"( : i64} : !t<i=64, j=64>
      %s = meshc.reduce_sum %a : !t<i=64, j=64> -> !t<>
      meshc.output "loss", %s : !t<>
    )");
    InterpretOptions options;
    options.seed = seed;
    options.step = step;
    FailureOr<InterpretResult> result = interpret(stepOf(*module), {}, options);
    EXPECT_TRUE(succeeded(result));
    return succeeded(result) ? result->outputs.at("loss").data.at(0) : NAN;
  };
  double base = keptSum(1, 0, 0);
  // Every kept element is 1 / (1 - rate): the sum is kept * 4/3, near 4096.
  EXPECT_NEAR(base, 4096.0, 4096.0 * 0.05);
  EXPECT_NE(base, keptSum(2, 0, 0));
  EXPECT_NE(base, keptSum(1, 1, 0));
  EXPECT_NE(base, keptSum(1, 0, 1));
  EXPECT_EQ(base, keptSum(1, 0, 0));
}

} // namespace

// Fused attention: meshc.attention's adjoint (one attention_grad) against finite differences,
// causal with dropout (odd sizes, value dim other than the contracted one) and plain with
// fewer queries than keys.
TEST_F(GradCheckNN, AttentionCausalDropout) {
  check(R"(
    %q = meshc.param "q" zeros {scale = 0.0} : !t<h=2, s=3, e=2>
    %k = meshc.param "k" zeros {scale = 0.0} : !t<t=3, h=2, e=2>
    %v = meshc.param "v" zeros {scale = 0.0} : !t<h=2, t=3, f=3>
    %y, %lse = meshc.attention %q, %k, %v {causal = true, dropout_key = 5, dropout_rate = 0.3, key_dim = "t", probs_dims = ["h", "s", "t"], query_dim = "s"} : !t<h=2, s=3, e=2>, !t<t=3, h=2, e=2>, !t<h=2, t=3, f=3> -> !t<s=3, h=2, f=3>, !t<h=2, s=3>
  )" + sumTimesR("%y", "s=3, h=2, f=3"));
}

TEST_F(GradCheckNN, AttentionPlain) {
  check(R"(
    %q = meshc.param "q" zeros {scale = 0.0} : !t<s=2, e=3>
    %k = meshc.param "k" zeros {scale = 0.0} : !t<t=5, e=3>
    %v = meshc.param "v" zeros {scale = 0.0} : !t<t=5, f=2>
    %y, %lse = meshc.attention %q, %k, %v {causal = false, dropout_key = 0, dropout_rate = 0.0, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"} : !t<s=2, e=3>, !t<t=5, e=3>, !t<t=5, f=2> -> !t<s=2, f=2>, !t<s=2>
  )" + sumTimesR("%y", "s=2, f=2"));
}

// meshc-fuse-attention changes no value: the fused program's loss and gradients equal the
// unfused chain's (einsum, causal_mask, softmax, dropout, einsum), with dropout drawing the same
// mask.
TEST_F(GradCheckNN, FusedAttentionEqualsTheChain) {
  OwningOpRef<ModuleOp> unfused = parse(R"(
    %q = meshc.param "q" zeros {scale = 0.0} : !t<b=2, s=4, h=3, e=2>
    %k = meshc.param "k" zeros {scale = 0.0} : !t<b=2, t=4, h=3, e=2>
    %v = meshc.param "v" zeros {scale = 0.0} : !t<b=2, t=4, h=3, e=2>
    %sc = meshc.einsum %q, %k : !t<b=2, s=4, h=3, e=2>, !t<b=2, t=4, h=3, e=2> -> !t<b=2, h=3, s=4, t=4>
    %m = meshc.causal_mask %sc {query_dim = "s", key_dim = "t"} : !t<b=2, h=3, s=4, t=4>
    %p = meshc.softmax %m {dim = "t"} : !t<b=2, h=3, s=4, t=4>
    %d = meshc.dropout %p {rate = 0.25, key = 9} : !t<b=2, h=3, s=4, t=4>
    %y = meshc.einsum %d, %v : !t<b=2, h=3, s=4, t=4>, !t<b=2, t=4, h=3, e=2> -> !t<b=2, s=4, h=3, e=2>
  )" + sumTimesR("%y", "b=2, s=4, h=3, e=2"));
  ASSERT_TRUE(unfused);
  OwningOpRef<ModuleOp> fused = unfused->clone();
  PassManager pm(&context);
  pm.addPass(meshc::createFuseAttention());
  ASSERT_TRUE(succeeded(pm.run(*fused)));
  int attentions = 0;
  fused->walk([&](meshc::AttentionOp) { ++attentions; });
  ASSERT_EQ(attentions, 1) << "the chain was not fused";
  OwningOpRef<ModuleOp> a = differentiate(*unfused), b = differentiate(*fused);
  Tensors feeds = randomFeeds(stepOf(*unfused), 4);
  InterpretOptions options;
  options.seed = 4;
  options.step = 2;
  FailureOr<InterpretResult> ra = interpret(stepOf(*a), feeds, options),
                             rb = interpret(stepOf(*b), feeds, options);
  ASSERT_TRUE(succeeded(ra) && succeeded(rb));
  EXPECT_NEAR(ra->outputs.at("loss").data.at(0), rb->outputs.at("loss").data.at(0), 1e-12);
  for (const char *name : {"q", "k", "v"})
    for (size_t i = 0; i < ra->gradients.at(name).data.size(); ++i)
      EXPECT_NEAR(ra->gradients.at(name).data[i], rb->gradients.at(name).data[i], 1e-12)
          << name << "[" << i << "]";
}
