// Internal state of a DSL graph.
//
// What a Graph records while the model is built: its values, the printed ops with
// their locations, the size of each dimension name, and located errors. Ops check
// their operands here and either add an op or record an error.
//
//===----------------------------------------------------------------------===//
#ifndef MESHC_FRONTEND_SRC_GRAPHIMPL_H
#define MESHC_FRONTEND_SRC_GRAPHIMPL_H

#include "meshc/dsl.h"
#include "support/meshspec/MeshSpec.h"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <source_location>
#include <string>
#include <vector>

namespace meshc::dsl::detail {

// The sizes meshc accepts (dialect/IR/Limits.h), which are the runtime's: the DSL refuses what
// meshc would, where the model makes it. The mesh limits are the mesh grammar's
// (support/meshspec); the DSL does not link the dialect, so the others are copies, and
// tests/dialect/LimitsTest.cpp fails when they differ from the compiler's or the runtime's.
constexpr size_t kMaxMeshAxes = meshspec::kMaxAxes;
constexpr int64_t kMaxMeshAxisSize = meshspec::kMaxAxisSize;
constexpr int64_t kMaxMeshRanks = meshspec::kMaxRanks;
constexpr size_t kMaxTensorDims = 16;
constexpr int64_t kMaxI32Index = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxF32Index = int64_t{1} << 24;
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
constexpr int64_t kElementBytes = 4; // f32 and i32

/// What is wrong with a shape's sizes as meshc sees them (more dims than the runtime takes, or
/// an element or byte count that overflows int64), or nothing.
std::optional<std::string> checkSizes(const std::vector<Dim> &dims);
/// "; did you mean 'batch'?" for a close spelling among `candidates`, else "" (as meshc's).
std::string didYouMean(std::string_view name, const std::vector<std::string> &candidates);

/// `file:line:col`, as in compiler diagnostics.
std::string formatLoc(const std::source_location &loc);
/// `loc("file":line:col)`, as MLIR prints a FileLineColLoc.
std::string printLoc(const std::source_location &loc);
/// The location of an op made inside a RematScope: `loc(fused<"meshc.remat">["file":line:col])`,
/// which meshc-remat reads as the mark (dialect/IR/ModuleAttrs.h, isRematMarked).
std::string printRematLoc(const std::source_location &loc);
/// A float attribute value that MLIR parses as f64: always with `.` or an exponent.
std::string printFloat(double value);
/// A string literal in MLIR syntax.
std::string printString(std::string_view s);
std::string printType(const std::vector<Dim> &dims, DType dtype);
/// `[batch=256, d_in=1024]`, for messages.
std::string printDims(const std::vector<Dim> &dims);
const char *dtypeName(DType dtype);

bool isIdentifier(std::string_view name);
/// Checks a mesh spec (`b=2,m=2`); returns the axis names, or an error message.
std::optional<std::string> checkMeshSpec(std::string_view spec, std::vector<std::string> &axes);
/// Checks a layout spec (`batch:b,hidden:m`); returns (dim, axis) pairs, or an error.
std::optional<std::string> checkLayoutSpec(std::string_view spec,
                                           std::vector<std::pair<std::string, std::string>> &map);

struct GraphImpl {
  struct Value {
    std::string ssa; // without '%'
    std::vector<Dim> dims;
    DType dtype;
  };
  struct Op {
    std::string text; // the op without its location
    std::source_location loc;
    bool remat = false; // made inside a RematScope: its location carries the mark
  };
  struct Spec {
    std::string text;
    std::source_location loc;
  };

  GraphImpl(Graph *self, std::string_view name, std::source_location loc)
      : self(self), name(name), loc(loc) {}

  void error(const std::source_location &at, const std::string &message);

  /// Checks names and sizes of `shape` against the graph, and that no name appears
  /// twice in it (`what` names the shape in messages). Records errors; false on any.
  bool checkShape(const std::vector<Dim> &shape, const std::source_location &at,
                  const std::string &what);
  bool checkDim(const Dim &dim, const std::source_location &at);

