// Verifiers of the Conv family (MeshcConvOps.td): convolution and its adjoints, pooling and its
// adjoints, batch normalisation and its adjoint; also the convolution fusions of meshc-fuse-conv
// (MeshcFusedOps.td), which check meshc.conv's geometry and a per-channel bias. The three
// convolution ops check one forward geometry (input x, filter w, result y), each op naming its own
// operands in the messages; the pooling ops likewise check one (input, result) pair.
#include "dialect/IR/MeshcOps.h"

#include "dialect/IR/Limits.h"
#include "dialect/IR/ModuleAttrs.h"

#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

/// A tensor of the forward geometry as the op sees it: its type and what the op calls it.
struct Role {
  NamedTensorType type;
  llvm::StringRef what;
};

/// The window attributes every windowed op has (pooling's `window` is conv's kernel sizes).
struct WindowAttrs {
  llvm::SmallVector<llvm::StringRef> inputSpatial, outputSpatial;
  llvm::ArrayRef<int64_t> strides, padLo, padHi;
};

template <typename OpT> WindowAttrs windowAttrsOf(OpT op) {
  WindowAttrs attrs;
  for (Attribute name : op.getInputSpatial())
    attrs.inputSpatial.push_back(llvm::cast<StringAttr>(name).getValue());
  for (Attribute name : op.getOutputSpatial())
    attrs.outputSpatial.push_back(llvm::cast<StringAttr>(name).getValue());
  attrs.strides = op.getStrides();
  attrs.padLo = op.getPadLo();
  attrs.padHi = op.getPadHi();
  return attrs;
}

/// Global programs relate the spatial sizes by the window; per-rank ones hold slices whose
/// sizes the partitioner derived from checked global ones.
bool inPerRankProgram(Operation *op) {
  auto parent = llvm::dyn_cast_or_null<func::FuncOp>(op->getParentOp());
  return parent && isPerRank(parent);
}

LogicalResult requireF32(Operation *op, Role role) {
  if (!role.type.getElementType().isF32())
    return op->emitOpError() << "the " << role.what << " must have element type f32, not "
                             << role.type.getElementType();
  return success();
}

/// 1 to 3 spatial dims, and every array attribute of the window with one entry per dim.
LogicalResult requireSpatialArity(Operation *op, size_t spatial,
                                  llvm::ArrayRef<std::pair<llvm::StringRef, size_t>> arrays) {
  if (spatial < 1 || spatial > 3)
    return op->emitOpError() << "needs 1 to 3 spatial dims, not " << spatial;
  for (auto [name, size] : arrays)
    if (size != spatial)
      return op->emitOpError() << "'" << name << "' has " << size << " entries for " << spatial
                               << " spatial dims";
  return success();
}

LogicalResult requireDistinct(Operation *op, llvm::ArrayRef<llvm::StringRef> names,
                              llvm::StringRef what) {
  llvm::SmallSet<llvm::StringRef, 4> seen;
  for (llvm::StringRef name : names)
    if (!seen.insert(name).second)
      return op->emitOpError() << what << " '" << name << "' appears twice";
  return success();
}

LogicalResult requireHas(Operation *op, Role role, llvm::StringRef dim, llvm::StringRef what) {
  if (!role.type.hasDim(dim))
    return op->emitOpError() << "the " << role.what << " " << role.type << " has no " << what
                             << " '" << dim << "'";
  return success();
}

LogicalResult requireLacks(Operation *op, Role role, llvm::StringRef dim, llvm::StringRef what) {
  if (role.type.hasDim(dim))
    return op->emitOpError() << what << " '" << dim << "' is also a dimension of the " << role.what;
  return success();
}

/// `dim` has one size in `a` and `b`.
LogicalResult requireSameSize(Operation *op, Role a, Role b, llvm::StringRef dim,
                              llvm::StringRef what) {
  int64_t sa = a.type.getDimSize(dim), sb = b.type.getDimSize(dim);
  if (sa != sb)
    return op->emitOpError() << what << " '" << dim << "' has size " << sa << " in the " << a.what
                             << " but " << sb << " in the " << b.what;
  return success();
}

