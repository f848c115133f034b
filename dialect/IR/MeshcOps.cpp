// Verifiers of the meshc ops. They check each op on its own (names, sizes, element types);
// program-wide rules (one size per dimension name, layouts) are checked by passes.
#include "dialect/IR/MeshcOps.h"

#include "dialect/IR/Limits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

LogicalResult requireF32(Operation *op, Value value, llvm::StringRef what) {
  Type type = tensorOf(value).getElementType();
  if (!type.isF32())
    return op->emitOpError() << what << " must have element type f32, not " << type;
  return success();
}

/// Every dim of `part` is in `whole` with the same size.
LogicalResult requireSubset(Operation *op, NamedTensorType part, llvm::StringRef partWhat,
                            NamedTensorType whole, llvm::StringRef wholeWhat) {
  for (auto [name, size] : llvm::zip(part.getDimNames(), part.getDimSizes())) {
    std::optional<unsigned> index = whole.findDim(name.getValue());
    if (!index)
      return op->emitOpError() << "dimension '" << name.getValue() << "' of the " << partWhat
                               << " is not a dimension of the " << wholeWhat;
    if (whole.getDimSizes()[*index] != size)
      return op->emitOpError() << "dimension '" << name.getValue() << "' has size " << size
                               << " in the " << partWhat << " but " << whole.getDimSizes()[*index]
                               << " in the " << wholeWhat;
  }
  return success();
}

/// Dimensions named alike have one size across `values`.
LogicalResult requireConsistentSizes(Operation *op, ValueRange values) {
  llvm::StringMap<int64_t> sizes;
  for (Value value : values) {
    NamedTensorType type = tensorOf(value);
    for (auto [name, size] : llvm::zip(type.getDimNames(), type.getDimSizes())) {
      auto [it, inserted] = sizes.try_emplace(name.getValue(), size);
      if (!inserted && it->second != size)
        return op->emitOpError() << "dimension '" << name.getValue() << "' has sizes " << it->second
                                 << " and " << size << " in the operands";
    }
  }
  return success();
}

/// `labels` is `logits` without `classDim`, in order.
LogicalResult verifyLabelsMatchLogits(Operation *op, NamedTensorType logits, NamedTensorType labels,
                                      llvm::StringRef classDim) {
  if (!logits.hasDim(classDim))
    return op->emitOpError() << "logits have no class dimension '" << classDim << "'";
  if (!labels.getElementType().isSignlessInteger(32))
    return op->emitOpError() << "labels must have element type i32, not "
                             << labels.getElementType();
  if (int64_t classes = logits.getDimSize(classDim); classes > kMaxI32Index)
    return op->emitOpError() << "class dimension '" << classDim << "' has size " << classes
                             << ", more than i32 labels can index (" << kMaxI32Index << ")";
  llvm::SmallVector<StringAttr> expectedNames;
  llvm::SmallVector<int64_t> expectedSizes;
  for (auto [name, size] : llvm::zip(logits.getDimNames(), logits.getDimSizes()))
    if (name.getValue() != classDim) {
      expectedNames.push_back(name);
      expectedSizes.push_back(size);
    }
  if (labels.getDimNames() != llvm::ArrayRef(expectedNames) ||
      labels.getDimSizes() != llvm::ArrayRef(expectedSizes))
    return op->emitOpError() << "labels " << labels << " must have the logits' dimensions without '"
                             << classDim << "', in the same order";
  return success();
}

