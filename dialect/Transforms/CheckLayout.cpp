// PLACEHOLDER: the CheckLayout pass is being written; it does nothing yet.
#include "dialect/Transforms/Passes.h"

namespace meshc {
#define GEN_PASS_DEF_CHECKLAYOUT
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

namespace {
struct CheckLayoutPass : meshc::impl::CheckLayoutBase<CheckLayoutPass> {
  void runOnOperation() override {}
};
} // namespace