/// An output spatial dim may keep the name of the input spatial dim at its own position, and no
/// other name of the input.
LogicalResult requireOutputNames(Operation *op, const WindowAttrs &attrs, Role input) {
  for (auto [i, out] : llvm::enumerate(attrs.outputSpatial))
    if (input.type.hasDim(out) && out != attrs.inputSpatial[i])
      return op->emitOpError() << "output spatial dim '" << out << "' is a dimension of the "
                               << input.what << " other than input spatial dim '"
                               << attrs.inputSpatial[i] << "'";
  return success();
}

/// The batch-like dims (those not in `inOwn`/`outOwn`) are the same, with the same sizes, in
/// `input` and `output` (any order).
LogicalResult requireBatchDims(Operation *op, Role input, llvm::ArrayRef<llvm::StringRef> inOwn,
                               Role output, llvm::ArrayRef<llvm::StringRef> outOwn) {
  for (auto [name, size] : llvm::zip(input.type.getDimNames(), input.type.getDimSizes())) {
    if (llvm::is_contained(inOwn, name.getValue()))
      continue;
    std::optional<unsigned> at = output.type.findDim(name.getValue());
    if (!at || llvm::is_contained(outOwn, name.getValue()))
      return op->emitOpError() << "batch-like dim '" << name.getValue() << "' of the " << input.what
                               << " is not a batch-like dim of the " << output.what;
    if (output.type.getDimSizes()[*at] != size)
      return op->emitOpError() << "batch-like dim '" << name.getValue() << "' has size " << size
                               << " in the " << input.what << " but "
                               << output.type.getDimSizes()[*at] << " in the " << output.what;
  }
  for (StringAttr name : output.type.getDimNames())
    if (!llvm::is_contained(outOwn, name.getValue()) && !input.type.hasDim(name.getValue()))
      return op->emitOpError() << "dimension '" << name.getValue() << "' of the " << output.what
                               << " is not a dimension of the " << input.what;
  return success();
}

/// Strides and dilations at least 1, paddings at least 0 (and, for pooling, below the window).
LogicalResult requireWindowNumbers(Operation *op, const WindowAttrs &attrs,
                                   llvm::ArrayRef<int64_t> dilations,
                                   llvm::ArrayRef<int64_t> poolWindow) {
  for (auto [i, dim] : llvm::enumerate(attrs.inputSpatial)) {
    if (attrs.strides[i] < 1)
      return op->emitOpError() << "stride " << attrs.strides[i] << " along '" << dim
                               << "' must be at least 1";
    if (!dilations.empty() && dilations[i] < 1)
      return op->emitOpError() << "dilation " << dilations[i] << " along '" << dim
                               << "' must be at least 1";
    if (!poolWindow.empty() && poolWindow[i] < 1)
      return op->emitOpError() << "window " << poolWindow[i] << " along '" << dim
                               << "' must be at least 1";
    for (auto [side, pad] : {std::pair{"pad_lo", attrs.padLo[i]}, {"pad_hi", attrs.padHi[i]}}) {
      if (pad < 0)
        return op->emitOpError() << side << " " << pad << " along '" << dim
                                 << "' must not be negative";
      if (!poolWindow.empty() && pad >= poolWindow[i])
        return op->emitOpError() << side << " " << pad << " along '" << dim
                                 << "' must be smaller than the window " << poolWindow[i]
                                 << " (a window would lie wholly in the padding)";
    }
  }
  return success();
}

