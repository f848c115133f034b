// fake_program.cpp — a hand-written stand-in for a meshc-generated executable: softmax
// regression (x [64, 32] f32, labels y [64] i32, weights w [32, 4]), batch split on mesh axis
// 0 (data parallel), everything else replicated, driven by meshrt_main. It registers its
// tensors as generated code does (x, y inputs; w parameter; w/momentum optimizer state; the
// per-sample loss as metric "loss"; the logits as output "logits") and has the three passes:
// train (momentum SGD), eval (forward, per-sample loss) and predict (logits). Used to test
// meshrt_main's flags, start-up checks, error path and step loop, that the loss is the same
// on every mesh, and the data, evaluation, prediction and checkpoint paths.
//
// Test-only knobs (environment): MESHRT_TEST_MESH overrides the "compiled" mesh (default
// b=2,m=2); MESHRT_TEST_FAIL_AT=N makes rank 1 (or 0 on one rank) report an error at step N;
// MESHRT_TEST_HASH_BY_RANK=1 gives each rank a different program hash.
#include "meshrt/meshrt.h"

#include <cstdlib>
#include <string>

namespace {

constexpr int64_t kBatch = 64, kIn = 32, kClasses = 4;
constexpr float kLr = 0.5f;

struct State {
  int64_t localBatch;
  float *w, *x, *logits, *loss, *dloss, *dlogits, *dw, *total, *velocity;
  int32_t *y;
  int32_t xId, yId;
} g;

void init(meshrt_context_t ctx) {
  g.localBatch = kBatch / meshrt_mesh_axis_size(ctx, 0);
  auto alloc = [&](int64_t n) { return static_cast<float *>(meshrt_alloc(ctx, n * 4)); };
  g.w = alloc(kIn * kClasses);
  g.x = alloc(g.localBatch * kIn);
  g.logits = alloc(g.localBatch * kClasses);
  g.loss = alloc(g.localBatch);
  g.dloss = alloc(g.localBatch);
  g.dlogits = alloc(g.localBatch * kClasses);
  g.dw = alloc(kIn * kClasses);
  g.total = alloc(1);
  g.velocity = alloc(kIn * kClasses);
  g.y = static_cast<int32_t *>(meshrt_alloc(ctx, g.localBatch * 4));
  const int64_t wShape[2] = {kIn, kClasses};
  const int32_t wAxes[2] = {-1, -1};
  meshrt_init_param(ctx, g.w, 2, wShape, wAxes, /*name_hash=*/0x77, MESHRT_INIT_NORMAL, 0.1f);
  meshrt_fill(ctx, g.localBatch, g.dloss, 1.0f / kBatch);
  const int64_t xShape[2] = {kBatch, kIn}, lShape[2] = {kBatch, kClasses};
  const int32_t split[2] = {0, -1};
  g.xId = meshrt_register_tensor(ctx, MESHRT_ROLE_INPUT, "x", MESHRT_DTYPE_F32, 2, xShape, split,
                                 g.x, MESHRT_SYNTHETIC_FEATURES, kClasses);
  g.yId = meshrt_register_tensor(ctx, MESHRT_ROLE_INPUT, "y", MESHRT_DTYPE_I32, 1, xShape, split,
                                 g.y, MESHRT_SYNTHETIC_LABELS, kClasses);
  meshrt_register_tensor(ctx, MESHRT_ROLE_PARAM, "w", MESHRT_DTYPE_F32, 2, wShape, wAxes, g.w, 0,
                         0);
  meshrt_register_tensor(ctx, MESHRT_ROLE_OPT_STATE, "w/momentum", MESHRT_DTYPE_F32, 2, wShape,
                         wAxes, g.velocity, 0, 0);
  meshrt_register_tensor(ctx, MESHRT_ROLE_METRIC, "loss", MESHRT_DTYPE_F32, 1, xShape, split,
                         g.loss, 0, 0);
  meshrt_register_tensor(ctx, MESHRT_ROLE_OUTPUT, "logits", MESHRT_DTYPE_F32, 2, lShape, split,
                         g.logits, 0, 0);
}

// Forward: the logits, the per-sample losses and their mean over the global batch.
float forward(meshrt_context_t ctx, int64_t s) {
  meshrt_input(ctx, g.xId, s);
  meshrt_input(ctx, g.yId, s);
  meshrt_matmul(ctx, 1, g.localBatch, kClasses, kIn, g.x, 0, g.w, 0, g.logits);
  meshrt_softmax_xent(ctx, g.localBatch, kClasses, 1, g.logits, g.y, g.loss);
  const int64_t lossShape[1] = {g.localBatch};
  const int64_t toScalar[1] = {0};
  meshrt_reduce_sum(ctx, 1, lossShape, g.loss, g.total, toScalar, 1);
  meshrt_allreduce_sum(ctx, 1, g.total, 1);
  return meshrt_load_f32(ctx, g.total) / kBatch;
}

float eval(meshrt_context_t ctx, int64_t s) { return forward(ctx, s); }

float predict(meshrt_context_t ctx, int64_t s) {
  meshrt_input(ctx, g.xId, s);
  meshrt_matmul(ctx, 1, g.localBatch, kClasses, kIn, g.x, 0, g.w, 0, g.logits);
  return 0.0f;
}

float step(meshrt_context_t ctx, int64_t s) {
  if (const char *failAt = std::getenv("MESHRT_TEST_FAIL_AT"))
    if (std::atoll(failAt) == s && meshrt_context_rank(ctx) == (meshrt_mesh_axis_size(ctx, 0) > 1))
      meshrt_context_fail(ctx, MESHRT_KERNEL_ERROR, "injected failure");
  const float loss = forward(ctx, s);
  meshrt_softmax_xent_grad(ctx, g.localBatch, kClasses, 1, g.logits, g.y, g.dloss, g.dlogits);
  meshrt_matmul(ctx, 1, kIn, kClasses, g.localBatch, g.x, 1, g.dlogits, 0, g.dw);
  meshrt_allreduce_sum(ctx, 1, g.dw, kIn * kClasses);
  meshrt_momentum_update(ctx, kIn * kClasses, g.w, g.dw, g.velocity, kLr, 0.5f);
  return loss;
}

} // namespace

int main(int argc, char **argv) {
  const char *mesh = std::getenv("MESHRT_TEST_MESH");
  uint64_t hash = 0x1234;
  if (std::getenv("MESHRT_TEST_HASH_BY_RANK"))
    if (const char *r = std::getenv("OMPI_COMM_WORLD_RANK"))
      hash += std::atoi(r);
  // MESHC_VERSION (from CMake) stands in for the version meshc would compile in.
  return meshrt_main(argc, argv, "fake", mesh ? mesh : "b=2,m=2", "batch:b", hash, init, step, eval,
                     predict, MESHC_VERSION);
}
