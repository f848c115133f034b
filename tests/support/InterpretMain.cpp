// meshc-interpret: the reference interpreter as a command, for tests that judge it against an
// independent implementation in another language (tests/dialect/conv_numpy_test.py).
//
//   meshc-interpret PROGRAM.mlir DIR [--autodiff]
//
// Reads every meshc.input and meshc.param of the module's one function from DIR/NAME.f64 (raw
// little-endian doubles, row-major in the op's dim order), interprets the function (after
// meshc-autodiff with --autodiff) and writes each meshc.prediction to DIR/prediction.NAME.f64 and
// each parameter gradient to DIR/grad.NAME.f64. Errors: one line on stderr, exit 1.
#include "tests/support/Interpreter.h"

#include "dialect/IR/MeshcOps.h"
#include "dialect/Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstring>
#include <fstream>
#include <iostream>

using namespace mlir;
using meshc::testing::HostTensor;

namespace {

int fail(const std::string &message) {
  std::cerr << "meshc-interpret: error: " << message << "\n";
  return 1;
}

bool readDoubles(const std::string &path, HostTensor &t) {
  std::ifstream in(path, std::ios::binary);
  t.data.assign(t.numElements(), 0.0);
  in.read(reinterpret_cast<char *>(t.data.data()), std::streamsize(t.data.size() * sizeof(double)));
  return in.gcount() == std::streamsize(t.data.size() * sizeof(double)) &&
         in.peek() == std::char_traits<char>::eof();
}

bool writeDoubles(const std::string &path, const HostTensor &t) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(t.data.data()),
            std::streamsize(t.data.size() * sizeof(double)));
  return bool(out);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4 || (argc == 4 && std::strcmp(argv[3], "--autodiff") != 0))
    return fail("usage: meshc-interpret PROGRAM.mlir DIR [--autodiff]");
  std::string dir = argv[2];
  MLIRContext context;
  DialectRegistry registry;
  registry.insert<meshc::MeshcDialect, func::FuncDialect>();
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(argv[1], &context);
  if (!module)
    return fail(std::string("cannot parse ") + argv[1]);
  if (argc == 4) {
    PassManager pm(&context);
    pm.addPass(meshc::createAutodiff());
    if (failed(pm.run(*module)))
      return fail("meshc-autodiff failed");
  }
  auto funcs = module->getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) != 1)
    return fail("the module must hold one function");
  func::FuncOp func = *funcs.begin();

  std::map<std::string, HostTensor> feeds;
  std::string missing;
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
    if (!readDoubles(dir + "/" + name + ".f64", t) && missing.empty())
      missing = name;
    feeds[name] = std::move(t);
  });
  if (!missing.empty())
    return fail("no value of the right size in " + dir + "/" + missing + ".f64");
  FailureOr<meshc::testing::InterpretResult> result = meshc::testing::interpret(func, feeds);
  if (failed(result))
    return fail("the interpreter failed");
  for (const auto &[name, t] : result->predictions)
    if (!writeDoubles(dir + "/prediction." + name + ".f64", t))
      return fail("cannot write " + dir + "/prediction." + name + ".f64");
  for (const auto &[name, t] : result->gradients)
    if (!writeDoubles(dir + "/grad." + name + ".f64", t))
      return fail("cannot write " + dir + "/grad." + name + ".f64");
  return 0;
}