/// Each output spatial size is floor((in + lo + hi - d (k - 1) - 1) / s) + 1.
LogicalResult requireOutputSizes(Operation *op, const WindowAttrs &attrs, Role input, Role output,
                                 llvm::ArrayRef<int64_t> kernel,
                                 llvm::ArrayRef<int64_t> dilations) {
  if (inPerRankProgram(op))
    return success();
  for (auto [i, dim] : llvm::enumerate(attrs.inputSpatial)) {
    int64_t in = input.type.getDimSize(dim), k = kernel[i];
    int64_t d = dilations.empty() ? 1 : dilations[i];
    // Sizes, pads and dilations are each below 2^63: the sums of two fit, the product may not.
    std::optional<int64_t> reach = checkedMul(d, k - 1);
    std::optional<int64_t> padded = checkedAdd(in, attrs.padLo[i]);
    if (padded)
      padded = checkedAdd(*padded, attrs.padHi[i]);
    if (!reach || !padded || *padded - 1 < *reach)
      return op->emitOpError() << "the window along '" << dim << "' (size " << k << ", dilation "
                               << d << ") is larger than the padded " << input.what << " (" << in
                               << " + " << attrs.padLo[i] << " + " << attrs.padHi[i] << ")";
    int64_t expected = (*padded - 1 - *reach) / attrs.strides[i] + 1;
    int64_t actual = output.type.getDimSize(attrs.outputSpatial[i]);
    if (actual != expected)
      return op->emitOpError() << "output spatial dim '" << attrs.outputSpatial[i] << "' of the "
                               << output.what << " has size " << actual << " but the window along '"
                               << dim << "' gives " << expected;
  }
  return success();
}

/// The forward convolution x (*) w = y, whichever of the three the op has as operands.
template <typename OpT> LogicalResult verifyConv(OpT op, Role x, Role w, Role y) {
  Operation *raw = op.getOperation();
  WindowAttrs attrs = windowAttrsOf(op);
  llvm::SmallVector<llvm::StringRef> kernel;
  for (Attribute name : op.getKernelSpatial())
    kernel.push_back(llvm::cast<StringAttr>(name).getValue());
  llvm::StringRef c = op.getInChannel(), f = op.getOutChannel();
  llvm::ArrayRef<int64_t> dilations = op.getDilations();

  for (Role role : {x, w, y})
    if (failed(requireF32(raw, role)))
      return failure();
  size_t n = attrs.inputSpatial.size();
  if (failed(requireSpatialArity(raw, n,
                                 {{"output_spatial", attrs.outputSpatial.size()},
                                  {"kernel_spatial", kernel.size()},
                                  {"strides", attrs.strides.size()},
                                  {"dilations", dilations.size()},
                                  {"pad_lo", attrs.padLo.size()},
                                  {"pad_hi", attrs.padHi.size()}})) ||
      failed(requireDistinct(raw, attrs.inputSpatial, "input spatial dim")) ||
      failed(requireDistinct(raw, attrs.outputSpatial, "output spatial dim")) ||
      failed(requireDistinct(raw, kernel, "kernel dim")))
    return failure();
  if (c == f)
    return op.emitOpError() << "in_channel and out_channel are both '" << c << "'";

  // The input: in_channel and the input spatial dims, but none of the filter's own dims.
  if (failed(requireHas(raw, x, c, "in_channel")) || failed(requireLacks(raw, x, f, "out_channel")))
    return failure();
  for (llvm::StringRef dim : attrs.inputSpatial)
    if (failed(requireHas(raw, x, dim, "input spatial dim")))
      return failure();
  for (llvm::StringRef dim : kernel)
    if (failed(requireLacks(raw, x, dim, "kernel dim")) ||
        failed(requireLacks(raw, y, dim, "kernel dim")))
      return failure();

  // The filter: exactly in_channel, out_channel and the kernel dims.
  llvm::SmallVector<llvm::StringRef> filterDims{c, f};
  filterDims.append(kernel.begin(), kernel.end());
  if (w.type.getRank() != filterDims.size() ||
      llvm::any_of(filterDims, [&](llvm::StringRef dim) { return !w.type.hasDim(dim); })) {
    InFlightDiagnostic diag = op.emitOpError()
                              << "the " << w.what << " " << w.type << " must have exactly the dims";
    for (llvm::StringRef dim : filterDims)
      diag << " '" << dim << "'";
    return diag << " (in_channel, out_channel, kernel)";
  }

  // The result: out_channel and the output spatial dims, not in_channel.
  if (failed(requireHas(raw, y, f, "out_channel")) || failed(requireLacks(raw, y, c, "in_channel")))
    return failure();
  for (llvm::StringRef dim : attrs.outputSpatial)
    if (failed(requireHas(raw, y, dim, "output spatial dim")))
      return failure();
  if (failed(requireOutputNames(raw, attrs, x)))
    return failure();
  llvm::SmallVector<llvm::StringRef> xOwn{c}, yOwn{f};
  xOwn.append(attrs.inputSpatial.begin(), attrs.inputSpatial.end());
  yOwn.append(attrs.outputSpatial.begin(), attrs.outputSpatial.end());
  if (failed(requireBatchDims(raw, x, xOwn, y, yOwn)) ||
      failed(requireSameSize(raw, x, w, c, "in_channel")) ||
      failed(requireSameSize(raw, w, y, f, "out_channel")) ||
      failed(requireWindowNumbers(raw, attrs, dilations, {})))
    return failure();
  llvm::SmallVector<int64_t> kernelSizes;
  for (llvm::StringRef dim : kernel)
    kernelSizes.push_back(w.type.getDimSize(dim));
  return requireOutputSizes(raw, attrs, x, y, kernelSizes, dilations);
}

