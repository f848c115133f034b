// e2e_reference_losses: the losses a GLOBAL meshc program should report, step by step,
// computed by the reference interpreter (tests/support) instead of the runtime's kernels.
//
//   e2e_reference_losses prog.mlir [--steps N] [--seed S]
// prints `step N loss X` lines like a compiled executable's rank 0. Parameters and data are the
// ones the executable uses: they come from libmeshrt's own generators (meshrt_init_param,
// meshrt_synthetic_*) on a 1-rank context, with global shapes and nothing split; the program is
// differentiated by meshc-autodiff and the interpreter's optimizer updates (parameters and
// optimizer state) feed the next step.
// compare_layouts.py --reference-tool compares these with the compiled 1-rank run.
#include "tests/support/Interpreter.h"

#include "dialect/IR/MeshcOps.h"
#include "dialect/Transforms/Passes.h"

#include "meshrt/meshrt.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/xxhash.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

using namespace mlir;
using meshc::testing::HostTensor;

namespace {

/// A zero tensor of a named tensor type; its dims and sizes as the runtime sees them.
HostTensor shapeOf(Value value) {
  auto type = llvm::cast<meshc::NamedTensorType>(value.getType());
  HostTensor t;
  for (auto [name, size] : llvm::zip(type.getDimNames(), type.getDimSizes())) {
    t.dims.push_back(name.getValue().str());
    t.sizes.push_back(size);
  }
  t.data.assign(t.numElements(), 0.0);
  return t;
}

/// Every dim replicated: the generators then produce the whole global tensor.
std::vector<int32_t> replicated(const HostTensor &t) {
  return std::vector<int32_t>(t.dims.size(), -1);
}

HostTensor initialParam(meshrt_context_t ctx, meshc::ParamOp param) {
  HostTensor t = shapeOf(param.getResult());
  int32_t kind = MESHRT_INIT_ZEROS;
  switch (param.getInit()) {
  case meshc::ParamInit::Uniform:
    kind = MESHRT_INIT_UNIFORM;
    break;
  case meshc::ParamInit::Normal:
    kind = MESHRT_INIT_NORMAL;
    break;
  case meshc::ParamInit::Zeros:
    kind = MESHRT_INIT_ZEROS;
    break;
  case meshc::ParamInit::Constant:
    kind = MESHRT_INIT_CONSTANT;
    break;
  }
  std::vector<float> buffer(t.data.size());
  std::vector<int32_t> axes = replicated(t);
  meshrt_init_param(ctx, buffer.data(), (int32_t)t.dims.size(), t.sizes.data(), axes.data(),
                    llvm::xxh3_64bits(param.getName()), kind,
                    (float)param.getScale().convertToDouble());
  t.data.assign(buffer.begin(), buffer.end());
  return t;
}

HostTensor inputAt(meshrt_context_t ctx, meshc::InputOp input, int64_t step) {
  HostTensor t = shapeOf(input.getResult());
  std::vector<int32_t> axes = replicated(t);
  auto rank = (int32_t)t.dims.size();
  auto classes = (int32_t)input.getClasses();
  if (input.getKind() == meshc::InputKind::Labels) {
    std::vector<int32_t> buffer(t.data.size());
    meshrt_synthetic_labels(ctx, buffer.data(), rank, t.sizes.data(), axes.data(), step, classes);
    t.data.assign(buffer.begin(), buffer.end());
  } else {
    std::vector<float> buffer(t.data.size());
    meshrt_synthetic_features(ctx, buffer.data(), rank, t.sizes.data(), axes.data(), step, classes);
    t.data.assign(buffer.begin(), buffer.end());
  }
  return t;
}

int usage() {
  std::fprintf(stderr, "usage: e2e_reference_losses <program.mlir> [--steps N] [--seed S]\n");
  return 2;
}

int run(const char *path, int64_t steps, uint64_t seed) {
  DialectRegistry registry;
  registry.insert<meshc::MeshcDialect, func::FuncDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(path, sourceMgr, &context);
  if (!module)
    return 1;
  PassManager pm(&context);
  pm.addPass(meshc::createAutodiff());
  if (failed(pm.run(*module)))
    return 1;
  auto funcs = module->getOps<func::FuncOp>();
  if (funcs.empty()) {
    std::fprintf(stderr, "%s: no func.func\n", path);
    return 1;
  }
  func::FuncOp step = *funcs.begin();

  meshrt_context_t ctx = meshrt_context_create("b=1", seed);
  if (meshrt_context_status(ctx) != MESHRT_OK) {
    std::fprintf(stderr, "meshrt: %s\n", meshrt_context_message(ctx));
    return 1;
  }
  std::map<std::string, HostTensor> params;
  step.walk(
      [&](meshc::ParamOp param) { params[param.getName().str()] = initialParam(ctx, param); });

  std::map<std::string, HostTensor> optimizerState;
  int code = 0;
  for (int64_t s = 0; s < steps && code == 0; ++s) {
    std::map<std::string, HostTensor> feeds = params;
    step.walk([&](meshc::InputOp input) { feeds[input.getName().str()] = inputAt(ctx, input, s); });
    if (meshrt_context_status(ctx) != MESHRT_OK) {
      std::fprintf(stderr, "meshrt: %s\n", meshrt_context_message(ctx));
      code = 1;
      break;
    }
    // Dropout masks depend on the seed and the step; Adam on the step and its state.
    meshc::testing::InterpretOptions options;
    options.seed = seed;
    options.step = s;
    options.optimizerState = &optimizerState;
    FailureOr<meshc::testing::InterpretResult> result =
        meshc::testing::interpret(step, feeds, options);
    if (failed(result)) {
      code = 1;
      break;
    }
    auto loss = result->outputs.find("loss");
    if (loss == result->outputs.end() || loss->second.data.size() != 1) {
      std::fprintf(stderr, "%s: the program reports no scalar loss\n", path);
      code = 1;
      break;
    }
    std::printf("step %lld loss %.9g\n", (long long)s, loss->second.data[0]);
    // The runtime keeps parameters in f32.
    for (auto &[name, updated] : result->updatedParams) {
      for (double &x : updated.data)
        x = (double)(float)x;
      params[name] = updated;
    }
    for (auto &[name, state] : result->optimizerState) {
      for (double &x : state.data)
        x = (double)(float)x;
      optimizerState[name] = state;
    }
  }
  meshrt_context_destroy(ctx);
  return code;
}

} // namespace

int main(int argc, char **argv) {
  const char *path = nullptr;
  int64_t steps = 3;
  uint64_t seed = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--steps") && i + 1 < argc)
      steps = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = std::strtoull(argv[++i], nullptr, 10);
    else if (argv[i][0] != '-' && !path)
      path = argv[i];
    else
      return usage();
  }
  if (!path)
    return usage();
  MPI_Init(&argc, &argv);
  int code = run(path, steps, seed);
  std::fflush(stdout);
  MPI_Finalize();
  return code;
}
