// The per-rank cost report behind `meshc --explain` (see CostReport.h).
//
// Memory is the lowering's own buffer plan (BufferPlan.h): the persistent buffers by what they
// hold, and the arena every other tensor shares by liveness, beside the liveness lower bound.
// The transposed copies some einsums make (the lowering's per-op scratch) come from the lowered
// program (CostReport::allocatedBytes); the runtime's reusable collective scratch is not counted.
#include "dialect/Analysis/CostReport.h"

#include "dialect/Analysis/BufferPlan.h"
#include "dialect/Analysis/ProgramPasses.h"

#include "dialect/IR/Limits.h"
#include "dialect/IR/MeshcOps.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Location.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace meshc {
namespace {

int64_t bytesOf(Type type) {
  if (auto tensor = llvm::dyn_cast<NamedTensorType>(type))
    return tensorBytes(tensor);
  return 0;
}

} // namespace

std::string formatLocation(Location loc) {
  if (auto file = llvm::dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().getValue() + ":" + llvm::Twine(file.getLine()) + ":" +
            llvm::Twine(file.getColumn()))
        .str();
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      if (std::string text = formatLocation(inner); text != "unknown")
        return text;
  }
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return formatLocation(name.getChildLoc());
  if (auto call = llvm::dyn_cast<CallSiteLoc>(loc))
    return formatLocation(call.getCallee());
  return "unknown";
}

