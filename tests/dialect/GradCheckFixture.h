// The finite-difference fixture of the gradient checks, shared by the op families' tests:
// parse a small global program, run meshc-autodiff, interpret it, and compare each parameter's
// gradient with central finite differences of the interpreted loss.
#ifndef MESHC_TESTS_DIALECT_GRADCHECKFIXTURE_H
#define MESHC_TESTS_DIALECT_GRADCHECKFIXTURE_H

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

namespace meshc::testing::gradcheck {

using namespace mlir;

using Tensors = std::map<std::string, HostTensor>;

/// `!t<i=2, j=3>` → `!meshc.tensor<i=2, j=3, f32>`, `!t<>` → `!meshc.tensor<f32>`, and the
/// body wrapped into the one function of a module.
inline std::string expand(const std::string &body) {
  std::string text = std::regex_replace(body, std::regex("!t<>"), "!meshc.tensor<f32>");
  text = std::regex_replace(text, std::regex("!t<([^>]+)>"), "!meshc.tensor<$1, f32>");
  return "module {\n  func.func @step() {\n" + text + "\n    return\n  }\n}\n";
}

/// The usual loss: sum(y * r) for a fixed random input r of y's type.
inline std::string sumTimesR(const std::string &y, const std::string &dims) {
  std::string t = "!t<" + dims + ">";
  return "%r = meshc.input \"r\" features {classes = 1} : " + t + "\n" + "%yr = meshc.mul " + y +
         ", %r : " + t + ", " + t + " -> " + t + "\n" + "%loss = meshc.reduce_sum %yr : " + t +
         " -> !t<>\n" + "meshc.minimize sgd %loss {learning_rate = 0.1} : !t<>\n";
}

inline std::string minimizeScalar(const std::string &loss) {
  return "meshc.minimize sgd " + loss + " {learning_rate = 0.1} : !t<>\n";
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
        if (input.getKind() == meshc::InputKind::Labels)
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

} // namespace meshc::testing::gradcheck

#endif // MESHC_TESTS_DIALECT_GRADCHECKFIXTURE_H