/// The dim-and-axis collectives: `result` is `input` with dim `dim` scaled by an integer.
LogicalResult verifyResized(Operation *op, NamedTensorType input, NamedTensorType result,
                            llvm::StringRef dim, bool grows) {
  if (input.getDimNames() != result.getDimNames() ||
      input.getElementType() != result.getElementType())
    return op->emitOpError() << "result " << result << " must have the dimensions of " << input;
  std::optional<unsigned> index = input.findDim(dim);
  if (!index)
    return op->emitOpError() << "has no dimension '" << dim << "'";
  for (unsigned i = 0; i < input.getRank(); ++i) {
    int64_t in = input.getDimSizes()[i], out = result.getDimSizes()[i];
    if (i != *index && in != out)
      return op->emitOpError() << "changes dimension '" << input.getDimNames()[i].getValue()
                               << "', which is not '" << dim << "'";
    int64_t small = grows ? in : out, large = grows ? out : in;
    if (i == *index && large % small != 0)
      return op->emitOpError() << "dimension '" << dim << "' goes from " << in << " to " << out
                               << ", not an integer factor";
  }
  return success();
}

} // namespace

LogicalResult InputOp::verify() {
  NamedTensorType type = tensorOf(getResult());
  switch (getKind()) {
  case InputKind::Features:
    if (failed(requireF32(*this, getResult(), "a features input")))
      return failure();
    break;
  case InputKind::Labels:
    if (!type.getElementType().isSignlessInteger(32))
      return emitOpError() << "a labels input must have element type i32, not "
                           << type.getElementType();
    break;
  }
  if (type.getRank() < 1)
    return emitOpError() << "an input needs a leading sample dimension";
  if (getClasses() < 1)
    return emitOpError() << "classes must be at least 1, not " << getClasses();
  // The runtime's synthetic data takes the class count as an i32, as labels are.
  if (getClasses() > kMaxI32Index)
    return emitOpError() << "classes must be at most " << kMaxI32Index << " (labels are i32), not "
                         << getClasses();
  return success();
}

LogicalResult ParamOp::verify() {
  if (failed(requireF32(*this, getResult(), "a parameter")))
    return failure();
  if (!std::isfinite(getScale().convertToDouble()))
    return emitOpError() << "scale must be finite, not "
                         << std::to_string(getScale().convertToDouble());
  return success();
}

LogicalResult EinsumOp::verify() {
  if (getInputs().empty() || getInputs().size() > 2)
    return emitOpError() << "takes one or two operands, not " << getInputs().size();
  for (Value input : getInputs())
    if (failed(requireF32(*this, input, "an operand")))
      return failure();
  if (failed(requireF32(*this, getResult(), "the result")) ||
      failed(requireConsistentSizes(*this, getInputs())))
    return failure();
  NamedTensorType result = tensorOf(getResult());
  for (auto [name, size] : llvm::zip(result.getDimNames(), result.getDimSizes())) {
    StringAttr dim = name; // a structured binding cannot be captured before C++20
    auto owner = llvm::find_if(getInputs(), [&](Value v) { return tensorOf(v).hasDim(dim); });
    if (owner == getInputs().end())
      return emitOpError() << "result dimension '" << name.getValue()
                           << "' is not a dimension of any operand";
    if (tensorOf(*owner).getDimSize(name) != size)
      return emitOpError() << "result dimension '" << name.getValue() << "' has size " << size
                           << " but " << tensorOf(*owner).getDimSize(name) << " in the operands";
  }
  return success();
}

LogicalResult meshc::verifyBroadcastingBinary(Operation *op, Value lhs, Value rhs, Value result) {
  for (Value v : {lhs, rhs, result})
    if (failed(requireF32(op, v, "every operand and the result")))
      return failure();
  NamedTensorType out = tensorOf(result);
  if (failed(requireSubset(op, tensorOf(lhs), "left operand", out, "result")) ||
      failed(requireSubset(op, tensorOf(rhs), "right operand", out, "result")))
    return failure();
  for (StringAttr name : out.getDimNames())
    if (!tensorOf(lhs).hasDim(name) && !tensorOf(rhs).hasDim(name))
      return op->emitOpError() << "result dimension '" << name.getValue()
                               << "' is in neither operand";
  return success();
}

LogicalResult AddOp::verify() {
  return verifyBroadcastingBinary(*this, getLhs(), getRhs(), getResult());
}
LogicalResult SubOp::verify() {
  return verifyBroadcastingBinary(*this, getLhs(), getRhs(), getResult());
}
LogicalResult MulOp::verify() {
  return verifyBroadcastingBinary(*this, getLhs(), getRhs(), getResult());
}

