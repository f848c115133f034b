// meshc: the compiler driver. Reads a global meshc program (as written by the DSL), applies
// --mesh/--layout, differentiates, partitions, lowers and links one SPMD executable.
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
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { Global, Partitioned, LLVMDialect, LLVMIR, Object, Executable };

cl::OptionCategory category("meshc options");
cl::opt<std::string> inputPath(cl::Positional, cl::desc("<program.mlir>"), cl::Required,
                               cl::cat(category));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: the program's name)"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> meshSpec("mesh", cl::desc("Processor mesh, e.g. b=2,m=2 (overrides the "
                                               "program's)"),
                              cl::value_desc("axis=size,..."), cl::cat(category));
cl::opt<std::string> layoutSpec("layout",
                                cl::desc("Layout, e.g. batch:b,hidden:m (overrides the "
                                         "program's; \"\" = all replicated)"),
                                cl::value_desc("dim:axis,..."), cl::cat(category));
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::Executable),
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

/// What the executable will allocate: the sizes of the meshrt_alloc calls in the meshc_init of
/// a lowered copy of `module`; -1 if it cannot be lowered (the report then goes without it).
int64_t allocatedBytes(ModuleOp module) {
  OwningOpRef<ModuleOp> copy = module.clone();
  MLIRContext *context = module.getContext();
  ScopedDiagnosticHandler quiet(context, [](Diagnostic &) { return success(); });
  PassManager lower(context);
  lower.addPass(meshc::createLowerToLLVM());
  if (failed(lower.run(*copy)))
    return -1;
  int64_t total = 0;
  bool known = true;
  copy->walk([&](LLVM::CallOp call) {
    if (call.getCallee() != "meshrt_alloc" || call.getNumOperands() != 2)
      return;
    llvm::APInt bytes;
    if (!matchPattern(call.getOperand(1), m_ConstantInt(&bytes)) ||
        llvm::AddOverflow(total, bytes.getSExtValue(), total))
      known = false;
  });
  return known ? total : -1;
}

