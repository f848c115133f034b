// PLACEHOLDER: the Autodiff pass is being written; it does nothing yet.
#include "dialect/Transforms/Passes.h"

namespace meshc {
#define GEN_PASS_DEF_AUTODIFF
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

namespace {
struct AutodiffPass : meshc::impl::AutodiffBase<AutodiffPass> {
  void runOnOperation() override {}
};
} // namespace
