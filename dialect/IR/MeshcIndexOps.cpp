// Verifiers of the Index family (MeshcIndexOps.td): lookups, one-hots, max/argmax/cumsum
// along a named dim, and the shape ops. Each checks the op on its own, as in MeshcOps.cpp.
#include "dialect/IR/MeshcOps.h"

#include "dialect/IR/Limits.h"

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

LogicalResult requireElement(Operation *op, Value value, llvm::StringRef what, bool i32) {
  Type type = tensorOf(value).getElementType();
  if (i32 ? type.isSignlessInteger(32) : type.isF32())
    return success();
  return op->emitOpError() << what << " must have element type " << (i32 ? "i32" : "f32")
                           << ", not " << type;
}

/// `type` without the dim at `position`.
NamedTensorType without(NamedTensorType type, unsigned position) {
  llvm::SmallVector<StringAttr> names;
  for (auto [i, name] : llvm::enumerate(type.getDimNames()))
    if (i != position)
      names.push_back(name);
  return type.withDims(names);
}

/// Same dim names and sizes in the same order (element types aside).
bool sameDims(NamedTensorType a, NamedTensorType b) {
  return a.getDimNames() == b.getDimNames() && a.getDimSizes() == b.getDimSizes();
}

/// The embedding result's type: ids dims, then the table's dims after the vocabulary.
NamedTensorType lookupType(NamedTensorType table, NamedTensorType ids) {
  llvm::SmallVector<StringAttr> names(ids.getDimNames());
  llvm::SmallVector<int64_t> sizes(ids.getDimSizes());
  for (unsigned i = 1; i < table.getRank(); ++i) {
    names.push_back(table.getDimNames()[i]);
    sizes.push_back(table.getDimSizes()[i]);
  }
  return NamedTensorType::get(table.getContext(), names, sizes, table.getElementType());
}

LogicalResult verifyLookup(Operation *op, NamedTensorType table, llvm::StringRef tableWhat,
                           Value ids, NamedTensorType rows, llvm::StringRef rowsWhat,
                           llvm::StringRef vocabDim) {
  if (failed(requireElement(op, ids, "ids", /*i32=*/true)))
    return failure();
  if (!table.getElementType().isF32())
    return op->emitOpError() << tableWhat << " must have element type f32, not "
                             << table.getElementType();
  if (table.getRank() < 1 || table.getDimNames()[0].getValue() != vocabDim)
    return op->emitOpError() << tableWhat << " " << table << " must have the vocabulary dimension '"
                             << vocabDim << "' first";
  if (int64_t vocab = table.getDimSizes()[0]; vocab > kMaxI32Index)
    return op->emitOpError() << "vocabulary dimension '" << vocabDim << "' has size " << vocab
                             << ", more than i32 ids can index (" << kMaxI32Index << ")";
  if (rows != lookupType(table, tensorOf(ids)))
    return op->emitOpError() << rowsWhat << " " << rows
                             << " must have the ids' dimensions, then the table's after '"
                             << vocabDim << "'";
  return success();
}

/// `a` and `b` have the same dims except at `position`, where both have one.
LogicalResult requireSameExceptAt(Operation *op, NamedTensorType a, llvm::StringRef aWhat,
                                  NamedTensorType b, llvm::StringRef bWhat, unsigned position) {
  if (a.getRank() != b.getRank() || a.getElementType() != b.getElementType())
    return op->emitOpError() << aWhat << " " << a << " and " << bWhat << " " << b
                             << " must have the same rank and element type";
  for (unsigned i = 0; i < a.getRank(); ++i)
    if (i != position &&
        (a.getDimNames()[i] != b.getDimNames()[i] || a.getDimSizes()[i] != b.getDimSizes()[i]))
      return op->emitOpError() << aWhat << " " << a << " and " << bWhat << " " << b
                               << " differ at dimension " << i << ", not only at " << position;
  return success();
}

