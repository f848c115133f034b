// The Decompose pass: rewrites ops into the subset the partitioner and the lowering handle.
// A mean becomes a sum and a scale by the *global* element count, so that once the sum is
// partitioned (a partial sum, then an all_reduce) the scale still divides by the right N.
#include "dialect/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace meshc {
#define GEN_PASS_DEF_DECOMPOSE
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

void decomposeReduceMean(ReduceMeanOp op) {
  auto input = llvm::cast<NamedTensorType>(op.getInput().getType());
  auto result = llvm::cast<NamedTensorType>(op.getResult().getType());
  int64_t reduced = input.getNumElements() / result.getNumElements();
  OpBuilder builder(op);
  Value sum = builder.create<ReduceSumOp>(op.getLoc(), result, op.getInput());
  Value mean = builder.create<ScaleOp>(op.getLoc(), result, sum,
                                       builder.getF64FloatAttr(1.0 / double(reduced)));
  op.getResult().replaceAllUsesWith(mean);
  op.erase();
}

struct DecomposePass : meshc::impl::DecomposeBase<DecomposePass> {
  void runOnOperation() override {
    llvm::SmallVector<ReduceMeanOp> means;
    getOperation().walk([&](ReduceMeanOp op) { means.push_back(op); });
    for (ReduceMeanOp op : means)
      decomposeReduceMean(op);
  }
};

} // namespace