LogicalResult ReluOp::verify() { return requireF32(*this, getInput(), "the operand"); }

static LogicalResult verifyReduce(Operation *op, Value input, Value result) {
  if (failed(requireF32(op, input, "the operand")) || failed(requireF32(op, result, "the result")))
    return failure();
  return requireSubset(op, tensorOf(result), "result", tensorOf(input), "operand");
}

LogicalResult ReduceSumOp::verify() { return verifyReduce(*this, getInput(), getResult()); }
LogicalResult ReduceMeanOp::verify() { return verifyReduce(*this, getInput(), getResult()); }

LogicalResult SoftmaxXentOp::verify() {
  if (failed(requireF32(*this, getLogits(), "the logits")) ||
      failed(requireF32(*this, getResult(), "the result")) ||
      failed(verifyLabelsMatchLogits(*this, tensorOf(getLogits()), tensorOf(getLabels()),
                                     getClassDim())))
    return failure();
  if (tensorOf(getResult()).withElementType(tensorOf(getLabels()).getElementType()) !=
      tensorOf(getLabels()))
    return emitOpError() << "result must have the labels' dimensions";
  return success();
}

LogicalResult ReluGradOp::verify() { return requireF32(*this, getInput(), "the operand"); }

LogicalResult SoftmaxXentGradOp::verify() {
  if (failed(requireF32(*this, getLogits(), "the logits")) ||
      failed(verifyLabelsMatchLogits(*this, tensorOf(getLogits()), tensorOf(getLabels()),
                                     getClassDim())))
    return failure();
  if (tensorOf(getDloss()).withElementType(tensorOf(getLabels()).getElementType()) !=
      tensorOf(getLabels()))
    return emitOpError() << "dloss must have the labels' dimensions";
  if (getResult().getType() != getLogits().getType())
    return emitOpError() << "result must have the logits' type";
  return success();
}

LogicalResult BroadcastOp::verify() {
  if (tensorOf(getInput()).getElementType() != tensorOf(getResult()).getElementType())
    return emitOpError() << "changes the element type";
  return requireSubset(*this, tensorOf(getInput()), "operand", tensorOf(getResult()), "result");
}

LogicalResult ScaleOp::verify() { return requireF32(*this, getInput(), "the operand"); }

LogicalResult FillOp::verify() { return requireF32(*this, getResult(), "the result"); }

LogicalResult MinimizeOp::verify() {
  NamedTensorType loss = tensorOf(getLoss());
  if (loss.getRank() != 0 || !loss.getElementType().isF32())
    return emitOpError() << "loss must be an f32 scalar, not " << loss;
  double learningRate = getLearningRate().convertToDouble();
  if (!(learningRate > 0))
    return emitOpError() << "learning rate must be positive";
  if (!std::isfinite(learningRate))
    return emitOpError() << "learning rate must be finite, not " << std::to_string(learningRate);
  return verifyOptimizerAttributes(*this);
}

LogicalResult SgdUpdateOp::verify() {
  if (!getParam().getDefiningOp<ParamOp>())
    return emitOpError() << "must update the value of a meshc.param";
  return verifyUpdateGradType(*this, getParam(), getGrad());
}

std::string meshc::whyNotOneMatmul(NamedTensorType result, NamedTensorType lhs,
                                   NamedTensorType rhs) {
  auto owner = [&](StringAttr dim) -> int {
    bool inLhs = lhs.hasDim(dim.getValue()), inRhs = rhs.hasDim(dim.getValue());
    return inLhs && inRhs ? 2 : inLhs ? 0 : inRhs ? 1 : -1;
  };
  ArrayRef<StringAttr> dims = result.getDimNames();
  for (StringAttr dim : dims) {
    int own = owner(dim);
    if (own < 0)
      return ("result dimension '" + dim.getValue() + "' is in neither einsum operand").str();
    if (own == 2)
      return ("result dimension '" + dim.getValue() +
              "' is in both einsum operands (a batch dim: not one matmul)")
          .str();
  }
  size_t split = 0;
  while (split < dims.size() && owner(dims[split]) == owner(dims.front()))
    ++split;
  for (size_t i = split; i < dims.size(); ++i)
    if (owner(dims[i]) == owner(dims.front()))
      return "result dimensions must be one operand's followed by the other's (one matmul "
             "writing the result directly)";
  return "";
}

