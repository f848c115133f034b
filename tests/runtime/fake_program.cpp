// fake_program.cpp — a hand-written stand-in for a meshc-generated executable: softmax
// regression on synthetic data, batch split on mesh axis 0 (data parallel), everything else
// replicated, driven by meshrt_main. Used to test meshrt_main's flags, start-up checks, error
// path and step loop, and that the loss is the same on every mesh.
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
  float *w, *x, *logits, *loss, *dloss, *dlogits, *dw, *total;
  int32_t *y;
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
  g.y = static_cast<int32_t *>(meshrt_alloc(ctx, g.localBatch * 4));
  const int64_t wShape[2] = {kIn, kClasses};
  const int32_t wAxes[2] = {-1, -1};
  meshrt_init_param(ctx, g.w, 2, wShape, wAxes, /*name_hash=*/0x77, MESHRT_INIT_NORMAL, 0.1f);
  meshrt_fill(ctx, g.localBatch, g.dloss, 1.0f / kBatch);
}

float step(meshrt_context_t ctx, int64_t s) {
  if (const char *failAt = std::getenv("MESHRT_TEST_FAIL_AT"))
    if (std::atoll(failAt) == s && meshrt_context_rank(ctx) == (meshrt_mesh_axis_size(ctx, 0) > 1))
      meshrt_context_fail(ctx, MESHRT_KERNEL_ERROR, "injected failure");
  const int64_t xShape[2] = {kBatch, kIn};
  const int32_t xAxes[2] = {0, -1};
  meshrt_synthetic_features(ctx, g.x, 2, xShape, xAxes, s, kClasses);
  meshrt_synthetic_labels(ctx, g.y, 1, xShape, xAxes, s, kClasses);
  meshrt_matmul(ctx, 1, g.localBatch, kClasses, kIn, g.x, 0, g.w, 0, g.logits);
  meshrt_softmax_xent(ctx, g.localBatch, kClasses, 1, g.logits, g.y, g.loss);
  const int64_t lossShape[1] = {g.localBatch};
  const int64_t toScalar[1] = {0};
  meshrt_reduce_sum(ctx, 1, lossShape, g.loss, g.total, toScalar, 1);
  meshrt_allreduce_sum(ctx, 1, g.total, 1);
  meshrt_softmax_xent_grad(ctx, g.localBatch, kClasses, 1, g.logits, g.y, g.dloss, g.dlogits);
  meshrt_matmul(ctx, 1, kIn, kClasses, g.localBatch, g.x, 1, g.dlogits, 0, g.dw);
  meshrt_allreduce_sum(ctx, 1, g.dw, kIn * kClasses);
  meshrt_sgd_update(ctx, kIn * kClasses, g.w, g.dw, kLr);
  return g.total[0] / kBatch;
}

} // namespace

int main(int argc, char **argv) {
  const char *mesh = std::getenv("MESHRT_TEST_MESH");
  uint64_t hash = 0x1234;
  if (std::getenv("MESHRT_TEST_HASH_BY_RANK"))
    if (const char *r = std::getenv("OMPI_COMM_WORLD_RANK"))
      hash += std::atoi(r);
  // MESHC_VERSION (from CMake) stands in for the version meshc would compile in.
  return meshrt_main(argc, argv, "fake", mesh ? mesh : "b=2,m=2", "batch:b", hash, init, step,
                     nullptr, nullptr, MESHC_VERSION);
}