/// The forward pooling input -> output, whichever the op has.
template <typename OpT> LogicalResult verifyPool(OpT op, Role input, Role output) {
  Operation *raw = op.getOperation();
  WindowAttrs attrs = windowAttrsOf(op);
  llvm::ArrayRef<int64_t> window = op.getWindow();
  for (Role role : {input, output})
    if (failed(requireF32(raw, role)))
      return failure();
  size_t n = attrs.inputSpatial.size();
  if (failed(requireSpatialArity(raw, n,
                                 {{"output_spatial", attrs.outputSpatial.size()},
                                  {"window", window.size()},
                                  {"strides", attrs.strides.size()},
                                  {"pad_lo", attrs.padLo.size()},
                                  {"pad_hi", attrs.padHi.size()}})) ||
      failed(requireDistinct(raw, attrs.inputSpatial, "input spatial dim")) ||
      failed(requireDistinct(raw, attrs.outputSpatial, "output spatial dim")))
    return failure();
  for (llvm::StringRef dim : attrs.inputSpatial)
    if (failed(requireHas(raw, input, dim, "input spatial dim")))
      return failure();
  for (llvm::StringRef dim : attrs.outputSpatial)
    if (failed(requireHas(raw, output, dim, "output spatial dim")))
      return failure();
  if (failed(requireOutputNames(raw, attrs, input)) ||
      failed(requireBatchDims(raw, input, attrs.inputSpatial, output, attrs.outputSpatial)) ||
      failed(requireWindowNumbers(raw, attrs, {}, window)))
    return failure();
  return requireOutputSizes(raw, attrs, input, output, window, {});
}

/// x has `channel`; each statistic is exactly [channel] of x's size; epsilon positive.
LogicalResult verifyBatchNorm(Operation *op, Value input, llvm::ArrayRef<Value> stats,
                              llvm::StringRef channel, double epsilon) {
  if (failed(requireF32(op, {tensorOf(input), "input"})))
    return failure();
  NamedTensorType x = tensorOf(input);
  if (!x.hasDim(channel))
    return op->emitOpError() << "the input " << x << " has no channel dim '" << channel << "'";
  NamedTensorType stat = tensorOf(stats.front());
  if (stat.getRank() != 1 || stat.getDimNames()[0].getValue() != channel ||
      stat.getDimSizes()[0] != x.getDimSize(channel) || !stat.getElementType().isF32())
    return op->emitOpError() << "the statistics " << stat << " must be f32 with exactly the dim '"
                             << channel << "' of size " << x.getDimSize(channel)
                             << " (the input's channel)";
  if (!(epsilon > 0) || !std::isfinite(epsilon))
    return op->emitOpError() << "epsilon must be positive and finite, not "
                             << std::to_string(epsilon);
  return success();
}