  /// Checks that the operands are values of one graph; returns it, or null when an
  /// operand is a placeholder (an earlier error) or the operands are mixed up (an
  /// error recorded here). Operands that are all default-constructed give null too:
  /// there is no graph to tell, and the first op that meets a graph reports them.
  static GraphImpl *common(const std::vector<const Tensor *> &operands, const char *op,
                           const std::source_location &at);
  /// Records an error, and checks that `t` is f32; false when it is not.
  bool expectF32(const Tensor &t, const char *what, const std::source_location &at);

  Tensor placeholder(std::vector<Dim> dims, DType dtype) {
    return Tensor(self, -1, std::move(dims), dtype);
  }
  /// Adds a value; `ssa` empty means a fresh number. `text` is the op after `%name = `.
  /// A result whose sizes meshc would refuse (checkSizes) is a located error and a placeholder.
  Tensor add(std::string ssa, std::vector<Dim> dims, DType dtype, const std::string &text,
             const std::source_location &at);
  const std::string &ssa(const Tensor &t) const { return values[t.id()].ssa; }

  /// Records `meshc.minimize` of `loss` (or errors); `display` names the optimizer in
  /// messages, `extraAttrs` (", beta1 = 0.9, ...") follow the learning rate.
  void minimize(const Tensor &loss, const char *optimizer, const char *display, double learningRate,
                const std::string &extraAttrs, const std::source_location &loc);

  /// Errors that need the whole graph (mesh against layout, metrics and outputs against the
  /// sample dim).
  std::vector<std::string> finalErrors() const;
  /// Metrics and outputs whose first dim is not the inputs' sample dim (EvalOps.cpp).
  std::vector<std::string> perSampleErrors() const;
  std::string print() const;

  Graph *self;
  std::string name;
  std::source_location loc;
  std::vector<Value> values;
  std::vector<Op> ops;
  int nextNumber = 0;
  std::map<std::string, std::pair<int64_t, std::source_location>> dimSizes;
  std::map<std::string, std::source_location> valueNames;
  std::set<std::string> badDims; // `name=size` of bad dims already reported
  std::optional<std::source_location> minimized;
  int rematScopes = 0;        // RematScopes alive: ops made now are marked for meshc-remat
  int64_t nextDropoutKey = 0; // dropout ops get keys 0, 1, ... in graph order
  std::optional<Spec> mesh, layout;
  /// The first input's first dim (the sample dim) and that input's name.
  std::optional<std::pair<std::string, std::string>> sampleDim;
  /// Metrics and outputs (g.metric, g.output): what they are, name, first dim, where.
  struct PerSample {
    std::string what, name, firstDim;
    std::source_location loc;
  };
  std::vector<PerSample> perSample;
  std::vector<std::string> errors;
};

/// Claims `name` for an input, param, metric or output (`what`): an identifier used by no other
/// of them. Records an error and returns false otherwise.
bool claimName(GraphImpl &g, std::string_view name, const char *what,
               const std::source_location &loc);

/// The result of an op that could not be built: in the operands' graph when they have one,
/// so that later ops stay quiet about it.
Tensor placeholder(const std::vector<const Tensor *> &operands, std::vector<Dim> dims, DType dtype);
/// `%a, %b`
std::string operandList(GraphImpl &g, const std::vector<const Tensor *> &operands);
/// `T1, T2 -> T3`
std::string signature(const std::vector<const Tensor *> &operands, const std::vector<Dim> &dims,
                      DType dtype);
/// `meshc.<mnemonic>` of two f32 operands broadcast by name, as `+` (Ops.cpp): the result has
/// the lhs dims, then the rhs dims the lhs lacks; `symbol` names the op in messages.
Tensor broadcastingBinary(const char *mnemonic, const char *symbol, const LocatedTensor &lhs,
                          const Tensor &rhs);

} // namespace meshc::dsl::detail

#endif // MESHC_FRONTEND_SRC_GRAPHIMPL_H