/// Slice and pad: `large` has `dim` at some position; `small` has there an n-long dim; the
/// window [start, start + n) must lie inside `dim`.
LogicalResult verifyWindow(Operation *op, NamedTensorType large, llvm::StringRef largeWhat,
                           NamedTensorType small, llvm::StringRef smallWhat, llvm::StringRef dim,
                           int64_t start) {
  std::optional<unsigned> position = large.findDim(dim);
  if (!position)
    return op->emitOpError() << largeWhat << " " << large << " has no dimension '" << dim << "'";
  if (failed(requireSameExceptAt(op, large, largeWhat, small, smallWhat, *position)))
    return failure();
  int64_t n = small.getDimSizes()[*position], size = large.getDimSizes()[*position];
  std::optional<int64_t> end = checkedAdd(start, n);
  if (start < 0 || !end || *end > size)
    return op->emitOpError() << "window [" << start << ", "
                             << (end ? std::to_string(*end) : "start + " + std::to_string(n))
                             << ") does not fit in dimension '" << dim << "' of size " << size;
  return success();
}

} // namespace

LogicalResult EmbeddingOp::verify() {
  return verifyLookup(*this, tensorOf(getTable()), "table", getIds(), tensorOf(getResult()),
                      "result", getVocabDim());
}

LogicalResult EmbeddingGradOp::verify() {
  if (failed(requireElement(*this, getGrad(), "the gradient", /*i32=*/false)))
    return failure();
  return verifyLookup(*this, tensorOf(getResult()), "result", getIds(), tensorOf(getGrad()),
                      "gradient", getVocabDim());
}

StringAttr OneHotOp::getClassDim() {
  NamedTensorType input = tensorOf(getInput());
  for (StringAttr name : tensorOf(getResult()).getDimNames())
    if (!input.hasDim(name))
      return name;
  return {};
}

LogicalResult OneHotOp::verify() {
  // The operand's element type is f32 or i32, as every meshc tensor's.
  if (failed(requireElement(*this, getResult(), "the result", /*i32=*/false)))
    return failure();
  NamedTensorType input = tensorOf(getInput()), result = tensorOf(getResult());
  StringAttr classDim = getClassDim();
  if (result.getRank() != input.getRank() + 1 || !classDim ||
      !sameDims(without(result, *result.findDim(classDim.getValue())),
                input.withElementType(result.getElementType())))
    return emitOpError() << "result " << result << " must have the operand's dimensions plus "
                         << "one class dimension";
  // An index is compared with each class number: the index type must hold them all.
  bool i32 = input.getElementType().isSignlessInteger(32);
  if (getXentLabels() && !i32)
    return emitOpError() << "xent_labels needs i32 labels, not " << input;
  int64_t classes = result.getDimSize(classDim.getValue()),
          most = i32 ? kMaxI32Index : kMaxF32Index;
  if (classes > most)
    return emitOpError() << "class dimension '" << classDim.getValue() << "' has size " << classes
                         << ", more than " << (i32 ? "i32" : "f32")
                         << " indices can index exactly (" << most << ")";
  return success();
}

LogicalResult ArgmaxOp::verify() {
  if (failed(requireElement(*this, getInput(), "the operand", /*i32=*/false)) ||
      failed(requireElement(*this, getResult(), "the result", /*i32=*/true)))
    return failure();
  NamedTensorType input = tensorOf(getInput()), result = tensorOf(getResult());
  std::optional<unsigned> position = input.findDim(getDim());
  if (!position)
    return emitOpError() << "operand " << input << " has no dimension '" << getDim() << "'";
  if (!sameDims(without(input, *position), result))
    return emitOpError() << "result " << result << " must have the operand's dimensions without '"
                         << getDim() << "', in order";
  if (int64_t size = input.getDimSizes()[*position]; size > kMaxI32Index)
    return emitOpError() << "dimension '" << getDim() << "' has size " << size
                         << ", more than an i32 result can index (" << kMaxI32Index << ")";
  return success();
}