namespace {

std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

/// Ops that move or produce data without arithmetic: no FLOPs.
bool isDataMovement(Operation *op) {
  return isa<InputOp, ParamOp, FillOp, OutputOp, BroadcastOp, AllReduceOp, AllReduceMaxOp,
             AllReduceBucketOp, WaitOp, AllGatherOp, ReduceScatterOp, AllSliceOp, AllToAllOp,
             func::ReturnOp, RenameOp, ReshapeOp, RelayoutOp, ConcatOp, SliceOp, StopGradientOp,
             EmbeddingOp, OneHotOp>(op);
}

/// 2 * (product of the local sizes of every dim of a two-operand einsum): a multiply and an
/// add per point of its iteration space. A one-operand einsum adds each input element once.
/// Null when the count overflows int64 (each operand fits, their iteration space need not).
std::optional<int64_t> einsumFlops(ValueRange operands) {
  if (operands.size() == 1)
    return llvm::cast<NamedTensorType>(operands[0].getType()).getNumElements();
  llvm::StringMap<int64_t> sizes;
  for (Value v : operands) {
    auto type = llvm::cast<NamedTensorType>(v.getType());
    for (auto [name, size] : llvm::zip(type.getDimNames(), type.getDimSizes()))
      sizes[name.getValue()] = size;
  }
  std::optional<int64_t> points = 1;
  for (auto &entry : sizes)
    if (points)
      points = checkedMul(*points, entry.getValue());
  return points ? checkedMul(2, *points) : std::nullopt;
}

/// A convolution's arithmetic, the same for conv and its two adjoints: a multiply and an add per
/// forward output element, input channel and kernel position, 2 |y| C prod(K) with the local
/// sizes of the forward output y and filter w (in whichever roles the op has them).
template <typename OpT>
std::optional<int64_t> convFlops(OpT op, NamedTensorType y, NamedTensorType w) {
  std::optional<int64_t> flops = checkedMul(2, y.getNumElements());
  flops = flops ? checkedMul(*flops, w.getDimSize(op.getInChannel())) : std::nullopt;
  for (Attribute name : op.getKernelSpatial())
    if (flops)
      flops = checkedMul(*flops, w.getDimSize(llvm::cast<StringAttr>(name).getValue()));
  return flops;
}

/// A pool's (or its adjoint's) arithmetic: one operation per forward output element and window
/// position.
template <typename OpT> std::optional<int64_t> poolFlops(OpT op, NamedTensorType y) {
  std::optional<int64_t> flops = y.getNumElements();
  for (int64_t size : op.getWindow())
    if (flops)
      flops = checkedMul(*flops, size);
  return flops;
}

/// Fused attention's products: per (outer, query, key) point, 2 (d + dv) forward (q . k and the
/// weighted sum of v) and 2 (3 d + 2 dv) backward (q . k recomputed, dout . v, then dv, dq and
/// dk), with d the contracted and dv the value dims' sizes. The whole [query, key] square is
/// counted, as the unfused einsums count it, though a causal mask skips about half of it.
std::optional<int64_t> attentionFlops(Operation *op) {
  auto typeOf = [](Value v) { return llvm::cast<NamedTensorType>(v.getType()); };
  auto fused = dyn_cast<AttentionOp>(op);
  auto grad = dyn_cast<AttentionGradOp>(op);
  Value q = op->getOperand(0), k = op->getOperand(1), v = op->getOperand(2);
  AttentionDims dims = fused ? fused.getDims() : grad.getDims();
  std::optional<int64_t> points = 1, d = 1, dv = 1;
  auto times = [](std::optional<int64_t> &n, int64_t size) {
    n = n ? checkedMul(*n, size) : std::nullopt;
  };
  for (StringAttr name : dims.probs)
    times(points, typeOf(name == dims.key ? k : q).getDimSize(name.getValue()));
  for (StringAttr name : dims.contracted)
    times(d, typeOf(q).getDimSize(name.getValue()));
  for (StringAttr name : dims.values)
    times(dv, typeOf(v).getDimSize(name.getValue()));
  if (!points || !d || !dv)
    return std::nullopt;
  int64_t perPoint = fused ? 2 * (*d + *dv) : 2 * (3 * *d + 2 * *dv);
  return checkedMul(*points, perPoint);
}

/// The FLOPs of a windowed op of the Conv family (convolutions, pools and their adjoints), or
/// nothing for another op. The inner value is null when the count overflows int64.
std::optional<std::optional<int64_t>> windowOpFlops(Operation *op) {
  auto typeOf = [](Value v) { return llvm::cast<NamedTensorType>(v.getType()); };
  if (auto conv = dyn_cast<ConvOp>(op))
    return convFlops(conv, typeOf(conv.getResult()), typeOf(conv.getFilter()));
  if (auto t = dyn_cast<ConvTransposeOp>(op))
    return convFlops(t, typeOf(t.getInput()), typeOf(t.getFilter()));
  if (auto g = dyn_cast<ConvGradFilterOp>(op))
    return convFlops(g, typeOf(g.getGrad()), typeOf(g.getResult()));
  // The convolutions of meshc-fuse-conv; their bias and relu are counted with the other FLOPs.
  if (auto fused = dyn_cast<ConvBiasActOp>(op))
    return convFlops(fused, typeOf(fused.getResult()), typeOf(fused.getFilter()));
  if (auto fused = dyn_cast<ConvGradFilterBiasOp>(op))
    return convFlops(fused, typeOf(fused.getGrad()), typeOf(fused.getResult()));
  if (auto pool = dyn_cast<MaxPoolOp>(op))
    return poolFlops(pool, typeOf(pool.getResult()));
  if (auto pool = dyn_cast<AvgPoolOp>(op))
    return poolFlops(pool, typeOf(pool.getResult()));
  if (auto grad = dyn_cast<MaxPoolGradOp>(op))
    return poolFlops(grad, typeOf(grad.getGrad()));
  if (auto grad = dyn_cast<AvgPoolGradOp>(op))
    return poolFlops(grad, typeOf(grad.getGrad()));
  return std::nullopt;
}

/// One per element of the op's largest tensor (operand or result).
int64_t elementwiseFlops(Operation *op) {
  int64_t most = 0;
  for (Type type : op->getOperandTypes())
    if (auto tensor = llvm::dyn_cast<NamedTensorType>(type))
      most = std::max(most, tensor.getNumElements());
  for (Type type : op->getResultTypes())
    if (auto tensor = llvm::dyn_cast<NamedTensorType>(type))
      most = std::max(most, tensor.getNumElements());
  return most;
}

/// A fused elementwise op does the work of the ops it replaced: about one FLOP per element each.
std::optional<int64_t> fusedElementwiseFlops(FusedElementwiseOp op) {
  return checkedMul(llvm::cast<NamedTensorType>(op.getResult().getType()).getNumElements(),
                    static_cast<int64_t>(op.getOps().size()));
}

int64_t axisSize(MeshAttr mesh, StringRef axis) {
  if (std::optional<unsigned> index = mesh.findAxis(axis))
    return mesh.getAxisSize(*index);
  return 1;
}

/// Bytes a rank sends with the usual algorithms (ring all-reduce = reduce-scatter + all-gather,
/// ring all-gather, pairwise all-to-all); all_slice only copies locally. Null when the count
/// overflows int64 (the products are taken in 128 bits, so only the result can).
std::optional<int64_t> sentBytes(StringRef kind, int64_t bytes, int64_t p) {
  __int128 sent = 0, b = bytes, n = p;
  if (kind == "all_reduce" || kind == "all_reduce_max")
    sent = 2 * (n - 1) * b / n;
  else if (kind == "all_gather")
    sent = (n - 1) * b;
  else if (kind == "reduce_scatter" || kind == "all_to_all")
    sent = (n - 1) * b / n;
  if (sent > kMaxInt64)
    return std::nullopt;
  return static_cast<int64_t>(sent);
}

std::optional<CollectiveCost> collectiveCost(Operation *op, MeshAttr mesh) {
  CollectiveCost c;
  if (auto reduce = dyn_cast<AllReduceOp>(op)) {
    c.kind = "all_reduce";
    for (Attribute axis : reduce.getAxes())
      c.axes.push_back(llvm::cast<StringAttr>(axis).getValue().str());
  } else if (auto shared = dyn_cast<SgdUpdateEinsumOp>(op)) {
    // The weight gradient's all_reduce it replaces (the runtime records it so on either path):
    // where the ranks share one node no bytes move, each GEMM adds into the shared parameter.
    c.kind = "all_reduce";
    for (Attribute axis : shared.getAxes())
      c.axes.push_back(llvm::cast<StringAttr>(axis).getValue().str());
  } else if (auto reduceMax = dyn_cast<AllReduceMaxOp>(op)) {
    c.kind = "all_reduce_max";
    for (Attribute axis : reduceMax.getAxes())
      c.axes.push_back(llvm::cast<StringAttr>(axis).getValue().str());
  } else if (auto bucket = dyn_cast<AllReduceBucketOp>(op)) {
    // One allreduce of the members packed together (runtime: meshrt_all_reduce_bucket).
    c.kind = "all_reduce";
    for (Attribute axis : bucket.getAxes())
      c.axes.push_back(llvm::cast<StringAttr>(axis).getValue().str());
    llvm::sort(c.axes, [&](const std::string &x, const std::string &y) {
      return mesh.findAxis(x).value_or(~0u) < mesh.findAxis(y).value_or(~0u);
    });
    std::optional<int64_t> bytes = 0;
    for (Value input : bucket.getInputs())
      if (bytes)
        bytes = checkedAdd(*bytes, bytesOf(input.getType()));
    c.bytes = bytes.value_or(kMaxInt64);
    for (const std::string &axis : c.axes)
      c.groupSize *= axisSize(mesh, axis);
    c.sentBytes = bytes ? sentBytes(c.kind, c.bytes, c.groupSize).value_or(-1) : -1;
    c.tensors = static_cast<int64_t>(bucket.getInputs().size());
    c.type = "bucket of " + std::to_string(c.tensors) + " tensors";
    c.location = formatLocation(op->getLoc());
    return c;
  } else if (auto gather = dyn_cast<AllGatherOp>(op)) {
    c.kind = "all_gather";
    c.axes.push_back(gather.getAxis().str());
    c.dim = gather.getDim().str();
  } else if (auto scatter = dyn_cast<ReduceScatterOp>(op)) {
    c.kind = "reduce_scatter";
    c.axes.push_back(scatter.getAxis().str());
    c.dim = scatter.getDim().str();
  } else if (auto slice = dyn_cast<AllSliceOp>(op)) {
    c.kind = "all_slice";
    c.axes.push_back(slice.getAxis().str());
    c.dim = slice.getDim().str();
  } else if (auto a2a = dyn_cast<AllToAllOp>(op)) {
    c.kind = "all_to_all";
    c.axes.push_back(a2a.getAxis().str());
    c.dim = (a2a.getSplitDim() + "->" + a2a.getConcatDim()).str();
  } else if (isa<HaloExchangeOp, HaloExchangeGradOp>(op)) {
    // The halo rows each rank receives (and sends), lo + hi of them, as the runtime records
    // them: every rank of the axis alike, as if both neighbours existed.
    auto exchange = dyn_cast<HaloExchangeOp>(op);
    auto grad = dyn_cast<HaloExchangeGradOp>(op);
    c.kind = exchange ? "halo_exchange" : "halo_exchange_grad";
    c.axes.push_back((exchange ? exchange.getAxis() : grad.getAxis()).str());
    c.dim = (exchange ? exchange.getDim() : grad.getDim()).str();
    Value wide = exchange ? exchange.getResult() : grad.getInput();
    Value block = exchange ? exchange.getInput() : grad.getResult();
    c.bytes = bytesOf(wide.getType()) - bytesOf(block.getType());
    c.groupSize = axisSize(mesh, c.axes.front());
    c.sentBytes = c.bytes;
    c.type = typeText(op->getOperand(0).getType());
    c.location = formatLocation(op->getLoc());
    return c;
  } else if (StringAttr axis = shardAxisOf(op)) {
    // A sharded update all-gathers the parameter from each rank's updated slice (its gradient's
    // shape): meshrt_allgather in place.
    c.kind = "all_gather";
    c.axes.push_back(axis.getValue().str());
    Value slice = op->getOperand(1);
    c.dim = llvm::cast<NamedTensorType>(slice.getType()).getDimNames().front().getValue().str();
    c.bytes = bytesOf(slice.getType());
    c.groupSize = axisSize(mesh, c.axes.front());
    c.sentBytes = sentBytes(c.kind, c.bytes, c.groupSize).value_or(-1);
    c.type = typeText(slice.getType());
    c.location = formatLocation(op->getLoc());
    return c;
  } else if (isa<ClipGlobalNormOp>(op)) {
    // The squared global norm: one double summed over every rank (runtime/src/clip_global_norm).
    c.kind = "all_reduce";
    for (unsigned axis = 0; axis < mesh.getAxisNames().size(); ++axis)
      c.axes.push_back(mesh.getAxisNames()[axis].getValue().str());
    c.bytes = 8;
    c.groupSize = 1;
    for (const std::string &axis : c.axes)
      c.groupSize *= axisSize(mesh, axis);
    c.sentBytes = sentBytes(c.kind, c.bytes, c.groupSize).value_or(-1);
    c.type = "f64";
    c.location = formatLocation(op->getLoc());
    return c;
  } else {
    return std::nullopt;
  }
  // Mesh-axis order, as the runtime names an axes mask.
  llvm::sort(c.axes, [&](const std::string &x, const std::string &y) {
    return mesh.findAxis(x).value_or(~0u) < mesh.findAxis(y).value_or(~0u);
  });
  c.bytes = bytesOf(op->getOperand(0).getType());
  for (const std::string &axis : c.axes)
    c.groupSize *= axisSize(mesh, axis);
  c.sentBytes = sentBytes(c.kind, c.bytes, c.groupSize).value_or(-1);
  c.type = typeText(op->getOperand(0).getType());
  if (isa<SgdUpdateEinsumOp>(op))
    c.type += ", sgd_update_einsum: in place on one node";
  c.location = formatLocation(op->getLoc());
  return c;
}

/// "12345 (12.1 KiB)"
std::string human(int64_t bytes) {
  std::string text = std::to_string(bytes);
  static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  if (unit >= 0)
    text += " (" + llvm::formatv("{0:F1} {1}", value, units[unit]).str() + ")";
  return text;
}

/// "1234567 (1.23 GFLOP)"
std::string humanFlops(int64_t flops) {
  std::string text = std::to_string(flops);
  static const char *units[] = {"kFLOP", "MFLOP", "GFLOP", "TFLOP"};
  double value = static_cast<double>(flops);
  int unit = -1;
  while (value >= 1000.0 && unit < 3) {
    value /= 1000.0;
    ++unit;
  }
  if (unit >= 0)
    text += " (" + llvm::formatv("{0:F2} {1}", value, units[unit]).str() + ")";
  return text;
}

std::string joinAxes(llvm::ArrayRef<std::string> axes) {
  std::string text;
  for (const std::string &axis : axes)
    text += (text.empty() ? "" : ",") + axis;
  return text.empty() ? "-" : text;
}

/// The recomputations meshc-remat put in the per-rank program and the bytes of their results,
/// as the pass made them: an op marked meshc.remat is one; a fused op counts the ones it
/// absorbed (its mark's count), each a value of its result's type (fused_elementwise's inner
/// values have the root's type; add_layer_norm's add and layer norm both have its type, as do
/// conv_bias_act's convolution, bias add and relu).
void countRemat(func::FuncOp func, CostReport &report) {
  func.walk([&](Operation *op) {
    int64_t count = rematCount(op);
    if (count == 0)
      return;
    report.rematOps = saturatingAdd(report.rematOps, count);
    int64_t bytes = 0;
    if (llvm::isa<FusedElementwiseOp, AddLayerNormOp, ConvBiasActOp>(op))
      bytes = saturatingMul(count, bytesOf(op->getResult(0).getType()));
    else
      for (Value result : op->getResults())
        bytes = saturatingAdd(bytes, bytesOf(result.getType()));
    report.rematBytes = saturatingAdd(report.rematBytes, bytes);
  });
}

/// The memory lines of rematerialisation: the activation peak without it (the driver compiled
/// the program a second time without remat) and what it saves.
void printRematLines(const CostReport &r, llvm::raw_ostream &os,
                     llvm::function_ref<void(StringRef, int64_t, StringRef)> line) {
  if (r.activationBytesWithoutRemat < 0)
    return;
  line("without remat", r.activationBytesWithoutRemat,
       "the activations (peak) with every forward value kept for the backward pass; bound " +
           human(r.liveBoundBytesWithoutRemat));
  int64_t saved = r.activationBytesWithoutRemat - r.activationBytes;
  std::string note =
      llvm::formatv("{0} ops recomputed in the backward pass ({1}); peak x{2:F2}", r.rematOps,
                    human(r.rematBytes),
                    r.activationBytesWithoutRemat > 0
                        ? (double)r.activationBytes / (double)r.activationBytesWithoutRemat
                        : 1.0)
          .str();
  if (saved >= 0)
    line("saved by remat", saved, note);
  else
    line("added by remat", -saved, note);
}

/// Counts `update` among the updates and, where it is sharded, files its parameter and the
/// optimizer state bytes the sharding saves (its state buffers hold the gradient's slice; whole,
/// each would hold the parameter).
void addShardedUpdate(ParamUpdateOpInterface update, const BufferPlan &plan, CostReport &report) {
  ++report.numUpdates;
  StringAttr axis = shardAxisOf(update);
  if (!axis)
    return;
  auto param = update.getParam().getDefiningOp<ParamOp>();
  report.shardedUpdates.push_back((param.getName() + " over " + axis.getValue()).str());
  int64_t whole = bytesOf(update.getParam().getType()), slice = bytesOf(update.getGrad().getType());
  auto it = plan.optimizerState.find(update);
  if (it != plan.optimizerState.end())
    report.optimizerBytesSaved += static_cast<int64_t>(it->second.size()) * (whole - slice);
}

/// --explain's line on the updates in node-shared parameters (meshc-share-updates).
void printSharedUpdates(const CostReport &r, llvm::raw_ostream &os) {
  if (r.sharedUpdates.empty())
    return;
  os << "updates in node-shared parameters (meshc-share-updates): " << r.sharedUpdates.size()
     << " of " << r.numUpdates << (r.numUpdates == 1 ? " parameter" : " parameters") << " (";
  for (auto [index, text] : llvm::enumerate(r.sharedUpdates))
    os << (index ? ", " : "") << text;
  os << "): the weight-gradient GEMMs add into the parameter, stored once per node; no gradient\n"
     << "  buffer or pass, and no bytes sent where the ranks share a node (their collective lines\n"
     << "  below count the all_reduce the runtime runs instead across nodes or with\n"
     << "  --shared-params off)\n\n";
}

/// --explain's lines on sharded updates (meshc-shard-updates), after the memory table.
void printShardedUpdates(const CostReport &r, llvm::raw_ostream &os) {
  if (r.numUpdates == 0)
    return;
  os << "sharded optimizer updates (meshc-shard-updates): " << r.shardedUpdates.size() << " of "
     << r.numUpdates << (r.numUpdates == 1 ? " parameter" : " parameters");
  if (r.shardedUpdates.empty()) {
    os << "\n\n";
    return;
  }
  os << " (";
  for (auto [index, text] : llvm::enumerate(r.shardedUpdates))
    os << (index ? ", " : "") << text;
  os << "): gradient reduce_scatter, slice update, parameter all_gather;\n"
     << "  optimizer state saved " << human(r.optimizerBytesSaved)
     << " bytes per rank (included above: the state holds only this rank's slice)\n\n";
}

} // namespace