LogicalResult SgdUpdateEinsumOp::verify() {
  if (!getParam().getDefiningOp<ParamOp>())
    return emitOpError() << "must update the value of a meshc.param";
  for (Value v : {getParam(), getLhs(), getRhs()})
    if (failed(requireF32(*this, v, "every operand")))
      return failure();
  if (failed(requireConsistentSizes(*this, {getParam(), getLhs(), getRhs()})))
    return failure();
  std::string why = whyNotOneMatmul(tensorOf(getParam()), tensorOf(getLhs()), tensorOf(getRhs()));
  if (!why.empty())
    return emitOpError() << "the parameter as the einsum's result: " << why;
  if (getAxes().empty())
    return emitOpError() << "sums over no mesh axes";
  double learningRate = getLearningRate().convertToDouble();
  if (!(learningRate > 0) || !std::isfinite(learningRate))
    return emitOpError() << "learning rate must be positive and finite";
  return success();
}

LogicalResult OutputOp::verify() {
  NamedTensorType type = tensorOf(getValue());
  if (type.getRank() != 0 || !type.getElementType().isF32())
    return emitOpError() << "outputs an f32 scalar, not " << type;
  return success();
}

/// An async collective's results: all used by one meshc.wait and nothing else.
static LogicalResult verifyAsyncResults(Operation *op) {
  Operation *wait = nullptr;
  for (OpResult result : op->getResults())
    for (Operation *user : result.getUsers()) {
      if (!isa<WaitOp>(user))
        return op->emitOpError() << "is async, but its result #" << result.getResultNumber()
                                 << " is used by '" << user->getName()
                                 << "' (only its meshc.wait may use it)";
      if (wait && wait != user)
        return op->emitOpError() << "is async, but its results are used by more than one "
                                    "meshc.wait";
      wait = user;
    }
  return success();
}

LogicalResult AllReduceOp::verify() {
  if (getAxes().empty())
    return emitOpError() << "needs at least one mesh axis";
  if (getAsync() && failed(verifyAsyncResults(*this)))
    return failure();
  return requireF32(*this, getInput(), "the operand");
}

LogicalResult AllReduceMaxOp::verify() {
  if (getAxes().empty())
    return emitOpError() << "needs at least one mesh axis";
  return requireF32(*this, getInput(), "the operand");
}

LogicalResult WaitOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one operand";
  Operation *start = getInputs().front().getDefiningOp();
  if (!start || !isa<AllReduceOp, AllReduceBucketOp>(start) || !start->hasAttr("async"))
    return emitOpError() << "operand #0 is not a result of an async meshc.all_reduce or "
                            "meshc.all_reduce_bucket";
  if (getInputs().size() != start->getNumResults() ||
      !llvm::equal(getInputs(), start->getResults()))
    return emitOpError() << "must take all " << start->getNumResults() << " results of '"
                         << start->getName() << "', in order";
  if (start->getBlock() != (*this)->getBlock())
    return emitOpError() << "must be in the block of the collective it waits for";
  for (auto [index, input, result] : llvm::enumerate(getInputs(), getResults()))
    if (input.getType() != result.getType())
      return emitOpError() << "result #" << index << " has type " << result.getType()
                           << ", not its operand's " << input.getType();
  return success();
}

