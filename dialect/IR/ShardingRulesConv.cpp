// Sharding rules of the Conv family (ShardingRuleOpInterface). The kernel dims are whole; the
// spatial dims are windowed (WindowOpInterface: split, a halo exchange partitions them); the
// batch-like and channel dims split as the layout says. The
// default summed dims then give data and channel parallelism: a split in_channel (summed by
// conv), out_channel (summed by conv_transpose) or batch (summed by conv_grad_filter) leaves a
// partial sum, a split out_channel of conv none. Batch norm is elementwise per channel; its
// adjoint sums over every dim but the channel.
#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

namespace {

NamedTensorType tensorOf(Value value) { return llvm::cast<NamedTensorType>(value.getType()); }

/// The names of `arrays`' entries, each once.
llvm::SmallVector<StringAttr> namesOf(std::initializer_list<ArrayAttr> arrays) {
  llvm::SmallVector<StringAttr> names;
  for (ArrayAttr array : arrays)
    for (Attribute name : array)
      if (!llvm::is_contained(names, name))
        names.push_back(llvm::cast<StringAttr>(name));
  return names;
}

} // namespace

// The kernel dims live in the filter alone: whole. The spatial dims are windowed
// (WindowOpInterface, WindowRulesConv.cpp): split, they are partitioned by a halo exchange.
llvm::SmallVector<StringAttr> ConvOp::getWholeDims() { return namesOf({getKernelSpatial()}); }
llvm::SmallVector<StringAttr> ConvTransposeOp::getWholeDims() {
  return namesOf({getKernelSpatial()});
}
llvm::SmallVector<StringAttr> ConvGradFilterOp::getWholeDims() {
  return namesOf({getKernelSpatial()});
}
llvm::SmallVector<StringAttr> MaxPoolOp::getWholeDims() { return {}; }
llvm::SmallVector<StringAttr> AvgPoolOp::getWholeDims() { return {}; }
llvm::SmallVector<StringAttr> MaxPoolGradOp::getWholeDims() { return {}; }
llvm::SmallVector<StringAttr> AvgPoolGradOp::getWholeDims() { return {}; }

// Five results, so the default (operand dims absent from the single result) does not apply:
// the [channel] results sum over every other dim of the input.
llvm::SmallVector<StringAttr> BatchNormGradOp::getSummedDims() {
  llvm::SmallVector<StringAttr> summed;
  for (StringAttr name : tensorOf(getInput()).getDimNames())
    if (name.getValue() != getChannel())
      summed.push_back(name);
  return summed;
}
