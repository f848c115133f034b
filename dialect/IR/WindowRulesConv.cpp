// Window rules of the Conv family (WindowOpInterface): each op's windows from its attributes,
// which operands and results are indexed by the input spatial dims, and the halo's fill.
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

/// The windows of a convolution-like op; `filter` is the value with the kernel dims.
template <typename Op> llvm::SmallVector<Window> convWindows(Op op, Value filter) {
  llvm::SmallVector<Window> windows;
  NamedTensorType type = tensorOf(filter);
  for (unsigned i = 0; i < op.getInputSpatial().size(); ++i) {
    Window &window = windows.emplace_back();
    window.input = llvm::cast<StringAttr>(op.getInputSpatial()[i]);
    window.output = llvm::cast<StringAttr>(op.getOutputSpatial()[i]);
    StringRef kernel = llvm::cast<StringAttr>(op.getKernelSpatial()[i]).getValue();
    window.size = type.getDimSize(kernel);
    window.stride = op.getStrides()[i];
    window.dilation = op.getDilations()[i];
    window.padLo = op.getPadLo()[i];
    window.padHi = op.getPadHi()[i];
  }
  return windows;
}

template <typename Op> llvm::SmallVector<Window> poolWindows(Op op) {
  llvm::SmallVector<Window> windows;
  for (unsigned i = 0; i < op.getInputSpatial().size(); ++i) {
    Window &window = windows.emplace_back();
    window.input = llvm::cast<StringAttr>(op.getInputSpatial()[i]);
    window.output = llvm::cast<StringAttr>(op.getOutputSpatial()[i]);
    window.size = op.getWindow()[i];
    window.stride = op.getStrides()[i];
    window.padLo = op.getPadLo()[i];
    window.padHi = op.getPadHi()[i];
  }
  return windows;
}

template <typename Op> void setPadding(Op op, unsigned index, int64_t lo, int64_t hi) {
  llvm::SmallVector<int64_t> padLo(op.getPadLo()), padHi(op.getPadHi());
  padLo[index] = lo;
  padHi[index] = hi;
  op.setPadLo(padLo);
  op.setPadHi(padHi);
}

} // namespace

llvm::SmallVector<Window> ConvOp::getWindows() { return convWindows(*this, getFilter()); }
llvm::SmallVector<unsigned> ConvOp::getInputSpaceOperands() { return {0}; }
void ConvOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) { setPadding(*this, i, lo, hi); }

llvm::SmallVector<Window> ConvTransposeOp::getWindows() { return convWindows(*this, getFilter()); }
llvm::SmallVector<unsigned> ConvTransposeOp::getInputSpaceOperands() { return {}; }
bool ConvTransposeOp::hasInputSpaceResult() { return true; }
void ConvTransposeOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}

llvm::SmallVector<Window> ConvGradFilterOp::getWindows() { return convWindows(*this, getResult()); }
llvm::SmallVector<unsigned> ConvGradFilterOp::getInputSpaceOperands() { return {0}; }
void ConvGradFilterOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}

llvm::SmallVector<Window> MaxPoolOp::getWindows() { return poolWindows(*this); }
llvm::SmallVector<unsigned> MaxPoolOp::getInputSpaceOperands() { return {0}; }
double MaxPoolOp::getHaloFill() { return -std::numeric_limits<double>::infinity(); }
void MaxPoolOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}

llvm::SmallVector<Window> AvgPoolOp::getWindows() { return poolWindows(*this); }
llvm::SmallVector<unsigned> AvgPoolOp::getInputSpaceOperands() { return {0}; }
void AvgPoolOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}

llvm::SmallVector<Window> MaxPoolGradOp::getWindows() { return poolWindows(*this); }
llvm::SmallVector<unsigned> MaxPoolGradOp::getInputSpaceOperands() { return {0}; }
bool MaxPoolGradOp::hasInputSpaceResult() { return true; }
double MaxPoolGradOp::getHaloFill() { return -std::numeric_limits<double>::infinity(); }
void MaxPoolGradOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}

llvm::SmallVector<Window> AvgPoolGradOp::getWindows() { return poolWindows(*this); }
llvm::SmallVector<unsigned> AvgPoolGradOp::getInputSpaceOperands() { return {}; }
bool AvgPoolGradOp::hasInputSpaceResult() { return true; }
void AvgPoolGradOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}

// The convolution fusions of meshc-fuse-conv (MeshcFusedOps.td): meshc.conv's and
// meshc.conv_grad_filter's windows.
llvm::SmallVector<Window> ConvBiasActOp::getWindows() { return convWindows(*this, getFilter()); }
llvm::SmallVector<unsigned> ConvBiasActOp::getInputSpaceOperands() { return {0}; }
void ConvBiasActOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}

llvm::SmallVector<Window> ConvGradFilterBiasOp::getWindows() {
  return convWindows(*this, getResult());
}
llvm::SmallVector<unsigned> ConvGradFilterBiasOp::getInputSpaceOperands() { return {0}; }
void ConvGradFilterBiasOp::setWindowPadding(unsigned i, int64_t lo, int64_t hi) {
  setPadding(*this, i, lo, hi);
}