static LogicalResult verifyMaxOperands(Operation *op, NamedTensorType input,
                                       NamedTensorType reduced, llvm::StringRef reducedWhat) {
  if (!input.getElementType().isF32() || !reduced.getElementType().isF32())
    return op->emitOpError() << "operands and result must have element type f32";
  for (auto [name, size] : llvm::zip(reduced.getDimNames(), reduced.getDimSizes()))
    if (!input.hasDim(name) || input.getDimSize(name) != size)
      return op->emitOpError() << "dimension '" << name.getValue() << "' of the " << reducedWhat
                               << " is not a dimension of the operand of the same size";
  return success();
}

LogicalResult ReduceMaxOp::verify() {
  return verifyMaxOperands(*this, tensorOf(getInput()), tensorOf(getResult()), "result");
}

LogicalResult ReduceMaxGradOp::verify() {
  if (failed(verifyMaxOperands(*this, tensorOf(getInput()), tensorOf(getGrad()), "gradient")))
    return failure();
  if (getResult().getType() != getInput().getType())
    return emitOpError() << "result must have the operand's type";
  return success();
}

LogicalResult CumsumOp::verify() {
  if (failed(requireElement(*this, getInput(), "the operand", /*i32=*/false)))
    return failure();
  if (!tensorOf(getInput()).hasDim(getDim()))
    return emitOpError() << "operand " << tensorOf(getInput()) << " has no dimension '" << getDim()
                         << "'";
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one operand";
  NamedTensorType result = tensorOf(getResult());
  std::optional<unsigned> position = result.findDim(getDim());
  if (!position)
    return emitOpError() << "result " << result << " has no dimension '" << getDim() << "'";
  std::optional<int64_t> total = 0;
  for (Value input : getInputs()) {
    if (failed(requireSameExceptAt(*this, tensorOf(input), "operand", result, "result", *position)))
      return failure();
    if (total)
      total = checkedAdd(*total, tensorOf(input).getDimSizes()[*position]);
  }
  if (total != std::optional<int64_t>(result.getDimSizes()[*position]))
    return emitOpError() << "operand sizes along '" << getDim() << "' add up to "
                         << (total ? std::to_string(*total)
                                   : "more than " + std::to_string(kMaxInt64))
                         << ", not " << result.getDimSizes()[*position];
  return success();
}

StringAttr SliceOp::getWindowDim() {
  std::optional<unsigned> position = tensorOf(getInput()).findDim(getDim());
  NamedTensorType result = tensorOf(getResult());
  if (!position || *position >= result.getRank())
    return {};
  return result.getDimNames()[*position];
}

LogicalResult SliceOp::verify() {
  return verifyWindow(*this, tensorOf(getInput()), "operand", tensorOf(getResult()), "result",
                      getDim(), getStart());
}

StringAttr PadOp::getWindowDim() {
  std::optional<unsigned> position = tensorOf(getResult()).findDim(getDim());
  NamedTensorType input = tensorOf(getInput());
  if (!position || *position >= input.getRank())
    return {};
  return input.getDimNames()[*position];
}

LogicalResult PadOp::verify() {
  return verifyWindow(*this, tensorOf(getResult()), "result", tensorOf(getInput()), "operand",
                      getDim(), getStart());
}

LogicalResult RenameOp::verify() {
  NamedTensorType input = tensorOf(getInput()), result = tensorOf(getResult());
  if (input.getDimSizes() != result.getDimSizes() ||
      input.getElementType() != result.getElementType())
    return emitOpError() << "result " << result << " must have the sizes and element type of "
                         << input << ", dims paired by position";
  return success();
}

LogicalResult ReshapeOp::verify() {
  NamedTensorType input = tensorOf(getInput()), result = tensorOf(getResult());
  if (input.getNumElements() != result.getNumElements() ||
      input.getElementType() != result.getElementType())
    return emitOpError() << "result " << result << " must have the element count and type of "
                         << input;
  return success();
}

LogicalResult StopGradientOp::verify() { return success(); }
