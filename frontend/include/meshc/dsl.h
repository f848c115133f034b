// The meshc model-description DSL.
//
// A model is written once with named dimensions, in C++ that reads like the math:
//
//   Graph g("mlp");
//   Dim batch{"batch", 256}, in{"d_in", 1024}, hidden{"hidden", 4096};
//   Tensor x = g.input("x", {batch, in}, Data::features(cls));
//   Tensor w1 = g.param("w1", {in, hidden}, Init::glorot());
//   Tensor h = relu(einsum({x, w1}, {batch, hidden}) + b1);
//   g.minimize(mean(softmax_cross_entropy(logits, y, cls)), SGD{0.1});
//   return g.emit(argc, argv);
//
// The DSL does not link MLIR: `emit` prints the textual IR of docs/IR.md, and every op
// carries the source location of the DSL call that made it. Mistakes are recorded as
// located one-line errors while the graph is built (the op returns a placeholder so
// construction goes on), and `emit` reports them all instead of printing IR.
//
//===----------------------------------------------------------------------===//
#ifndef MESHC_DSL_H
#define MESHC_DSL_H

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshc::dsl {

/// A named dimension with its global size. A name means one size in a graph.
struct Dim {
  std::string name;
  int64_t size = 0;
};
bool operator==(const Dim &a, const Dim &b);
inline bool operator!=(const Dim &a, const Dim &b) { return !(a == b); }

enum class DType { F32, I32 };

/// How an input is fed: features (f32) or labels (i32) of a `classes`-way task.
struct Data {
  std::string kind;
  Dim classes;
  DType dtype = DType::F32;
  static Data features(const Dim &classes) { return {"features", classes, DType::F32}; }
  static Data labels(const Dim &classes) { return {"labels", classes, DType::I32}; }
};

/// How a parameter is initialised. Glorot is resolved to `uniform` with
/// scale sqrt(6 / (fan_in + fan_out)) once the shape is known.
struct Init {
  enum class Kind { Glorot, Uniform, Normal, Zeros, Constant };
  Kind kind = Kind::Zeros;
  double value = 0.0;
  static Init glorot() { return {Kind::Glorot, 0.0}; }
  static Init uniform(double scale) { return {Kind::Uniform, scale}; }
  static Init normal(double stddev) { return {Kind::Normal, stddev}; }
  static Init zeros() { return {Kind::Zeros, 0.0}; }
  static Init constant(double value) { return {Kind::Constant, value}; }
};

/// sqrt(6 / (fan_in + fan_out)): fan_out is the last dim's size, fan_in the product
/// of the others (1 for none).
double glorotScale(const std::vector<Dim> &shape);

/// Every optimizer's `clipNorm` (0: off): before any update, the gradients are scaled together
/// so that the norm of the whole global gradient is at most clipNorm (the same in every layout).
/// The learning rate is scaled at run time by the executable's --lr-* schedule flags.
struct SGD {
  double learningRate = 0.1;
  double clipNorm = 0.0;
};
/// Adam (Kingma & Ba) with bias correction; its m and v live in the parameters' layouts.
/// weightDecay > 0 is AdamW (Loshchilov & Hutter): param -= lr (adam step + weightDecay param).
struct Adam {
  double learningRate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weightDecay = 0.0;
  double clipNorm = 0.0;
};
/// Heavy-ball momentum: velocity = momentum * velocity + grad; param -= lr * velocity.
struct Momentum {
  double learningRate = 0.1;
  double momentum = 0.9;
  double clipNorm = 0.0;
};

class Graph;
namespace detail {
struct GraphImpl;
}

/// A value of a graph: a small handle (graph, SSA id, dims, element type).
/// A default-constructed Tensor, or one returned by an op that reported an error,
/// is a placeholder (`valid()` is false); ops on placeholders report nothing more.
class Tensor {
public:
  Tensor() = default;

  Graph *graph() const { return graph_; }
  int id() const { return id_; }
  const std::vector<Dim> &dims() const { return dims_; }
  DType dtype() const { return dtype_; }
  bool valid() const { return graph_ != nullptr && id_ >= 0; }
  bool isScalar() const { return dims_.empty(); }
  bool has(std::string_view dimName) const;
  /// The IR type, e.g. `!meshc.tensor<batch=256, d_in=1024, f32>`.
  std::string type() const;

private:
  friend struct detail::GraphImpl;
  Tensor(Graph *graph, int id, std::vector<Dim> dims, DType dtype)
      : graph_(graph), id_(id), dims_(std::move(dims)), dtype_(dtype) {}

  Graph *graph_ = nullptr;
  int id_ = -1;
  std::vector<Dim> dims_;
  DType dtype_ = DType::F32;
};

/// A value with the source location of the expression it appears in; lets binary
/// operators, which cannot take a defaulted location argument, locate their op.
struct LocatedTensor {
  LocatedTensor(const Tensor &t, std::source_location loc = std::source_location::current())
      : tensor(t), loc(loc) {}
  const Tensor &tensor;
  std::source_location loc;
};

/// Command-line flags of a model generator: the model reads its own flags
/// (`--batch 64` or `--batch=64`), and `Graph::emit` takes the rest (`-o FILE`, `--help`,
/// which lists every flag the model read with its default). Reading a flag twice gives the
/// same value.
class Args {
public:
  Args(int argc, char **argv);
  explicit Args(std::vector<std::string> args);

  int64_t integer(std::string_view flag, int64_t fallback);
  double number(std::string_view flag, double fallback);
  std::string string(std::string_view flag, std::string_view fallback);

  /// A flag the model read: its name, the kind of value (N, X or S) and its default.
  struct Flag {
    std::string name, kind, fallback;
  };
  /// The flags read so far, in the order the model first read them.
  const std::vector<Flag> &flags() const { return flags_; }
  /// The generator's name (argv[0] without its directory), or "" when not given.
  const std::string &program() const { return program_; }

  /// Arguments not taken by the getters above, in order.
  std::vector<std::string> rest() const;
  const std::vector<std::string> &errors() const { return errors_; }

private:
  std::optional<std::string> take(std::string_view flag, const char *kind, std::string fallback);
  void addError(std::string message);

  std::string program_;
  std::vector<std::string> args_;
  std::vector<bool> taken_;
  std::vector<Flag> flags_;
  std::vector<std::optional<std::string>> values_; // per flag in flags_
  std::vector<std::string> errors_;
};

/// One training step under construction: inputs, parameters, ops, a loss.
/// Tensors point at their graph, so a Graph neither copies nor moves.
class Graph {
public:
  explicit Graph(std::string_view name, std::source_location loc = std::source_location::current());
  ~Graph();
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;

  Tensor input(std::string_view name, std::vector<Dim> shape, const Data &data,
               std::source_location loc = std::source_location::current());
  Tensor param(std::string_view name, std::vector<Dim> shape, const Init &init,
               std::source_location loc = std::source_location::current());
  void minimize(const Tensor &loss, const SGD &optimizer,
                std::source_location loc = std::source_location::current());
  void minimize(const Tensor &loss, const Adam &optimizer,
                std::source_location loc = std::source_location::current());
  void minimize(const Tensor &loss, const Momentum &optimizer,
                std::source_location loc = std::source_location::current());

  /// A per-sample f32 value (first dim: the inputs' sample dim) that evaluation averages over
  /// every sample and reports as `name` beside the loss, e.g. accuracy:
  /// `g.metric("accuracy", equal(argmax(logits, cls), y))`. Not part of training.
  void metric(std::string_view name, const Tensor &value,
              std::source_location loc = std::source_location::current());
  /// A per-sample value (f32 or i32; first dim: the sample dim) that prediction (`--predict`)
  /// writes for every sample, in sample order, e.g. `g.output("probs", softmax(logits, cls))`.
  void output(std::string_view name, const Tensor &value,
              std::source_location loc = std::source_location::current());

  /// Default mesh (`b=2,m=2`) and layout (`batch:b,hidden:m`) stored in the module;
  /// `meshc --mesh/--layout` override them.
  Graph &mesh(std::string_view spec, std::source_location loc = std::source_location::current());
  Graph &layout(std::string_view spec, std::source_location loc = std::source_location::current());

  const std::string &name() const;
  /// Located one-line errors recorded so far (`file:line:col: error: ...`),
  /// including the checks that need the whole graph.
  std::vector<std::string> errors() const;
  /// The module as text; meaningful only when `errors()` is empty.
  std::string str() const;

  /// Prints the module to stdout, or to FILE after `-o FILE`. With errors (a graph without
  /// `minimize` is one: it would train nothing), prints them to stderr and no IR. `--help`
  /// prints the usage with the flags `args` saw read. Returns the process exit code.
  int emit(int argc, char **argv);
  int emit(const Args &args);
  int emit(const Args &args, std::ostream &out, std::ostream &err);
  int emit(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

  detail::GraphImpl &impl() const { return *impl_; }

private:
  std::unique_ptr<detail::GraphImpl> impl_;
};

/// Rematerialisation of one part of a model: the cheap ops made while a RematScope lives
/// (elementwise, gelu, layer norm, softmax, dropout, ...; not einsum) are recomputed in the
/// backward pass instead of kept from the forward pass, as `meshc --remat` does for the whole
/// program. Less activation memory for a little more compute; `meshc --explain` shows both peaks.
///   { RematScope remat(g); h = block(g, "layer0", h); }
class RematScope {
public:
  explicit RematScope(Graph &g);
  ~RematScope();
  RematScope(const RematScope &) = delete;
  RematScope &operator=(const RematScope &) = delete;

private:
  Graph &graph_;
};

/// Contraction by names: `out` lists the result dims; operand dims absent from it
/// are summed over. One or two operands.
Tensor einsum(const std::vector<Tensor> &operands, const std::vector<Dim> &out,
              std::source_location loc = std::source_location::current());

/// Elementwise with broadcasting by name: the result has the lhs dims, then the
/// rhs dims the lhs lacks.
Tensor operator+(LocatedTensor lhs, const Tensor &rhs);
Tensor operator-(LocatedTensor lhs, const Tensor &rhs);
Tensor operator*(LocatedTensor lhs, const Tensor &rhs);
/// Every element times a constant: `x * (1.0 / 255)`, or scale(x, factor).
Tensor operator*(LocatedTensor lhs, double factor);
Tensor scale(const Tensor &x, double factor,
             std::source_location loc = std::source_location::current());

Tensor relu(const Tensor &x, std::source_location loc = std::source_location::current());

/// Reductions to the dims in `keep` (a scalar when empty).
Tensor sum(const Tensor &x, const std::vector<Dim> &keep = {},
           std::source_location loc = std::source_location::current());
Tensor mean(const Tensor &x, const std::vector<Dim> &keep = {},
            std::source_location loc = std::source_location::current());

/// Per-example loss: logits (f32) with the class dim, labels (i32) with the
/// logits' other dims in the same order; the result has the labels' dims.
Tensor softmax_cross_entropy(const Tensor &logits, const Tensor &labels, const Dim &classes,
                             std::source_location loc = std::source_location::current());

/// 1.0 where a == b, else 0.0 (f32), broadcasting by name like `+`; a and b have one element
/// type, f32 or i32. No gradient flows through it (for metrics such as accuracy).
Tensor equal(const Tensor &a, const Tensor &b,
             std::source_location loc = std::source_location::current());

//===----------------------------------------------------------------------===//
// NN family (frontend/src/NNOps.cpp)
//===----------------------------------------------------------------------===//

/// (x - mean) / sqrt(var + epsilon) over `dim`, for every position of x's other dims.
Tensor layer_norm(const Tensor &x, const Dim &dim, double epsilon = 1e-5,
                  std::source_location loc = std::source_location::current());
/// layer_norm(x, dim) * gamma + beta, gamma and beta broadcast by name (usually [dim]).
Tensor layer_norm(const Tensor &x, const Dim &dim, const Tensor &gamma, const Tensor &beta,
                  double epsilon = 1e-5,
                  std::source_location loc = std::source_location::current());
/// GELU, tanh approximation.
Tensor gelu(const Tensor &x, std::source_location loc = std::source_location::current());
/// Softmax over `dim`.
Tensor softmax(const Tensor &x, const Dim &dim,
               std::source_location loc = std::source_location::current());
/// -1e9 where the (global) position along `key` exceeds the one along `query`; both dims
/// of `scores`, of one size.
Tensor causal_mask(const Tensor &scores, const Dim &query, const Dim &key,
                   std::source_location loc = std::source_location::current());
/// Zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate); the
/// mask depends on --seed, the step, the op and the element's global index only.
Tensor dropout(const Tensor &x, double rate,
               std::source_location loc = std::source_location::current());

//===----------------------------------------------------------------------===//
// Math family (frontend/src/MathOps.cpp): elementwise functions, f32 in and out. Outside a
// function's domain the result is IEEE's (log(0) = -inf, log and sqrt of x < 0 NaN), not an
// error. The binary ones broadcast by name like `+`.
//===----------------------------------------------------------------------===//

/// 1 / (1 + exp(-x)).
Tensor sigmoid(const Tensor &x, std::source_location loc = std::source_location::current());
Tensor tanh(const Tensor &x, std::source_location loc = std::source_location::current());
Tensor exp(const Tensor &x, std::source_location loc = std::source_location::current());
/// Natural logarithm.
Tensor log(const Tensor &x, std::source_location loc = std::source_location::current());
Tensor sqrt(const Tensor &x, std::source_location loc = std::source_location::current());
/// x where x > 0, else alpha * x (alpha finite).
Tensor leaky_relu(const Tensor &x, double alpha = 0.01,
                  std::source_location loc = std::source_location::current());
/// a / b elementwise; `a / b` is the same.
Tensor div(const Tensor &a, const Tensor &b,
           std::source_location loc = std::source_location::current());
Tensor operator/(LocatedTensor lhs, const Tensor &rhs);
/// The larger (smaller) of a and b elementwise; NaN if either is NaN. Where a == b the
/// gradient goes to a, the first operand.
Tensor maximum(const Tensor &a, const Tensor &b,
               std::source_location loc = std::source_location::current());
Tensor minimum(const Tensor &a, const Tensor &b,
               std::source_location loc = std::source_location::current());

//===----------------------------------------------------------------------===//
// Index/Shape family (frontend/src/IndexOps.cpp)
//===----------------------------------------------------------------------===//

/// Rows of `table` (f32, vocabulary dim first) picked by `ids` (i32): the result has the
/// ids' dims, then the table's after the vocabulary; an id outside the vocabulary gives 0.
Tensor embedding(const Tensor &table, const Tensor &ids,
                 std::source_location loc = std::source_location::current());
/// 1.0 at the class each index (i32, or f32 holding integers) names along a new last dim
/// `classes`, else 0; an index outside [0, classes) gives an all-zero row.
Tensor one_hot(const Tensor &indices, const Dim &classes,
               std::source_location loc = std::source_location::current());
/// Position (i32) of the first maximum along `dim`.
Tensor argmax(const Tensor &x, const Dim &dim,
              std::source_location loc = std::source_location::current());
/// Max over the dims not in `keep` (a scalar when empty); `max` is the same.
Tensor reduce_max(const Tensor &x, const std::vector<Dim> &keep = {},
                  std::source_location loc = std::source_location::current());
Tensor max(const Tensor &x, const std::vector<Dim> &keep = {},
           std::source_location loc = std::source_location::current());
/// Running sum along `dim` (without the element itself when `exclusive`).
Tensor cumsum(const Tensor &x, const Dim &dim, bool exclusive = false,
              std::source_location loc = std::source_location::current());
/// The parts joined along one position into the dim `out`: the parts have the same dims
/// except at that position (the first where their names differ; the last if none do), and
/// their sizes there add up to out's size.
Tensor concat(const std::vector<Tensor> &parts, const Dim &out,
              std::source_location loc = std::source_location::current());
/// The window [start, start + out.size) of x's dim `dim`, as the dim `out` (which may keep
/// dim's name only when it keeps its size).
Tensor slice(const Tensor &x, const Dim &dim, int64_t start, const Dim &out,
             std::source_location loc = std::source_location::current());
/// x placed at [start, start + dim.size) of the longer dim `out` (which replaces `dim`), zeros
/// elsewhere: zero padding of one dim (the adjoint of slice).
Tensor pad(const Tensor &x, const Dim &dim, int64_t start, const Dim &out,
           std::source_location loc = std::source_location::current());
/// x with dims renamed ({from, to} pairs of one size); the data does not move, but a renamed
/// dim takes the layout of its new name.
Tensor rename(const Tensor &x, const std::vector<std::pair<Dim, Dim>> &renames,
              std::source_location loc = std::source_location::current());
/// x's elements, row-major, under the dims `dims` (same element count).
Tensor reshape(const Tensor &x, const std::vector<Dim> &dims,
               std::source_location loc = std::source_location::current());
/// x, through which no gradient flows.
Tensor stop_gradient(const Tensor &x, std::source_location loc = std::source_location::current());

//===----------------------------------------------------------------------===//
// Conv family (frontend/src/ConvOps.cpp)
//===----------------------------------------------------------------------===//

/// How a window is padded along each spatial dim.
struct Padding {
  enum class Kind { Valid, Same, Explicit };
  Kind kind = Kind::Valid;
  std::vector<int64_t> lo, hi; // Explicit: one entry per spatial dim
  /// No padding: windows lie inside the input.
  static Padding valid() { return {}; }
  /// out = ceil(in / stride); the padding this needs is split evenly, the odd element at the
  /// end (TensorFlow's SAME).
  static Padding same() { return {Kind::Same, {}, {}}; }
  /// `lo` before and `hi` after the input, one entry per spatial dim (asymmetric allowed).
  static Padding pads(std::vector<int64_t> lo, std::vector<int64_t> hi) {
    return {Kind::Explicit, std::move(lo), std::move(hi)};
  }
};

/// A convolution's window. The channels are found from the operands: the input channel is the one
/// dim the input and the filter share, the output channel the filter's dim that is neither it nor
/// a kernel dim; every other dim of the input is batch-like and is kept.
struct ConvSpec {
  std::vector<Dim> spatial;       // the input's spatial dims, in order (1 to 3)
  std::vector<Dim> kernel;        // the filter's window dims, one per spatial dim
  std::vector<int64_t> strides;   // none: 1; one value: for every spatial dim; else one each
  std::vector<int64_t> dilations; // as strides
  Padding padding;
  /// Names of the result's spatial dims, one per spatial dim ("" keeps the input's name, which
  /// needs an unchanged size). None: every name kept.
  std::vector<std::string> out;
};

/// Convolution (cross-correlation, as PyTorch's): y[b, f, o] = sum over c, j of
/// x[b, c, o*stride + j*dilation - pad_lo] * w[c, f, j], x read as 0 in the padding. The result
/// has x's dims with the input channel replaced by the output channel and the spatial dims by the
/// output's, of size floor((in + pad_lo + pad_hi - dilation*(k-1) - 1) / stride) + 1.
Tensor conv(const Tensor &x, const Tensor &w, const ConvSpec &spec,
            std::source_location loc = std::source_location::current());
/// Transposed convolution (a GAN generator's upsampling): the gradient of conv(., w, spec) with
/// respect to its input. `spec` describes that forward conv with x as its OUTPUT: spec.spatial are
/// x's spatial dims, spec.out the result's; the output channel is the dim x and w share, the input
/// channel (the result's) w's other dim. Result sizes: (o - 1)*stride + dilation*(k-1) + 1 -
/// pad_lo - pad_hi, or o*stride with Padding::same().
Tensor conv_transpose(const Tensor &x, const Tensor &w, const ConvSpec &spec,
                      std::source_location loc = std::source_location::current());

/// A pooling window: its size along each spatial dim.
struct PoolSpec {
  std::vector<Dim> spatial;     // the input's pooled dims, in order (1 to 3)
  std::vector<int64_t> window;  // one value: for every spatial dim; else one each
  std::vector<int64_t> strides; // none: the window (no overlap); one value: for every dim
  Padding padding;              // each pad smaller than its window
  std::vector<std::string> out; // as ConvSpec::out
};

/// The maximum over each window (the padding never wins). Its gradient goes to the first maximum
/// of each window in row-major window order, as PyTorch's and oneDNN's.
Tensor max_pool(const Tensor &x, const PoolSpec &spec,
                std::source_location loc = std::source_location::current());
/// The mean over each window, the padding counted as zeros (PyTorch's count_include_pad).
Tensor avg_pool(const Tensor &x, const PoolSpec &spec,
                std::source_location loc = std::source_location::current());

/// Training-mode batch normalisation: (x - mean) / sqrt(var + epsilon) * scale + shift, with the
/// mean and (biased) variance of the batch over every dim of x but `channel` (built from
/// reduce ops, so a split batch is synchronised batch norm); scale and shift are [channel].
Tensor batch_norm(const Tensor &x, const Tensor &scale, const Tensor &shift, const Dim &channel,
                  double epsilon = 1e-5,
                  std::source_location loc = std::source_location::current());
/// Batch norm's running statistics (PyTorch's running_mean/running_var): the non-trainable
/// [channel] state `NAME_mean` (initially 0) and `NAME_var` (initially 1), checkpointed and laid
/// out like parameters. Each training step updates them with the batch's statistics, the
/// variance unbiased (times n/(n-1), n the number of values per channel):
/// running = (1 - momentum) running + momentum batch. Evaluation and prediction normalise with
/// them.
struct RunningStats {
  std::string name;
  double momentum = 0.1; // in (0, 1]
};
/// Batch normalisation that trains with the batch's statistics (as above) and keeps running
/// ones for evaluation and prediction.
Tensor batch_norm(const Tensor &x, const Tensor &scale, const Tensor &shift, const Dim &channel,
                  const RunningStats &running, double epsilon = 1e-5,
                  std::source_location loc = std::source_location::current());
/// Batch normalisation with given [channel] statistics: evaluation with running statistics.
Tensor batch_norm_inference(const Tensor &x, const Tensor &mean, const Tensor &var,
                            const Tensor &scale, const Tensor &shift, const Dim &channel,
                            double epsilon = 1e-5,
                            std::source_location loc = std::source_location::current());

// Layout family (frontend/src/LayoutOps.cpp)

/// x held in the layout `layout` ("hidden:m,batch:b"; dims it does not name are replicated)
/// instead of the program's: a per-value override. meshc inserts the cheapest resharding
/// (local slice, all_gather, all_to_all, reduce_scatter), and consumers get the value
/// resharded to what they need; the gradient is held the same way.
Tensor relayout(const Tensor &x, std::string_view layout,
                std::source_location loc = std::source_location::current());

} // namespace meshc::dsl

#endif // MESHC_DSL_H