// Long on purpose: one walk over the per-rank function that files each op's memory, FLOPs
// and collectives in the order the executable runs them; the costs themselves are the
// helpers above.
LogicalResult computeCostReport(ModuleOp module, CostReport &report) {
  SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return module.emitError() << "expected one meshc function, found " << funcs.size();
  func::FuncOp func = funcs.front();
  MeshAttr mesh = getPerRankMesh(func);
  if (!mesh)
    return func.emitError() << "function '" << func.getSymName()
                            << "' is not partitioned (run meshc-partition first)";
  report = CostReport();
  report.program = func.getSymName().str();
  report.mesh = mesh.getSpec();
  report.numRanks = mesh.getNumRanks();
  if (LayoutAttr layout = getLayout(module))
    report.layout = layout.getSpec();

  // Each figure is a sum of int64 counts that fit one by one (the tensor type verifier sees to
  // that) but need not together: a program whose per-rank sums overflow cannot run anywhere, and
  // its figures would wrap. The first op that overflows a figure is the error's location.
  Operation *overflowAt = nullptr;
  const char *overflowWhat = "";
  auto add = [&](int64_t &sum, std::optional<int64_t> value, Operation *op, const char *what) {
    std::optional<int64_t> next = value ? checkedAdd(sum, *value) : std::nullopt;
    if (next) {
      sum = *next;
      return;
    }
    sum = kMaxInt64;
    if (!overflowAt) {
      overflowAt = op;
      overflowWhat = what;
    }
  };

  // The lowering's buffer plan (see the file comment), each persistent buffer filed by what it
  // holds.
  BufferPlan plan = planBuffers(func);
  enum class Holds { Parameter, State, Input, OptimizerState, Output, Arena };
  std::vector<Holds> holds(plan.buffers.size(), Holds::Arena);
  for (auto [index, buffer] : llvm::enumerate(plan.buffers))
    if (!buffer.persistent)
      continue;
    else if (auto param = dyn_cast<ParamOp>(buffer.op))
      holds[index] = param.getState() ? Holds::State : Holds::Parameter;
    else if (isa<InputOp>(buffer.op))
      holds[index] = Holds::Input;
    else
      holds[index] = Holds::Output;
  for (const auto &[update, state] : plan.optimizerState)
    for (unsigned index : state)
      holds[index] = Holds::OptimizerState;
  llvm::SmallVector<Optimizer> optimizers;
  int64_t collectiveBytes = 0, collectiveSent = 0;

  // A training step runs the train pass; the ops only metrics and outputs need run in
  // evaluation and prediction (ProgramPasses.h), in the same buffers.
  ProgramPasses passes = planProgramPasses(func.getBody().front());
  for (Operation &op : func.getBody().front()) {
    if (auto update = dyn_cast<ParamUpdateOpInterface>(op)) {
      // The update of state (a running statistic) is the program's, not the optimizer's.
      auto param = update.getParam().getDefiningOp<ParamOp>();
      if (param && param.getState())
        continue;
      if (llvm::find(optimizers, update.getOptimizer()) == optimizers.end())
        optimizers.push_back(update.getOptimizer());
      addShardedUpdate(update, plan, report);
      // An update is ~1 FLOP per element too, counted below; a sharded one all-gathers.
      if (!shardAxisOf(&op))
        continue;
    }
    if (auto shared = dyn_cast<SgdUpdateEinsumOp>(op)) {
      if (llvm::find(optimizers, Optimizer::Sgd) == optimizers.end())
        optimizers.push_back(Optimizer::Sgd);
      ++report.numUpdates;
      std::string axes;
      for (Attribute axis : shared.getAxes())
        axes += (axes.empty() ? "" : ",") + llvm::cast<StringAttr>(axis).getValue().str();
      report.sharedUpdates.push_back(
          (shared.getParam().getDefiningOp<ParamOp>().getName() + " over " + axes).str());
    }
    if (std::optional<CollectiveCost> cost = collectiveCost(&op, mesh)) {
      // The totals printCostReport adds up must fit too (the per-kind ones are smaller).
      add(collectiveBytes, cost->bytes, &op, "collective bytes");
      add(collectiveSent, cost->sentBytes < 0 ? std::nullopt : std::optional(cost->sentBytes), &op,
          "bytes sent by collectives");
      (passes.train.contains(&op) ? report.collectives : report.otherCollectives)
          .push_back(std::move(*cost));
    }
  }

  for (auto [index, buffer] : llvm::enumerate(plan.buffers)) {
    switch (holds[index]) {
    case Holds::Parameter:
      add(report.parameterBytes, buffer.bytes, buffer.op, "parameter bytes");
      ++report.numParameters;
      break;
    case Holds::State:
      add(report.stateBytes, buffer.bytes, buffer.op, "state bytes");
      ++report.numStates;
      break;
    case Holds::Input:
      add(report.inputBytes, buffer.bytes, buffer.op, "input bytes");
      break;
    case Holds::OptimizerState:
      add(report.optimizerBytes, buffer.bytes, buffer.op, "optimizer state bytes");
      break;
    case Holds::Output:
      add(report.outputBytes, buffer.bytes, buffer.op, "output bytes");
      break;
    case Holds::Arena:
      break;
    }
  }
  // The plan's sums saturate where they would overflow.
  if (plan.arenaBytes == kMaxInt64 || plan.unsharedBytes == kMaxInt64)
    add(report.activationBytes, std::nullopt, func, "activation bytes");
  report.activationBytes = plan.arenaBytes;
  report.liveBoundBytes = plan.liveBytesBound;
  report.unsharedBytes = plan.unsharedBytes;
  countRemat(func, report);
  int64_t bufferBytes = 0;
  for (int64_t part : {report.parameterBytes, report.stateBytes, report.optimizerBytes,
                       report.inputBytes, report.outputBytes, report.activationBytes})
    add(bufferBytes, part, func, "bytes of all buffers");
  for (Optimizer optimizer : optimizers)
    report.optimizers +=
        (report.optimizers.empty() ? "" : ", ") + stringifyOptimizer(optimizer).str();

  func.walk([&](Operation *op) {
    if (!passes.train.contains(op))
      return;
    if (auto einsum = dyn_cast<EinsumOp>(op))
      add(report.einsumFlops, einsumFlops(einsum.getInputs()), op, "einsum FLOPs");
    else if (auto shared = dyn_cast<SgdUpdateEinsumOp>(op)) {
      // The weight gradient's einsum, and the update's FLOP per parameter element.
      add(report.einsumFlops, einsumFlops({shared.getLhs(), shared.getRhs()}), op, "einsum FLOPs");
      add(report.otherFlops,
          llvm::cast<NamedTensorType>(shared.getParam().getType()).getNumElements(), op, "FLOPs");
    } else if (std::optional<std::optional<int64_t>> flops = windowOpFlops(op)) {
      add(report.windowFlops, *flops, op, "conv and pooling FLOPs");
      // What a fused convolution absorbed: the bias add and relu (one FLOP per result element
      // each), the bias gradient's reduce_sum (one per element of dy), as counted unfused.
      if (auto fused = dyn_cast<ConvBiasActOp>(op))
        add(report.otherFlops,
            checkedMul(fused.getRelu() ? 2 : 1,
                       llvm::cast<NamedTensorType>(fused.getResult().getType()).getNumElements()),
            op, "FLOPs");
      else if (auto fused = dyn_cast<ConvGradFilterBiasOp>(op))
        add(report.otherFlops,
            llvm::cast<NamedTensorType>(fused.getGrad().getType()).getNumElements(), op, "FLOPs");
    } else if (isa<AttentionOp, AttentionGradOp>(op))
      add(report.attentionFlops, attentionFlops(op), op, "attention FLOPs");
    else if (auto fusedOp = dyn_cast<FusedElementwiseOp>(op))
      add(report.otherFlops, fusedElementwiseFlops(fusedOp), op, "FLOPs");
    else if (isa<AddLayerNormOp, LayerNormGradAddOp>(op)) // an add's and a layer norm's
      add(report.otherFlops, checkedMul(2, elementwiseFlops(op)), op, "FLOPs");
    else if (op->getDialect() && op->getDialect()->getNamespace() == "meshc" && !isDataMovement(op))
      add(report.otherFlops, elementwiseFlops(op), op, "FLOPs");
  });
  int64_t flops = report.einsumFlops;
  add(flops, report.windowFlops, func, "FLOPs");
  add(flops, report.attentionFlops, func, "FLOPs");
  add(flops, report.otherFlops, func, "FLOPs");
  if (overflowAt)
    return overflowAt->emitError() << "the " << overflowWhat
                                   << " of one rank per step overflow int64 here: no machine "
                                      "can run this program";
  return success();
}

