// Sharding rules of the Index family (ShardingRuleOpInterface). Lookups and one-hots run on
// any slice once they know where it lies (their per-rank shardings); ops that scan, pick or cut
// along a dim need it whole; rename pairs dims; reshape keeps the split of the dims it leaves
// alone.
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

namespace {
NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

/// Dims of `input` absent from `reduced`.
llvm::SmallVector<StringAttr> reducedDims(NamedTensorType input, NamedTensorType reduced) {
  llvm::SmallVector<StringAttr> dims;
  for (StringAttr name : input.getDimNames())
    if (!reduced.hasDim(name))
      dims.push_back(name);
  return dims;
}
} // namespace

// The vocabulary is summed over (an implicit one-hot product): a split vocabulary gives a
// partial sum, each rank looking up only the rows it holds.
// Ids dims are summed over: a split batch gives a partial table gradient. Both, and one_hot,
// find where their slice lies from their per-rank shardings.

llvm::SmallVector<StringAttr> ArgmaxOp::getWholeDims() { return {getDimAttr()}; }

llvm::SmallVector<StringAttr> ReduceMaxOp::getWholeDims() {
  return reducedDims(tensorOf(getInput()), tensorOf(getResult()));
}

llvm::SmallVector<StringAttr> ReduceMaxGradOp::getWholeDims() {
  return reducedDims(tensorOf(getInput()), tensorOf(getGrad()));
}

llvm::SmallVector<StringAttr> CumsumOp::getWholeDims() { return {getDimAttr()}; }

llvm::SmallVector<StringAttr> ConcatOp::getWholeDims() {
  llvm::SmallVector<StringAttr> dims{getDimAttr()};
  std::optional<unsigned> position = tensorOf(getResult()).findDim(getDim());
  for (Value input : getInputs())
    dims.push_back(tensorOf(input).getDimNames()[*position]);
  return dims;
}

llvm::SmallVector<StringAttr> SliceOp::getWholeDims() { return {getDimAttr(), getWindowDim()}; }
llvm::SmallVector<StringAttr> PadOp::getWholeDims() { return {getDimAttr(), getWindowDim()}; }

llvm::SmallVector<std::pair<StringAttr, StringAttr>> RenameOp::getDimRenames() {
  llvm::SmallVector<std::pair<StringAttr, StringAttr>> renames;
  for (auto [from, to] :
       llvm::zip(tensorOf(getInput()).getDimNames(), tensorOf(getResult()).getDimNames()))
    if (from != to)
      renames.push_back({from, to});
  return renames;
}

// A dim keeps its split when the result has it with the same name and size after the same
// number of elements: then the reshape maps every rank's slice onto its own slice.
llvm::SmallVector<StringAttr> ReshapeOp::getWholeDims() {
  NamedTensorType input = tensorOf(getInput()), result = tensorOf(getResult());
  auto prefixes = [](NamedTensorType type) {
    llvm::SmallVector<int64_t> prefix{1};
    for (int64_t size : type.getDimSizes())
      prefix.push_back(prefix.back() * size);
    return prefix;
  };
  llvm::SmallVector<int64_t> inPrefix = prefixes(input), outPrefix = prefixes(result);
  auto survives = [&](StringAttr name) {
    std::optional<unsigned> i = input.findDim(name.getValue());
    std::optional<unsigned> o = result.findDim(name.getValue());
    return i && o && input.getDimSizes()[*i] == result.getDimSizes()[*o] &&
           inPrefix[*i] == outPrefix[*o];
  };
  llvm::SmallVector<StringAttr> whole;
  for (NamedTensorType type : {input, result})
    for (StringAttr name : type.getDimNames())
      if (!survives(name) && !llvm::is_contained(whole, name))
        whole.push_back(name);
  return whole;
}
