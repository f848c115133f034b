// profile_program.cpp — a stand-in program for the --profile kinds: each step calls every ABI
// entry point a different number of times (the k-th entry of the table below k times), and
// before meshrt_main starts it prints the table as "expect: KIND CALLS" lines. profile_kinds.sh
// compares them with the "profile: KIND CALLS ..." lines the runtime prints: an entry filed
// under another entry's kind (or under none) leaves a wrong count on that kind's line, since
// no two entries are called equally often.
#include "meshrt/meshrt.h"

#include <cstdio>
#include <deque>
#include <functional>
#include <vector>

namespace {

struct Buffers {
  float *a, *b, *c, *d, *e, *f;
  int32_t *ids, *labels;
} g;
float host[16];

const int64_t kVec[1] = {4};
const int64_t kUnit[1] = {1};
const int64_t kToScalar[1] = {0};
const int64_t kSquare[2] = {2, 2};
const int32_t kWhole1[1] = {-1};
const int32_t kWhole2[2] = {-1, -1};
// A 1-D convolution [1, 1, 4] * [1, 1, 3] -> [1, 1, 4] (same padding) and a max pooling by 2.
const int64_t kConvX[3] = {1, 1, 4};
const int64_t kConvW[3] = {1, 1, 3};
const int64_t kConvGeometry[4] = {1, 1, 1, 1};
const int64_t kPoolY[3] = {1, 1, 2};
const int64_t kPoolGeometry[4] = {2, 2, 0, 0};

// Requests started by the non-blocking entries and not waited for yet, oldest first.
std::deque<int32_t> gStarted;
int32_t nextRequest() {
  static int32_t next = 1000;
  gStarted.push_back(next);
  return next++;
}

struct Entry {
  const char *kind; // the name --profile must print for it
  std::function<void(meshrt_context_t, int64_t)> call;
};

// Every entry point of meshrt.h that does work, on 4-element (or 2x2) tensors of one rank.
const std::vector<Entry> &entries() {
  static const std::vector<Entry> table = {
      {"matmul",
       [](meshrt_context_t c, int64_t) { meshrt_matmul(c, 1, 2, 2, 2, g.a, 0, g.b, 0, g.c); }},
      {"strided_copy",
       [](meshrt_context_t c, int64_t) { meshrt_strided_copy(c, 1, kVec, g.c, g.a, kUnit, 4); }},
      {"binary",
       [](meshrt_context_t c, int64_t) {
         meshrt_binary(c, MESHRT_ADD, 1, kVec, g.c, g.a, kUnit, g.b, kUnit);
       }},
      {"equal",
       [](meshrt_context_t c, int64_t) {
         meshrt_equal(c, MESHRT_DTYPE_I32, 1, kVec, g.c, g.ids, kUnit, g.labels, kUnit);
       }},
      {"unary", [](meshrt_context_t c, int64_t) { meshrt_unary(c, MESHRT_RELU, 4, g.c, g.a, 1); }},
      {"fill", [](meshrt_context_t c, int64_t) { meshrt_fill(c, 4, g.d, 0.5f); }},
      {"reduce_sum",
       [](meshrt_context_t c, int64_t) { meshrt_reduce_sum(c, 1, kVec, g.a, g.c, kToScalar, 1); }},
      {"softmax_xent",
       [](meshrt_context_t c, int64_t) { meshrt_softmax_xent(c, 1, 4, 1, g.a, g.labels, g.c); }},
      {"softmax_xent_grad",
       [](meshrt_context_t c, int64_t) {
         meshrt_softmax_xent_grad(c, 1, 4, 1, g.a, g.labels, g.d, g.c);
       }},
      {"sgd_update", [](meshrt_context_t c, int64_t) { meshrt_sgd_update(c, 4, g.e, g.a, 0.1f); }},
      {"adam_update",
       [](meshrt_context_t c, int64_t s) {
         meshrt_adam_update(c, 4, g.e, g.a, g.c, g.f, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, s);
       }},
      {"momentum_update", [](meshrt_context_t c,
                             int64_t) { meshrt_momentum_update(c, 4, g.e, g.a, g.f, 0.1f, 0.9f); }},
      {"layer_norm",
       [](meshrt_context_t c, int64_t) { meshrt_layer_norm(c, 1, 4, 1, 1e-5f, g.a, g.c); }},
      {"layer_norm_grad",
       [](meshrt_context_t c, int64_t) {
         meshrt_layer_norm_grad(c, 1, 4, 1, 1e-5f, g.a, g.b, g.c);
       }},
      {"gelu", [](meshrt_context_t c, int64_t) { meshrt_gelu(c, 4, g.a, g.c); }},
      {"gelu_grad", [](meshrt_context_t c, int64_t) { meshrt_gelu_grad(c, 4, g.a, g.b, g.c); }},
      {"softmax", [](meshrt_context_t c, int64_t) { meshrt_softmax(c, 1, 4, 1, g.a, g.c); }},
      {"causal_mask",
       [](meshrt_context_t c, int64_t) {
         meshrt_causal_mask(c, 2, kSquare, kWhole2, 0, 1, -1e9f, g.a, g.c);
       }},
      {"dropout", [](meshrt_context_t c,
                     int64_t s) { meshrt_dropout(c, 1, kVec, kWhole1, 7, s, 0.25f, g.a, g.c); }},
      {"embedding",
       [](meshrt_context_t c, int64_t) { meshrt_embedding(c, 2, 2, 2, -1, g.a, g.ids, g.c); }},
      {"embedding_grad",
       [](meshrt_context_t c, int64_t) { meshrt_embedding_grad(c, 2, 2, 2, -1, g.ids, g.a, g.c); }},
      {"one_hot",
       [](meshrt_context_t c, int64_t) { meshrt_one_hot(c, 1, 4, 1, -1, g.ids, 1, g.c); }},
      {"argmax", [](meshrt_context_t c, int64_t) { meshrt_argmax(c, 1, 4, 1, g.a, g.labels); }},
      {"reduce_max",
       [](meshrt_context_t c, int64_t) { meshrt_reduce_max(c, 1, kVec, g.a, g.c, kToScalar, 1); }},
      {"reduce_max_grad",
       [](meshrt_context_t c, int64_t) {
         meshrt_reduce_max_grad(c, 1, kVec, g.a, g.b, kToScalar, 1, g.c);
       }},
      {"cumsum", [](meshrt_context_t c, int64_t) { meshrt_cumsum(c, 1, 4, 1, 0, 0, g.a, g.c); }},
      {"copy_window", [](meshrt_context_t c,
                         int64_t) { meshrt_copy_window(c, 1, 1, g.a, 4, 0, g.c, 4, 0, 4, 4); }},
      {"init_param",
       [](meshrt_context_t c, int64_t) {
         meshrt_init_param(c, g.f, 1, kVec, kWhole1, 11, MESHRT_INIT_UNIFORM, 0.1f);
       }},
      {"synthetic_features",
       [](meshrt_context_t c, int64_t s) {
         meshrt_synthetic_features(c, g.c, 2, kSquare, kWhole2, s, 4);
       }},
      {"synthetic_labels",
       [](meshrt_context_t c, int64_t s) {
         meshrt_synthetic_labels(c, g.labels, 1, kVec, kWhole1, s, 4);
       }},
      {"copy_to_host", [](meshrt_context_t c, int64_t) { meshrt_copy_to_host(c, host, g.a, 16); }},
      {"copy_from_host",
       [](meshrt_context_t c, int64_t) { meshrt_copy_from_host(c, g.b, host, 16); }},
      {"allreduce", [](meshrt_context_t c, int64_t) { meshrt_allreduce_sum(c, 1, g.c, 4); }},
      {"allreduce_max", [](meshrt_context_t c, int64_t) { meshrt_all_reduce_max(c, 1, g.c, 4); }},
      {"allreduce_bucket",
       [](meshrt_context_t c, int64_t) {
         static const int64_t counts[] = {4, 4};
         const float *in[] = {g.a, g.b};
         float *out[] = {g.c, g.d};
         meshrt_all_reduce_bucket(c, 1, 2, in, out, counts);
       }},
      // The non-blocking pair: fresh request numbers, each wait takes the oldest started one
      // (the entries are called 1, 2 and 3 times more than the bucket: enough started).
      {"allreduce_start", [](meshrt_context_t c,
                             int64_t) { meshrt_allreduce_sum_start(c, nextRequest(), 1, g.e, 4); }},
      {"allreduce_bucket_start",
       [](meshrt_context_t c, int64_t) {
         static const int64_t counts[] = {4};
         const float *in[] = {g.a};
         float *out[] = {g.f};
         meshrt_all_reduce_bucket_start(c, nextRequest(), 1, 1, in, out, counts);
       }},
      {"collective_wait",
       [](meshrt_context_t c, int64_t) {
         meshrt_collective_wait(c, gStarted.front());
         gStarted.pop_front();
       }},
      {"allgather",
       [](meshrt_context_t c, int64_t) { meshrt_allgather(c, 0, g.a, g.c, 1, 4, 1, 4); }},
      {"reduce_scatter",
       [](meshrt_context_t c, int64_t) { meshrt_reduce_scatter(c, 0, g.a, g.c, 1, 4, 1); }},
      {"all_slice",
       [](meshrt_context_t c, int64_t) { meshrt_all_slice(c, 0, g.a, g.c, 1, 4, 1, 4); }},
      {"alltoall", [](meshrt_context_t c, int64_t) { meshrt_alltoall(c, 0, g.a, g.c, 16); }},
      {"clip_global_norm",
       [](meshrt_context_t c, int64_t) {
         static const int64_t counts[] = {4}, replicas[] = {1};
         float *grads[] = {g.c};
         meshrt_clip_global_norm(c, 1, grads, counts, replicas, 1.0f);
       }},
      {"conv_forward",
       [](meshrt_context_t c, int64_t) {
         meshrt_conv_forward(c, 1, kConvX, kConvW, kConvX, kConvGeometry, g.a, g.b, g.c);
       }},
      {"conv_backward_data",
       [](meshrt_context_t c, int64_t) {
         meshrt_conv_backward_data(c, 1, kConvX, kConvW, kConvX, kConvGeometry, g.b, g.a, g.c);
       }},
      {"conv_backward_weights",
       [](meshrt_context_t c, int64_t) {
         meshrt_conv_backward_weights(c, 1, kConvX, kConvW, kConvX, kConvGeometry, g.a, g.b, g.c);
       }},
      {"pool_forward",
       [](meshrt_context_t c, int64_t) {
         meshrt_pool_forward(c, MESHRT_POOL_MAX, 1, kConvX, kPoolY, kPoolGeometry, g.a, g.c);
       }},
      {"pool_backward",
       [](meshrt_context_t c, int64_t) {
         meshrt_pool_backward(c, MESHRT_POOL_MAX, 1, kConvX, kPoolY, kPoolGeometry, g.a, g.b, g.c);
       }},
      {"batch_norm",
       [](meshrt_context_t c, int64_t) {
         meshrt_batch_norm(c, 1, 2, 2, 1e-5f, g.a, g.b, g.d, g.b, g.b, g.c);
       }},
      {"batch_norm_grad",
       [](meshrt_context_t c, int64_t) {
         meshrt_batch_norm_grad(c, 1, 2, 2, 1e-5f, g.a, g.b, g.d, g.b, g.a, g.c, g.c + 4, g.c + 6,
                                g.c + 8, g.c + 10);
       }},
      {"halo_exchange",
       [](meshrt_context_t c, int64_t) { meshrt_halo_exchange(c, 0, g.a, g.c, 1, 4, 1, 1, 1, 0); }},
      {"halo_exchange_grad",
       [](meshrt_context_t c, int64_t) {
         meshrt_halo_exchange_grad(c, 0, g.a, g.c, 1, 4, 1, 1, 1);
       }},
      {"conv_bias_act_forward",
       [](meshrt_context_t c, int64_t) {
         meshrt_conv_bias_act_forward(c, 1, kConvX, kConvW, kConvX, kConvGeometry, 1, g.a, g.b, g.d,
                                      g.c);
       }},
      {"conv_backward_weights_bias",
       [](meshrt_context_t c, int64_t) {
         meshrt_conv_backward_weights_bias(c, 1, kConvX, kConvW, kConvX, kConvGeometry, g.a, g.b,
                                           g.c, g.e);
       }},
  };
  return table;
}

void init(meshrt_context_t ctx) {
  auto alloc = [&] { return static_cast<float *>(meshrt_alloc(ctx, 64)); };
  g = {alloc(),
       alloc(),
       alloc(),
       alloc(),
       alloc(),
       alloc(),
       static_cast<int32_t *>(meshrt_alloc(ctx, 64)),
       static_cast<int32_t *>(meshrt_alloc(ctx, 64))};
  const int64_t n[1] = {16};
  meshrt_init_param(ctx, g.a, 1, n, kWhole1, 1, MESHRT_INIT_UNIFORM, 1.0f);
  meshrt_init_param(ctx, g.b, 1, n, kWhole1, 2, MESHRT_INIT_UNIFORM, 1.0f);
}

// Entry k (from 0) is called k + 1 times per step.
float step(meshrt_context_t ctx, int64_t s) {
  const std::vector<Entry> &table = entries();
  for (size_t k = 0; k < table.size(); ++k)
    for (size_t i = 0; i <= k; ++i)
      table[k].call(ctx, s);
  return 0.0f;
}

} // namespace

int main(int argc, char **argv) {
  const std::vector<Entry> &table = entries();
  for (size_t k = 0; k < table.size(); ++k)
    std::printf("expect: %s %zu\n", table[k].kind, k + 1);
  std::fflush(stdout);
  return meshrt_main(argc, argv, "profile", "b=1", "", 0x99, init, step, nullptr, nullptr, nullptr);
}
