// The meshc driver as a library (see Driver.h): reads a global meshc program, applies
// --mesh/--layout, runs the registered pipelines (meshc-partition-pipeline,
// meshc-lower-pipeline), reports (--explain), emits and links one SPMD executable.
#include "Driver.h"

#include "dialect/Analysis/CostReport.h"
#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"
#include "dialect/Transforms/Passes.h"
#include "lowering/Passes.h"
#include "lowering/Target/Link.h"
#include "lowering/Target/ObjectFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace meshc::driver {
namespace {

/// Prints each diagnostic as one line: `location: error: message`.
void printDiagnostic(Diagnostic &diagnostic) {
  llvm::raw_ostream &os = llvm::errs();
  Location loc = diagnostic.getLocation();
  std::string where;
  llvm::raw_string_ostream whereStream(where);
  if (auto file = llvm::dyn_cast<FileLineColLoc>(loc))
    whereStream << file.getFilename().getValue() << ":" << file.getLine() << ":"
                << file.getColumn();
  else if (auto fused = llvm::dyn_cast<FusedLoc>(loc);
           fused && !fused.getLocations().empty() &&
           llvm::isa<FileLineColLoc>(fused.getLocations().front())) {
    auto first = llvm::cast<FileLineColLoc>(fused.getLocations().front());
    whereStream << first.getFilename().getValue() << ":" << first.getLine() << ":"
                << first.getColumn();
  } else
    whereStream << "meshc";
  const char *severity = diagnostic.getSeverity() == DiagnosticSeverity::Error     ? "error"
                         : diagnostic.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                                                   : "note";
  os << where << ": " << severity << ": " << diagnostic.str() << "\n";
  for (Diagnostic &note : diagnostic.getNotes())
    printDiagnostic(note);
}

int fail(const llvm::Twine &message) {
  llvm::errs() << "meshc: error: " << message << "\n";
  return 1;
}

/// Whether the input is C++ source (a model file given instead of what its generator prints):
/// by its extension, or by an `#include` line, which no MLIR file has.
bool isCxxSource(llvm::StringRef path, llvm::StringRef text) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  for (llvm::StringRef cxx : {".cpp", ".cc", ".cxx", ".c++", ".C", ".h", ".hh", ".hpp", ".hxx"})
    if (ext == cxx)
      return true;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  return llvm::any_of(lines, [](llvm::StringRef line) {
    line = line.ltrim();
    if (!line.consume_front("#"))
      return false;
    line = line.ltrim();
    return line.consume_front("include") &&
           (line.ltrim().starts_with("<") || line.ltrim().starts_with("\""));
  });
}

/// What the executable will allocate: the sizes of the meshrt_alloc and meshrt_alloc_shared calls
/// (a node-shared weight counts on every rank that maps it, as the runtime's --stats counts it)
/// in the meshc_init of a lowered copy of `module`; -1 if it cannot be lowered (the report then
/// goes without it).
int64_t allocatedBytes(ModuleOp module) {
  OwningOpRef<ModuleOp> copy = module.clone();
  MLIRContext *context = module.getContext();
  ScopedDiagnosticHandler quiet(context, [](Diagnostic &) { return success(); });
  PassManager lower(context);
  lower.addPass(createLowerToLLVM());
  if (failed(lower.run(*copy)))
    return -1;
  int64_t total = 0;
  bool known = true;
  copy->walk([&](LLVM::CallOp call) {
    const bool alloc = call.getCallee() == "meshrt_alloc" && call.getNumOperands() == 2;
    const bool shared = call.getCallee() == "meshrt_alloc_shared" && call.getNumOperands() == 3;
    if (!alloc && !shared)
      return;
    llvm::APInt bytes;
    if (!matchPattern(call.getOperand(1), m_ConstantInt(&bytes)) ||
        llvm::AddOverflow(total, bytes.getSExtValue(), total))
      known = false;
  });
  return known ? total : -1;
}

/// Writes `module` as text to the output (stdout when -o is absent or "-"), ending in a newline
/// as meshc-opt's output does, so that the two compare equal.
int printModule(ModuleOp module, const Options &options) {
  std::string error;
  std::string path = options.outputPath.empty() ? std::string("-") : options.outputPath;
  auto file = openOutputFile(path, &error);
  if (!file)
    return fail(error);
  module.print(file->os());
  file->os() << "\n";
  file->keep();
  return 0;
}

