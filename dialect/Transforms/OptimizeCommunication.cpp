// meshc-optimize-communication: all_reduce bucketing of the per-rank program (Passes.td has
// the rules). One walk in program order keeps an open bucket per (mesh axes, element type,
// passes that run the op); a bucket closes when an op uses one of its members' results or when
// it is full, and becomes one meshc.all_reduce_bucket at its last member's place. Starting
// collectives early and sharded updates will live here too.
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/ProgramPasses.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <map>
#include <tuple>

namespace meshc {
#define GEN_PASS_DEF_OPTIMIZECOMMUNICATION
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// What all_reduces must share to join one bucket: the mesh axes (as a set), the element type
/// (the packed buffer has one) and which passes of the executable run them (a bucket runs in
/// each pass any member runs in, so members must agree).
struct BucketKey {
  std::string axes;
  Type element;
  unsigned passes = 0;
  bool operator<(const BucketKey &o) const {
    return std::make_tuple(axes, passes, element.getAsOpaquePointer()) <
           std::make_tuple(o.axes, o.passes, o.element.getAsOpaquePointer());
  }
};

struct Bucket {
  llvm::SmallVector<AllReduceOp> members;
  int64_t bytes = 0;
};

BucketKey keyOf(AllReduceOp reduce, const ProgramPasses &passes) {
  llvm::SmallVector<StringRef> axes;
  for (Attribute axis : reduce.getAxes())
    axes.push_back(llvm::cast<StringAttr>(axis).getValue());
  llvm::sort(axes);
  BucketKey key;
  for (StringRef axis : axes)
    key.axes += axis.str() + ",";
  key.element = llvm::cast<NamedTensorType>(reduce.getResult().getType()).getElementType();
  Operation *op = reduce;
  key.passes = (passes.train.contains(op) ? 1 : 0) | (passes.eval.contains(op) ? 2 : 0) |
               (passes.predict.contains(op) ? 4 : 0);
  return key;
}

/// Replaces a bucket of two or more all_reduces by one meshc.all_reduce_bucket at its last
/// member's place; each result keeps its member's sharding.
void emitBucket(Bucket &bucket) {
  if (bucket.members.size() < 2)
    return;
  AllReduceOp last = bucket.members.back();
  OpBuilder builder(last);
  llvm::SmallVector<Value> inputs;
  llvm::SmallVector<Type> types;
  llvm::SmallVector<Location> locs;
  llvm::SmallVector<ShardingAttr> shardings;
  for (AllReduceOp member : bucket.members) {
    inputs.push_back(member.getInput());
    types.push_back(member.getResult().getType());
    locs.push_back(member.getLoc());
    shardings.push_back(getSharding(member.getResult()));
  }
  auto fused = builder.create<AllReduceBucketOp>(builder.getFusedLoc(locs), types, inputs,
                                                 bucket.members.front().getAxes());
  if (llvm::all_of(shardings, [](ShardingAttr s) { return static_cast<bool>(s); }))
    setResultShardings(fused, shardings);
  for (auto [member, result] : llvm::zip(bucket.members, fused.getResults())) {
    member.getResult().replaceAllUsesWith(result);
    member.erase();
  }
}

void bucketAllReduces(Block &body, int64_t bucketBytes) {
  ProgramPasses passes = planProgramPasses(body);
  std::map<BucketKey, Bucket> open;
  llvm::DenseMap<Operation *, BucketKey> openMember; // a member of an open bucket -> its key
  std::vector<Bucket> closed;
  auto close = [&](const BucketKey &key) {
    auto it = open.find(key);
    if (it == open.end())
      return;
    for (AllReduceOp member : it->second.members)
      openMember.erase(member);
    closed.push_back(std::move(it->second));
    open.erase(it);
  };
  for (Operation &op : body) {
    // A use of a member's result: its bucket must be summed before this op.
    op.walk([&](Operation *user) {
      for (Value operand : user->getOperands())
        if (Operation *def = operand.getDefiningOp())
          if (auto it = openMember.find(def); it != openMember.end())
            close(BucketKey(it->second));
    });
    auto reduce = dyn_cast<AllReduceOp>(op);
    if (!reduce)
      continue;
    auto type = llvm::cast<NamedTensorType>(reduce.getResult().getType());
    int64_t bytes = type.getNumElements() * (type.getElementType().getIntOrFloatBitWidth() / 8);
    if (bytes >= bucketBytes)
      continue; // large enough alone
    BucketKey key = keyOf(reduce, passes);
    if (auto it = open.find(key); it != open.end() && it->second.bytes + bytes > bucketBytes)
      close(key);
    Bucket &bucket = open[key];
    bucket.members.push_back(reduce);
    bucket.bytes += bytes;
    openMember.try_emplace(reduce, key);
  }
  while (!open.empty())
    close(open.begin()->first);
  for (Bucket &bucket : closed)
    emitBucket(bucket);
}

struct OptimizeCommunicationPass
    : meshc::impl::OptimizeCommunicationBase<OptimizeCommunicationPass> {
  using OptimizeCommunicationBase::OptimizeCommunicationBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (bucketBytes < 0) {
      module.emitError() << "bucket-bytes must be 0 (off) or positive, not "
                         << static_cast<int64_t>(bucketBytes);
      return signalPassFailure();
    }
    if (bucketBytes == 0) {
      markAllAnalysesPreserved();
      return;
    }
    for (func::FuncOp func : module.getOps<func::FuncOp>())
      if (isPerRank(func) && !func.getBody().empty())
        bucketAllReduces(func.getBody().front(), bucketBytes);
  }
};

} // namespace
