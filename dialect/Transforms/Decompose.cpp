// PLACEHOLDER: the Decompose pass is being written; it does nothing yet.
#include "dialect/Transforms/Passes.h"

namespace meshc {
#define GEN_PASS_DEF_DECOMPOSE
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

namespace {
struct DecomposePass : meshc::impl::DecomposeBase<DecomposePass> {
  void runOnOperation() override {}
};
} // namespace