/// A per-channel vector of `y`: f32 with exactly the dim `channel`, of y's size there.
LogicalResult requireChannelVector(Operation *op, Role vector, Role y, llvm::StringRef channel) {
  NamedTensorType t = vector.type;
  if (t.getRank() != 1 || t.getDimNames()[0].getValue() != channel ||
      t.getDimSizes()[0] != y.type.getDimSize(channel) || !t.getElementType().isF32())
    return op->emitOpError() << "the " << vector.what << " " << t
                             << " must be f32 with exactly the dim '" << channel << "' of size "
                             << y.type.getDimSize(channel) << " (the " << y.what
                             << "'s out_channel)";
  return success();
}

} // namespace

LogicalResult ConvBiasActOp::verify() {
  Role y{tensorOf(getResult()), "result"};
  if (failed(
          verifyConv(*this, {tensorOf(getInput()), "input"}, {tensorOf(getFilter()), "filter"}, y)))
    return failure();
  return requireChannelVector(*this, {tensorOf(getBias()), "bias"}, y, getOutChannel());
}

LogicalResult ConvGradFilterBiasOp::verify() {
  Role dy{tensorOf(getGrad()), "grad"};
  if (failed(verifyConv(*this, {tensorOf(getInput()), "input"}, {tensorOf(getResult()), "result"},
                        dy)))
    return failure();
  return requireChannelVector(*this, {tensorOf(getBiasGrad()), "bias gradient"}, dy,
                              getOutChannel());
}

LogicalResult ConvOp::verify() {
  return verifyConv(*this, {tensorOf(getInput()), "input"}, {tensorOf(getFilter()), "filter"},
                    {tensorOf(getResult()), "result"});
}

LogicalResult ConvTransposeOp::verify() {
  return verifyConv(*this, {tensorOf(getResult()), "result"}, {tensorOf(getFilter()), "filter"},
                    {tensorOf(getInput()), "input"});
}

LogicalResult ConvGradFilterOp::verify() {
  return verifyConv(*this, {tensorOf(getInput()), "input"}, {tensorOf(getResult()), "result"},
                    {tensorOf(getGrad()), "grad"});
}

LogicalResult MaxPoolOp::verify() {
  return verifyPool(*this, {tensorOf(getInput()), "input"}, {tensorOf(getResult()), "result"});
}

LogicalResult AvgPoolOp::verify() {
  return verifyPool(*this, {tensorOf(getInput()), "input"}, {tensorOf(getResult()), "result"});
}

LogicalResult MaxPoolGradOp::verify() {
  if (getInput().getType() != getResult().getType())
    return emitOpError() << "the result " << getResult().getType() << " must have the input's type "
                         << getInput().getType();
  return verifyPool(*this, {tensorOf(getInput()), "input"}, {tensorOf(getGrad()), "grad"});
}

LogicalResult AvgPoolGradOp::verify() {
  return verifyPool(*this, {tensorOf(getResult()), "result"}, {tensorOf(getGrad()), "grad"});
}

LogicalResult BatchNormOp::verify() {
  return verifyBatchNorm(*this, getInput(), {getMean(), getVar(), getScale(), getShift()},
                         getChannel(), getEpsilon().convertToDouble());
}

LogicalResult BatchNormGradOp::verify() {
  return verifyBatchNorm(*this, getInput(), {getMean(), getVar(), getScale()}, getChannel(),
                         getEpsilon().convertToDouble());
}