// Long on purpose: the report's sections printed top to bottom as the user reads them.
void printCostReport(const CostReport &r, llvm::raw_ostream &os) {
  os << "meshc --explain: program '" << r.program << "' on mesh " << r.mesh << " (" << r.numRanks
     << (r.numRanks == 1 ? " rank" : " ranks") << "), layout "
     << (r.layout.empty() ? "\"\" (all replicated)" : r.layout) << "\n";
  os << "Every rank runs the same per-rank program on its own slice, and all slices have the\n"
        "same shape: the figures below are per rank, per training step, and the same on every\n"
        "rank.\n\n";

  os << "memory per rank (bytes, 4 per element):\n";
  auto line = [&](StringRef what, int64_t bytes, StringRef note) {
    os << "  " << llvm::left_justify(what, 20) << llvm::right_justify(human(bytes), 26);
    if (!note.empty())
      os << "  " << note;
    os << "\n";
  };
  line("parameters", r.parameterBytes,
       (llvm::Twine(r.numParameters) + (r.numParameters == 1 ? " tensor" : " tensors")).str());
  if (r.numStates)
    line("state", r.stateBytes,
         (llvm::Twine(r.numStates) + " tensors not trained (batch norm running statistics)").str());
  std::string optimizerNote = r.optimizers.empty() ? std::string("no parameter updates")
                                                   : "optimizer " + r.optimizers +
                                                         " (adam 2x, momentum 1x, sgd 0x "
                                                         "the parameter)";
  line("optimizer state", r.optimizerBytes, optimizerNote);
  line("inputs", r.inputBytes, "the step's data batch");
  if (r.outputBytes)
    line("metrics/outputs", r.outputBytes, "what the runtime reads after a pass");
  line("activations (peak)", r.activationBytes,
       "gradients and every other tensor, in one arena reused by liveness");
  std::string ratio =
      r.liveBoundBytes > 0
          ? llvm::formatv("{0:F2}", (double)r.activationBytes / (double)r.liveBoundBytes).str()
          : std::string("-");
  line("liveness bound", r.liveBoundBytes,
       "the most bytes live at once; activations (peak) / bound = " + ratio);
  line("without reuse", r.unsharedBytes, "one buffer per tensor value (not allocated)");
  printRematLines(r, os, line);
  if (r.allocatedBytes >= 0) {
    line("scratch", r.allocatedBytes - r.bufferBytes(),
         "einsum and conv/pool transpose copies, all_to_all blocks");
    line("total", r.totalBytes(), "what the executable allocates (meshrt_alloc), exactly");
  } else {
    line("total", r.totalBytes(), "without scratch (the lowering did not run)");
  }
  os << "  (parameters, optimizer state, inputs, metrics and outputs keep a buffer each; every\n"
        "  other value lives from its op to its last use at an offset in the arena, and an\n"
        "  elementwise op or all_reduce whose operand dies there writes in place; the\n"
        "  runtime's reusable collective scratch is not counted)\n\n";

  printShardedUpdates(r, os);
  printSharedUpdates(r, os);

  os << "compute per rank and step:\n";
  os << "  " << llvm::left_justify("einsum FLOPs", 20)
     << llvm::right_justify(humanFlops(r.einsumFlops), 26)
     << "  2 x the product of all local dim sizes\n";
  if (r.windowFlops)
    os << "  " << llvm::left_justify("conv/pool FLOPs", 20)
       << llvm::right_justify(humanFlops(r.windowFlops), 26)
       << "  conv: 2 x output x in-channels x kernel; pool: output x window\n";
  if (r.attentionFlops)
    os << "  " << llvm::left_justify("attention FLOPs", 20)
       << llvm::right_justify(humanFlops(r.attentionFlops), 26)
       << "  fused attention: 2 (d + dv) per query-key pair, 2 (3 d + 2 dv) backward\n";
  os << "  " << llvm::left_justify("other FLOPs", 20)
     << llvm::right_justify(humanFlops(r.otherFlops), 26)
     << "  1 per element of each other op's largest tensor\n";
  os << "  " << llvm::left_justify("total FLOPs", 20)
     << llvm::right_justify(
            humanFlops(r.einsumFlops + r.windowFlops + r.attentionFlops + r.otherFlops), 26)
     << "\n\n";

  os << "collectives per rank and step, in program order (bytes = this rank's input buffer;\n"
        "the executable's --stats prints the same 'collective N: KIND axes=... bytes=...'):\n";
  if (r.collectives.empty())
    os << "  none\n";
  for (auto [index, c] : llvm::enumerate(r.collectives)) {
    os << "  collective " << index << ": " << c.kind << " axes=" << joinAxes(c.axes)
       << " bytes=" << c.bytes << " at " << c.location << "  [" << c.type;
    if (!c.dim.empty())
      os << ", dim " << c.dim;
    os << ", " << c.groupSize << " ranks, ~" << c.sentBytes << " bytes sent]\n";
  }

  // Totals by kind and axes, in order of first appearance.
  struct Total {
    int64_t calls = 0, bytes = 0, sent = 0;
  };
  std::vector<std::pair<std::string, Total>> totals;
  Total all;
  for (const CollectiveCost &c : r.collectives) {
    std::string key = c.kind + " axes=" + joinAxes(c.axes);
    auto it = llvm::find_if(totals, [&](const auto &entry) { return entry.first == key; });
    if (it == totals.end())
      it = totals.insert(totals.end(), {key, Total()});
    Total &t = it->second;
    ++t.calls;
    t.bytes += c.bytes;
    t.sent += c.sentBytes;
    ++all.calls;
    all.bytes += c.bytes;
    all.sent += c.sentBytes;
  }
  if (!r.otherCollectives.empty()) {
    os << "\nnot in a training step: collectives only the metrics (eval) or outputs (predict)\n"
          "need, numbered after the step's:\n";
    for (auto [index, c] : llvm::enumerate(r.otherCollectives))
      os << "  eval/predict collective " << r.collectives.size() + index << ": " << c.kind
         << " axes=" << joinAxes(c.axes) << " bytes=" << c.bytes << " at " << c.location << "\n";
  }

  os << "\ncollective totals per rank and step (by kind and axes):\n";
  auto total = [&](StringRef what, const Total &t) {
    os << "  " << llvm::left_justify(what, 26) << llvm::right_justify(std::to_string(t.calls), 4)
       << " calls " << llvm::right_justify(human(t.bytes), 24) << " bytes, ~" << human(t.sent)
       << " sent\n";
  };
  for (auto &[key, t] : totals)
    total(key, t);
  total("all", all);
  os << "  (sent: ring all_reduce 2(p-1)/p, all_gather (p-1), reduce_scatter and all_to_all\n"
        "  (p-1)/p times the input bytes, p = ranks in the group; all_slice copies locally)\n";
}

} // namespace meshc
