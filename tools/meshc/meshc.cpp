// meshc: the compiler driver's command line. Parses the flags and hands them to the driver
// library (Driver.h), which reads a global meshc program, applies --mesh/--layout,
// differentiates, partitions, lowers and links one SPMD executable.
#include "Driver.h"

#include "mlir/Support/Timing.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using meshc::driver::Emit;

namespace {

cl::OptionCategory category("meshc options");
cl::opt<std::string> inputPath(cl::Positional, cl::desc("<program.mlir>"), cl::Required,
                               cl::cat(category));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: the program's name)"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> meshSpec("mesh",
                              cl::desc("Processor mesh, e.g. b=2,m=2 (overrides the "
                                       "program's)"),
                              cl::value_desc("axis=size,..."), cl::cat(category));
cl::opt<std::string> layoutSpec("layout",
                                cl::desc("Layout, e.g. batch:b,hidden:m (overrides the "
                                         "program's; \"\" = all replicated)"),
                                cl::value_desc("dim:axis,..."), cl::cat(category));
cl::opt<Emit>
    emit("emit", cl::desc("What to produce"), cl::init(Emit::Executable),
         cl::values(clEnumValN(Emit::Global, "global", "the global program after autodiff"),
                    clEnumValN(Emit::Partitioned, "partitioned",
                               "the per-rank program with its collectives"),
                    clEnumValN(Emit::LLVMDialect, "llvm-mlir", "the LLVM dialect module"),
                    clEnumValN(Emit::LLVMIR, "llvm", "LLVM IR"),
                    clEnumValN(Emit::Object, "obj", "an object file"),
                    clEnumValN(Emit::Executable, "exe", "the executable (default)")),
         cl::cat(category));
cl::opt<bool> explain("explain",
                      cl::desc("Print what one rank costs per step (memory, FLOPs, every "
                               "collective with its source line) and stop; with --emit or -o, "
                               "also produce that output into a file"),
                      cl::cat(category));
cl::opt<int64_t> bucketBytes(
    "bucket-bytes",
    cl::desc("Fuse consecutive all_reduces over the same mesh axes into buckets of at most this "
             "many bytes, each one collective (default 262144 = 256 KiB; 0 = no buckets)"),
    cl::value_desc("n"), cl::cat(category));
cl::opt<bool> noShardUpdates(
    "no-shard-updates",
    cl::desc("Keep every optimizer update whole on each rank (no reduce_scatter, sliced update "
             "and all_gather of replicated parameters; the same values; more optimizer state)"),
    cl::cat(category));
cl::opt<int64_t> shardUpdateMinBytes(
    "shard-update-min-bytes",
    cl::desc("Shard the optimizer update of a parameter replicated over the axis that sums its "
             "gradient where that saves at least this many bytes of optimizer state per rank "
             "(default 262144 = 256 KiB, so never plain SGD; 0 = every one that can be)"),
    cl::value_desc("n"), cl::cat(category));
cl::opt<bool> noShareUpdates(
    "no-share-updates",
    cl::desc("Keep every SGD weight update as einsum, gradient all_reduce and update pass (no "
             "node-shared parameter updated inside its weight-gradient GEMM; the same values up "
             "to rounding; a gradient buffer per weight)"),
    cl::cat(category));
cl::opt<int64_t> shareUpdateMinBytes(
    "share-update-min-bytes",
    cl::desc("Update a replicated SGD weight in node-shared storage inside its weight-gradient "
             "GEMM where it has at least this many bytes per rank (default 262144 = 256 KiB; "
             "0 = every one that can be)"),
    cl::value_desc("n"), cl::cat(category));
cl::opt<bool> noOverlap(
    "no-overlap",
    cl::desc("Keep all_reduces blocking instead of starting them as soon as their operand is "
             "ready and waiting at their first use (the runtime's communication thread; on "
             "--device cuda with NCCL its communication stream; staged collectives block)"),
    cl::cat(category));
cl::opt<bool> noFuseAttention(
    "no-fuse-attention",
    cl::desc("Keep attention chains (einsum, causal_mask, softmax, dropout, einsum) as separate "
             "ops instead of one fused meshc.attention (the same values; more memory)"),
    cl::cat(category));
cl::opt<bool>
    remat("remat",
          cl::desc("Recompute cheap forward activations (elementwise, gelu, layer norm, softmax, "
                   "dropout, ...) right before their backward use instead of keeping them: less "
                   "activation memory for a little more compute; --explain shows both peaks"),
          cl::cat(category));