LogicalResult AllReduceBucketOp::verify() {
  if (getAxes().empty())
    return emitOpError() << "needs at least one mesh axis";
  if (getInputs().empty())
    return emitOpError() << "needs at least one operand";
  if (getInputs().size() != getResults().size())
    return emitOpError() << "has " << getInputs().size() << " operands but " << getResults().size()
                         << " results";
  if (getAsync() && failed(verifyAsyncResults(*this)))
    return failure();
  for (auto [index, input, result] : llvm::enumerate(getInputs(), getResults())) {
    if (failed(requireF32(*this, input, ("operand #" + llvm::Twine(index)).str())))
      return failure();
    if (input.getType() != result.getType())
      return emitOpError() << "result #" << index << " has type " << result.getType()
                           << ", not its operand's " << input.getType();
  }
  return success();
}

LogicalResult AllGatherOp::verify() {
  return verifyResized(*this, tensorOf(getInput()), tensorOf(getResult()), getDim(), true);
}
LogicalResult ReduceScatterOp::verify() {
  if (failed(requireF32(*this, getInput(), "the operand")))
    return failure();
  return verifyResized(*this, tensorOf(getInput()), tensorOf(getResult()), getDim(), false);
}
LogicalResult AllSliceOp::verify() {
  return verifyResized(*this, tensorOf(getInput()), tensorOf(getResult()), getDim(), false);
}

LogicalResult AllToAllOp::verify() {
  NamedTensorType in = tensorOf(getInput()), out = tensorOf(getResult());
  if (getSplitDim() == getConcatDim())
    return emitOpError() << "splits and concatenates the same dimension";
  if (!in.hasDim(getSplitDim()) || !in.hasDim(getConcatDim()))
    return emitOpError() << "operand lacks dimension '" << getSplitDim() << "' or '"
                         << getConcatDim() << "'";
  if (in.getDimNames() != out.getDimNames())
    return emitOpError() << "result must have the operand's dimensions";
  int64_t splitIn = in.getDimSize(getSplitDim()), splitOut = out.getDimSize(getSplitDim());
  int64_t catIn = in.getDimSize(getConcatDim()), catOut = out.getDimSize(getConcatDim());
  if (splitOut == 0 || splitIn % splitOut != 0 ||
      checkedMul(catIn, splitIn / splitOut) != std::optional<int64_t>(catOut))
    return emitOpError() << "sizes do not split '" << getSplitDim() << "' and gather '"
                         << getConcatDim() << "' by one factor";
  return success();
}

namespace {

/// A halo op's types: `wide` = `block` with lo + hi more rows of `dim`, lo and hi at most the
/// block's rows (a neighbour's block holds them), everything else equal.
LogicalResult verifyHalo(Operation *op, NamedTensorType block, NamedTensorType wide, StringRef dim,
                         int64_t lo, int64_t hi) {
  if (lo < 0 || hi < 0)
    return op->emitOpError() << "has a negative halo (lo = " << lo << ", hi = " << hi << ")";
  std::optional<unsigned> index = block.findDim(dim);
  if (!index)
    return op->emitOpError() << "has no dimension '" << dim << "'";
  int64_t rows = block.getDimSizes()[*index];
  if (lo > rows || hi > rows)
    return op->emitOpError() << "halo of " << lo << " and " << hi << " rows exceeds the " << rows
                             << "-row block of '" << dim << "' (only neighbours exchange)";
  llvm::SmallVector<int64_t> sizes(block.getDimSizes());
  sizes[*index] += lo + hi;
  if (wide != block.withSizes(sizes))
    return op->emitOpError() << "types " << block << " and " << wide << " must differ by " << lo
                             << " + " << hi << " rows of '" << dim << "'";
  return success();
}

} // namespace

LogicalResult HaloExchangeOp::verify() {
  return verifyHalo(*this, tensorOf(getInput()), tensorOf(getResult()), getDim(), getLo(), getHi());
}
LogicalResult HaloExchangeGradOp::verify() {
  if (failed(requireF32(*this, getInput(), "the operand")))
    return failure();
  return verifyHalo(*this, tensorOf(getResult()), tensorOf(getInput()), getDim(), getLo(), getHi());
}

#define GET_OP_CLASSES
#include "dialect/IR/MeshcOps.cpp.inc"