/// Writes `module` as text to the output (stdout when -o is absent or "-").
int printModule(ModuleOp module) {
  std::string error;
  std::string path = outputPath.empty() ? std::string("-") : std::string(outputPath);
  auto file = openOutputFile(path, &error);
  if (!file)
    return fail(error);
  module.print(file->os());
  file->keep();
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  static const char *argv0 = argv[0];
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    static int addressInMeshc;
    std::string error;
    std::string runtimeDir = meshc::findRuntimeLibraryDir(
        llvm::sys::fs::getMainExecutable(argv0, &addressInMeshc), error);
    os << "meshc " MESHC_VERSION " (LLVM/MLIR " LLVM_VERSION_STRING ")\n"
       << "runtime: " << (runtimeDir.empty() ? error : runtimeDir) << "\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "meshc: compile a meshc program for a processor mesh and a layout\n\n"
      "  meshc mlp.mlir --mesh b=2,m=2 --layout batch:b,hidden:m -o mlp\n"
      "  mpirun -n 4 ./mlp --steps 100\n"
      "  mpirun -n 4 ./mlp --steps 100 --device cuda    # the same executable on GPUs\n\n"
      "The program is differentiated, checked against the layout, partitioned into the\n"
      "per-rank program with its collectives, lowered to calls into libmeshrt (oneDNN and\n"
      "MPI on CPUs; cuBLAS, CUDA kernels and NCCL with --device cuda) and linked into one\n"
      "executable that every rank runs (./mlp --help lists its flags).\n\n"
      "It links with the libmeshrt.so of meshc's own installation (<prefix>/<libdir>, or\n"
      "build/lib in the build tree), which the executable finds through its RUNPATH from\n"
      "any directory; MESHC_RUNTIME_DIR names another runtime directory, MESHC_CXX another\n"
      "C++ driver to link with (default c++).\n");

  DialectRegistry registry;
  registry.insert<meshc::MeshcDialect, func::FuncDialect, LLVM::LLVMDialect>();
  meshc::registerLLVMTranslations(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diagnostic) {
    printDiagnostic(diagnostic);
    return success();
  });

  std::string error;
  auto file = openInputFile(inputPath, &error);
  if (!file)
    return fail(error);
  if (isCxxSource(inputPath, file->getBuffer())) {
    llvm::StringRef stem = llvm::sys::path::stem(inputPath);
    return fail(inputPath +
                " is C++ source (a model generator), not a meshc program: compile "
                "it with the DSL library (libmeshc_frontend) and run it to print the program ("
                "./" +
                stem + "_gen -o " + stem + ".mlir), or use meshc_add_model() in CMake");
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  if (meshSpec.getNumOccurrences()) {
    meshc::MeshAttr mesh = meshc::parseMeshSpec(&context, meshSpec, error);
    if (!mesh)
      return fail("--mesh: " + error);
    meshc::setMesh(*module, mesh);
  }
  if (layoutSpec.getNumOccurrences()) {
    meshc::LayoutAttr layout = meshc::parseLayoutSpec(&context, layoutSpec, error);
    if (!layout)
      return fail("--layout: " + error);
    meshc::setLayout(*module, layout);
  }

  // --explain reports on the partitioned program and prints to stdout; it produces something
  // else only when asked to with --emit or -o, which must then not print to stdout too.
  const bool emitGiven = emit.getNumOccurrences() > 0 || outputPath.getNumOccurrences() > 0;
  if (explain && emitGiven) {
    if (emit == Emit::Global)
      return fail("--explain reports on the partitioned program; it cannot be combined with "
                  "--emit=global");
    bool textToStdout = outputPath.empty() && (emit == Emit::Partitioned ||
                                               emit == Emit::LLVMDialect);
    if (textToStdout || outputPath == "-")
      return fail("--explain prints to stdout; give -o FILE for the --emit output");
  }

  // A bad output path would fail only after the whole compile (and, for an executable, with
  // the linker's lines): say so first.
  if (!outputPath.empty() && outputPath != "-") {
    llvm::StringRef dir = llvm::sys::path::parent_path(outputPath);
    if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("-o " + outputPath + ": directory '" + dir + "' does not exist");
    if (llvm::sys::fs::is_directory(outputPath))
      return fail("-o " + outputPath + ": is a directory; give a file name");
  }
  if (outputPath == "-" && emit == Emit::Executable)
    return fail("-o -: an executable cannot be written to stdout; give a file name");

  PassManager pm(&context);
  if (emit == Emit::Global) {
    pm.addPass(meshc::createCheckProgram());
    pm.addPass(meshc::createAutodiff());
    pm.addPass(meshc::createDecompose());
  } else {
    meshc::buildPartitionPipeline(pm);
  }
  if (failed(pm.run(*module)))
    return 1;
  if (explain) {
    meshc::CostReport report;
    if (failed(meshc::computeCostReport(*module, report)))
      return 1;
    report.allocatedBytes = allocatedBytes(*module);
    meshc::printCostReport(report, llvm::outs());
    llvm::outs().flush();
    if (!emitGiven)
      return 0;
  }
  if (emit == Emit::Global || emit == Emit::Partitioned)
    return printModule(*module);

  std::string programName = "program";
  for (auto func : module->getOps<func::FuncOp>())
    programName = func.getSymName().str();
  PassManager lower(&context);
  lower.addPass(meshc::createLowerToLLVM());
  if (failed(lower.run(*module)))
    return 1;
  if (emit == Emit::LLVMDialect)
    return printModule(*module);

  std::string output = outputPath.empty() ? programName : std::string(outputPath);
  if (emit == Emit::LLVMIR || emit == Emit::Object) {
    if (failed(meshc::emitNativeCode(*module, output, emit == Emit::LLVMIR, error)))
      return fail(error);
    return 0;
  }
  // The runtime that belongs to this meshc: found relative to its executable (see Link.h).
  static int addressInMeshc;
  std::string runtimeDir = meshc::findRuntimeLibraryDir(
      llvm::sys::fs::getMainExecutable(argv[0], &addressInMeshc), error);
  if (runtimeDir.empty())
    return fail(error);
  llvm::SmallString<128> object;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("meshc", "o", object))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeObject(object);
  if (failed(meshc::emitNativeCode(*module, object, /*asText=*/false, error)) ||
      failed(meshc::linkExecutable(object, output, runtimeDir, error)))
    return fail(error);
  return 0;
}
