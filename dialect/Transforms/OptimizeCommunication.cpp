// meshc-optimize-communication: the place in the pipeline where the per-rank program's
// collectives are rewritten (bucketing small all_reduces, starting collectives early and
// waiting at first use, sharded optimizer updates). It changes nothing yet; the per-rank
// verifier checks its output like the partitioner's.
#include "dialect/Transforms/Passes.h"

namespace meshc {
#define GEN_PASS_DEF_OPTIMIZECOMMUNICATION
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

namespace {

struct OptimizeCommunicationPass
    : meshc::impl::OptimizeCommunicationBase<OptimizeCommunicationPass> {
  void runOnOperation() override { markAllAnalysesPreserved(); }
};

} // namespace