cl::opt<bool> noFuseElementwise(
    "no-fuse-elementwise",
    cl::desc("Keep elementwise chains, residual adds before a layer norm (and the layer "
             "norm's adjoint with the residual's) and convolutions with their bias, relu and "
             "bias gradient as separate ops instead of meshc.fused_elementwise / "
             "meshc.add_layer_norm / meshc.layer_norm_grad_add / meshc.conv_bias_act / "
             "meshc.conv_grad_filter_bias (the same values; more passes over memory)"),
    cl::cat(category));
cl::opt<int64_t> maxOpsPerFunction(
    "max-ops-per-function",
    cl::desc("Cut lowered functions longer than this many operations into parts (default "
             "2000; keeps LLVM's code generation linear in program size)"),
    cl::value_desc("n"), cl::cat(category));

/// MLIR's pass timing flags (--mlir-timing, --mlir-timing-display), shown in meshc --help.
void registerTimingOptions() {
  mlir::registerDefaultTimingManagerCLOptions();
  llvm::StringMap<cl::Option *> &all = cl::getRegisteredOptions();
  for (const char *name : {"mlir-timing", "mlir-timing-display"})
    if (cl::Option *option = all.lookup(name))
      option->addCategory(category);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerTimingOptions();
  cl::HideUnrelatedOptions(category);
  static const char *argv0 = argv[0];
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { os << meshc::driver::versionText(argv0); });
  cl::ParseCommandLineOptions(
      argc, argv,
      "meshc: compile a meshc program for a processor mesh and a layout\n\n"
      "  meshc mlp.mlir --mesh b=2,m=2 --layout batch:b,hidden:m -o mlp\n"
      "  mpirun -n 4 ./mlp --steps 100\n"
      "  mpirun -n 4 ./mlp --steps 100 --device cuda    # the same executable on GPUs\n\n"
      "The program is differentiated, checked against the layout, partitioned into the\n"
      "per-rank program with its collectives, lowered to calls into libmeshrt (oneDNN and\n"
      "MPI on CPUs; cuBLAS, CUDA kernels and NCCL with --device cuda) and linked into one\n"
      "executable that every rank runs (./mlp --help lists its flags). The passes are the\n"
      "registered pipelines meshc-partition-pipeline{mesh=... layout=...} and\n"
      "meshc-lower-pipeline, which meshc-opt runs too; --mlir-timing reports the time of each\n"
      "pass and of parsing, code generation and linking.\n\n"
      "It links with the libmeshrt.so of meshc's own installation (<prefix>/<libdir>, or\n"
      "build/lib in the build tree), which the executable finds through its RUNPATH from\n"
      "any directory; MESHC_RUNTIME_DIR names another runtime directory, MESHC_CXX another\n"
      "C++ driver to link with (default c++).\n");

  meshc::driver::Options options;
  options.inputPath = inputPath;
  options.outputPath = outputPath;
  options.outputGiven = outputPath.getNumOccurrences() > 0;
  if (meshSpec.getNumOccurrences())
    options.mesh = meshSpec;
  if (layoutSpec.getNumOccurrences())
    options.layout = layoutSpec;
  options.emit = emit;
  options.emitGiven = emit.getNumOccurrences() > 0;
  options.explain = explain;
  options.argv0 = argv[0];
  options.fuseAttention = !noFuseAttention;
  options.remat = remat;
  options.overlap = !noOverlap;
  options.fuseElementwise = !noFuseElementwise;
  // A byte count given on the command line: 0 or more (what 0 means is the flag's help).
  auto byteCount = [](const cl::opt<int64_t> &flag, const char *zeroMeans,
                      std::optional<int64_t> *out) {
    if (!flag.getNumOccurrences())
      return true;
    if (flag < 0) {
      llvm::errs() << "meshc: error: --" << flag.ArgStr << " must be 0" << zeroMeans
                   << " or positive, not " << flag << "\n";
      return false;
    }
    *out = flag;
    return true;
  };
  options.shardUpdates = !noShardUpdates;
  options.shareUpdates = !noShareUpdates;
  if (!byteCount(bucketBytes, " (no buckets)", &options.bucketBytes) ||
      !byteCount(shardUpdateMinBytes, "", &options.shardUpdateMinBytes) ||
      !byteCount(shareUpdateMinBytes, "", &options.shareUpdateMinBytes))
    return 1;
  if (maxOpsPerFunction.getNumOccurrences()) {
    if (maxOpsPerFunction < 1) {
      llvm::errs() << "meshc: error: --max-ops-per-function must be at least 1, not "
                   << maxOpsPerFunction << "\n";
      return 1;
    }
    options.maxOpsPerFunction = maxOpsPerFunction;
  }
  return meshc::driver::compile(options);
}