/// Reads and parses the program; null (after printing why) when it cannot.
OwningOpRef<ModuleOp> loadProgram(const Options &options, MLIRContext &context) {
  std::string error;
  auto file = openInputFile(options.inputPath, &error);
  if (!file) {
    fail(error);
    return nullptr;
  }
  if (isCxxSource(options.inputPath, file->getBuffer())) {
    llvm::StringRef stem = llvm::sys::path::stem(options.inputPath);
    fail(options.inputPath +
         " is C++ source (a model generator), not a meshc program: compile it with the DSL "
         "library (libmeshc_frontend) and run it to print the program (./" +
         stem + "_gen -o " + stem + ".mlir), or use meshc_add_model() in CMake");
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

/// The checked --mesh/--layout as the partition pipeline's options; false (after printing
/// the flag's problem) when one is invalid.
bool meshLayoutOverride(const Options &options, MLIRContext &context,
                        MeshLayoutOverride &override) {
  std::string error;
  if (options.mesh) {
    MeshAttr mesh = parseMeshSpec(&context, *options.mesh, error);
    if (!mesh)
      return fail("--mesh: " + error), false;
    override.mesh = mesh.getSpec();
  }
  if (options.layout) {
    LayoutAttr layout = parseLayoutSpec(&context, *options.layout, error);
    if (!layout)
      return fail("--layout: " + error), false;
    override.layout = layout.getSpec();
  }
  return true;
}

/// The flag combinations and output paths that would fail only after the whole compile (for an
/// executable, with the linker's lines): said first. Returns the exit code, or nullopt.
std::optional<int> checkOutputFlags(const Options &options) {
  // --explain reports on the partitioned program and prints to stdout; it produces something
  // else only when asked to with --emit or -o, which must then not print to stdout too.
  const bool emitGiven = options.emitGiven || options.outputGiven;
  const std::string &out = options.outputPath;
  if (options.explain && emitGiven) {
    if (options.emit == Emit::Global)
      return fail("--explain reports on the partitioned program; it cannot be combined with "
                  "--emit=global");
    bool textToStdout =
        out.empty() && (options.emit == Emit::Partitioned || options.emit == Emit::LLVMDialect);
    if (textToStdout || out == "-")
      return fail("--explain prints to stdout; give -o FILE for the --emit output");
  }
  if (!out.empty() && out != "-") {
    llvm::StringRef dir = llvm::sys::path::parent_path(out);
    if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("-o " + out + ": directory '" + dir + "' does not exist");
    if (llvm::sys::fs::is_directory(out))
      return fail("-o " + out + ": is a directory; give a file name");
  }
  if (out == "-" && options.emit == Emit::Executable)
    return fail("-o -: an executable cannot be written to stdout; give a file name");
  return std::nullopt;
}

/// True when the program asks for rematerialisation: --remat, or ops the DSL marked.
bool wantsRemat(ModuleOp module, const Options &options) {
  if (options.remat)
    return true;
  bool marked = false;
  module.walk([&](Operation *op) { marked |= isRematMarked(op); });
  return marked;
}

/// For --explain with remat: the activation peak and liveness bound of the same program
/// partitioned without remat (`input`, a copy taken before the pipeline, its marks dropped),
/// so that the report shows what remat saves. Run after the real pipeline succeeded, so that it
/// has no diagnostics of its own to print.
std::optional<std::pair<int64_t, int64_t>>
peakWithoutRemat(ModuleOp input, const MeshLayoutOverride &override,
                 const OptimizeCommunicationOptions &communication, GlobalPipelineOptions global,
                 const std::optional<ShardUpdatesOptions> &sharding,
                 const std::optional<ShareUpdatesOptions> &sharing) {
  input.walk([](Operation *op) {
    op->removeAttr(kRematAttrName);
    if (isRematMarked(op)) // the DSL's mark: the location without it
      op->setLoc(
          FusedLoc::get(op->getContext(), llvm::cast<FusedLoc>(op->getLoc()).getLocations()));
  });
  global.remat = false;
  PassManager pm(input.getContext());
  buildPartitionPipeline(pm, override, communication, global, sharding, sharing);
  CostReport report;
  if (failed(pm.run(input)) || failed(computeCostReport(input, report)))
    return std::nullopt;
  return std::make_pair(report.activationBytes, report.liveBoundBytes);
}

/// --explain: prints what one rank costs per step. Returns the exit code, or nullopt to go on.
std::optional<int> explain(ModuleOp module, const Options &options, TimingScope &timing,
                           std::optional<std::pair<int64_t, int64_t>> withoutRemat) {
  TimingScope scope = timing.nest("cost report (--explain)");
  CostReport report;
  if (failed(computeCostReport(module, report)))
    return 1;
  report.allocatedBytes = allocatedBytes(module);
  if (withoutRemat)
    std::tie(report.activationBytesWithoutRemat, report.liveBoundBytesWithoutRemat) = *withoutRemat;
  printCostReport(report, llvm::outs());
  llvm::outs().flush();
  if (!options.emitGiven && !options.outputGiven)
    return 0;
  return std::nullopt;
}

/// Lowers the per-rank program (meshc-lower-pipeline) and writes what --emit asks for.
int lowerAndEmit(ModuleOp module, const Options &options, TimingScope &timing) {
  std::string programName = "program";
  for (auto func : module.getOps<func::FuncOp>())
    programName = func.getSymName().str();
  PassManager lower(module.getContext());
  lower.enableTiming(timing);
  if (options.maxOpsPerFunction)
    buildLowerPipeline(lower, *options.maxOpsPerFunction);
  else
    buildLowerPipeline(lower);
  if (failed(lower.run(module)))
    return 1;
  if (options.emit == Emit::LLVMDialect)
    return printModule(module, options);

  std::string error;
  std::string output = options.outputPath.empty() ? programName : options.outputPath;
  if (options.emit == Emit::LLVMIR || options.emit == Emit::Object) {
    TimingScope scope = timing.nest("translate to LLVM IR and generate code");
    if (failed(emitNativeCode(module, output, options.emit == Emit::LLVMIR, error)))
      return fail(error);
    return 0;
  }
  // The runtime that belongs to this meshc: found relative to its executable (see Link.h).
  static int addressInMeshc;
  std::string runtimeDir = findRuntimeLibraryDir(
      llvm::sys::fs::getMainExecutable(options.argv0.c_str(), &addressInMeshc), error);
  if (runtimeDir.empty())
    return fail(error);
  llvm::SmallString<128> object;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("meshc", "o", object))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeObject(object);
  TimingScope codegen = timing.nest("translate to LLVM IR and generate code");
  if (failed(emitNativeCode(module, object, /*asText=*/false, error)))
    return fail(error);
  codegen.stop();
  TimingScope link = timing.nest("link");
  if (failed(linkExecutable(object, output, runtimeDir, error)))
    return fail(error);
  return 0;
}

} // namespace

