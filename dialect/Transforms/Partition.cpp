// PLACEHOLDER: the Partition pass is being written; it does nothing yet.
#include "dialect/Transforms/Passes.h"

namespace meshc {
#define GEN_PASS_DEF_PARTITION
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

namespace {
struct PartitionPass : meshc::impl::PartitionBase<PartitionPass> {
  void runOnOperation() override {}
};
} // namespace
