// The meshc driver as a library: what `meshc` does with its parsed flags (read the program,
// apply --mesh/--layout, run the registered partition and lowering pipelines, report, emit,
// link). tools/meshc/meshc.cpp is only the command line over it.
#ifndef MESHC_TOOLS_MESHC_DRIVER_H
#define MESHC_TOOLS_MESHC_DRIVER_H

#include <cstdint>
#include <optional>
#include <string>

namespace meshc::driver {

enum class Emit { Global, Partitioned, LLVMDialect, LLVMIR, Object, Executable };

struct Options {
  std::string inputPath;
  /// -o; "" = the default (stdout for text, the program's name for files), "-" = stdout.
  std::string outputPath;
  bool outputGiven = false;
  /// --mesh/--layout: replace the program's (nullopt: keep the program's).
  std::optional<std::string> mesh;
  std::optional<std::string> layout;
  Emit emit = Emit::Executable;
  bool emitGiven = false;
  bool explain = false;
  /// --bucket-bytes: meshc-optimize-communication's bucket-bytes (nullopt: its default).
  std::optional<int64_t> bucketBytes;
  /// false with --no-shard-updates: meshc-shard-updates does not run.
  bool shardUpdates = true;
  /// --shard-update-min-bytes: meshc-shard-updates' min-bytes (nullopt: its default).
  std::optional<int64_t> shardUpdateMinBytes;
  /// false with --no-share-updates: meshc-share-updates does not run.
  bool shareUpdates = true;
  /// --share-update-min-bytes: meshc-share-updates' min-bytes (nullopt: its default).
  std::optional<int64_t> shareUpdateMinBytes;
  /// false with --no-overlap: all_reduces stay blocking (meshc-optimize-communication).
  bool overlap = true;
  /// false with --no-fuse-attention: attention chains stay unfused.
  bool fuseAttention = true;
  /// --remat: meshc-remat recomputes every cheap forward activation in the backward pass.
  bool remat = false;
  /// false with --no-fuse-elementwise: elementwise chains, add + layer_norm and conv + bias
  /// (+ relu, + bias gradient) stay unfused.
  bool fuseElementwise = true;
  /// --max-ops-per-function: meshc-lower-pipeline's max-ops (nullopt: its default).
  std::optional<int64_t> maxOpsPerFunction;
  /// The meshc executable (argv[0]), where the runtime library is looked up from.
  std::string argv0;
};

/// Compiles as `meshc` does; prints diagnostics as one line each (`file:line:col: error: ...`)
/// and returns the exit code (0 on success). Pass timing (`--mlir-timing`, MLIR's
/// DefaultTimingManager command-line options) covers the whole compile.
int compile(const Options &options);

/// `meshc --version`'s text.
std::string versionText(const std::string &argv0);

} // namespace meshc::driver

#endif // MESHC_TOOLS_MESHC_DRIVER_H