int compile(const Options &options) {
  DialectRegistry registry;
  registry.insert<MeshcDialect, func::FuncDialect, LLVM::LLVMDialect>();
  registerLLVMTranslations(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diagnostic) {
    printDiagnostic(diagnostic);
    return success();
  });
  // --mlir-timing: one report for the whole compile, the passes nested under the root.
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();

  TimingScope parsing = timing.nest("parse");
  OwningOpRef<ModuleOp> module = loadProgram(options, context);
  parsing.stop();
  if (!module)
    return 1;
  MeshLayoutOverride override;
  if (!meshLayoutOverride(options, context, override))
    return 1;
  if (std::optional<int> code = checkOutputFlags(options))
    return *code;

  PassManager pm(&context);
  pm.enableTiming(timing);
  GlobalPipelineOptions global;
  global.fuseAttention = options.fuseAttention;
  global.remat = options.remat;
  global.fuseElementwise = options.fuseElementwise;
  OptimizeCommunicationOptions communication;
  if (options.bucketBytes)
    communication.bucketBytes = *options.bucketBytes;
  communication.overlap = options.overlap;
  std::optional<ShardUpdatesOptions> sharding;
  if (options.shardUpdates) {
    sharding.emplace();
    if (options.shardUpdateMinBytes)
      sharding->minBytes = *options.shardUpdateMinBytes;
  }
  std::optional<ShareUpdatesOptions> sharing;
  if (options.shareUpdates) {
    sharing.emplace();
    if (options.shareUpdateMinBytes)
      sharing->minBytes = *options.shareUpdateMinBytes;
  }
  if (options.emit == Emit::Global)
    buildGlobalPipeline(pm, override, global);
  else
    buildPartitionPipeline(pm, override, communication, global, sharding, sharing);
  // --explain of a program with remat also partitions a copy without it (peakWithoutRemat).
  OwningOpRef<ModuleOp> withoutRematCopy;
  if (options.explain && options.emit != Emit::Global && wantsRemat(*module, options))
    withoutRematCopy = module->clone();
  if (failed(pm.run(*module)))
    return 1;
  if (options.explain) {
    std::optional<std::pair<int64_t, int64_t>> withoutRemat;
    if (withoutRematCopy) {
      TimingScope scope = timing.nest("partition without remat (--explain)");
      withoutRemat =
          peakWithoutRemat(*withoutRematCopy, override, communication, global, sharding, sharing);
    }
    if (std::optional<int> code = explain(*module, options, timing, withoutRemat))
      return *code;
  }
  if (options.emit == Emit::Global || options.emit == Emit::Partitioned) {
    TimingScope output = timing.nest("output");
    return printModule(*module, options);
  }
  return lowerAndEmit(*module, options, timing);
}

std::string versionText(const std::string &argv0) {
  static int addressInMeshc;
  std::string error;
  std::string runtimeDir = findRuntimeLibraryDir(
      llvm::sys::fs::getMainExecutable(argv0.c_str(), &addressInMeshc), error);
  return std::string("meshc " MESHC_VERSION " (LLVM/MLIR " LLVM_VERSION_STRING ")\n") +
         "runtime: " + (runtimeDir.empty() ? error : runtimeDir) + "\n";
}

} // namespace meshc::driver
