// meshc-optimize-communication: all_reduce bucketing of the per-rank program (Passes.td has
// the rules). One walk in program order keeps an open bucket per (mesh axes, element type,
// passes that run the op); a bucket closes when an op uses one of its members' results or when
// it is full, and becomes one meshc.all_reduce_bucket at its last member's place. Starting
// collectives early and sharded updates will live here too.
//
// Overlap (option `overlap`) then makes each all_reduce and bucket non-blocking: moved up to
// right after its operands' last producer (not past an op that writes memory), `async`, and
// ended by a meshc.wait right before the first use of its results.
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/ProgramPasses.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

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

/// True where moving a collective's start above `op` could change what the program computes:
/// `op` writes memory (a parameter update, clipping in place, an output or metric) or its
/// effects are unknown. Reading memory (meshc.param, meshc.input) is no obstacle.
bool blocksStart(Operation *op) {
  if (isMemoryEffectFree(op))
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  return !effects || !effects.onlyHasEffect<MemoryEffects::Read>();
}

/// Makes `collective` (an all_reduce or bucket) non-blocking where some op can run between its
/// operands' last producer and its results' first use.
void overlapCollective(Operation *collective) {
  Block &body = *collective->getBlock();
  // The first use of any result (an op of this block, or the op of this block that holds it).
  Operation *firstUse = nullptr;
  for (Value result : collective->getResults())
    for (Operation *user : result.getUsers()) {
      Operation *inBlock = body.findAncestorOpInBlock(*user);
      if (inBlock && (!firstUse || inBlock->isBeforeInBlock(firstUse)))
        firstUse = inBlock;
    }
  if (!firstUse)
    return;
  // The start: right after the last op it must follow.
  Operation *after = collective->getPrevNode();
  for (; after; after = after->getPrevNode())
    if (blocksStart(after) || llvm::any_of(collective->getOperands(), [&](Value operand) {
          return operand.getDefiningOp() == after;
        }))
      break;
  if (after)
    collective->moveAfter(after);
  else
    collective->moveBefore(&body.front());
  if (collective->getNextNode() == firstUse)
    return; // nothing to run meanwhile: it stays blocking
  collective->setAttr("async", UnitAttr::get(collective->getContext()));
  OpBuilder builder(firstUse);
  auto wait = builder.create<WaitOp>(collective->getLoc(), collective->getResults());
  llvm::SmallVector<ShardingAttr> shardings;
  for (Value result : collective->getResults())
    shardings.push_back(getSharding(result));
  if (llvm::all_of(shardings, [](ShardingAttr s) { return static_cast<bool>(s); }))
    setResultShardings(wait, shardings);
  for (auto [result, ready] : llvm::zip(collective->getResults(), wait.getResults()))
    result.replaceAllUsesExcept(ready, wait);
}

void overlapCollectives(Block &body) {
  llvm::SmallVector<Operation *> collectives;
  for (Operation &op : body)
    if (isa<AllReduceOp, AllReduceBucketOp>(op) && !op.hasAttr("async"))
      collectives.push_back(&op);
  for (Operation *collective : collectives)
    overlapCollective(collective);
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
    if (bucketBytes == 0 && !overlap) {
      markAllAnalysesPreserved();
      return;
    }
    for (func::FuncOp func : module.getOps<func::FuncOp>())
      if (isPerRank(func) && !func.getBody().empty()) {
        if (bucketBytes > 0)
          bucketAllReduces(func.getBody().front(), bucketBytes);
        if (overlap)
          overlapCollectives(func.getBody().front());
      }
  }
};

} // namespace
