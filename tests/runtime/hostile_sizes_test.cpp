// hostile_sizes_test.cpp — every ABI entry point refuses sizes it cannot serve: negative sizes,
// element or byte counts and strided offsets that overflow int64, windows outside their tensors
// and blocks beyond MPI's int counts. Each call gets null buffers, so a call that touched memory
// instead of refusing would crash the test; each must leave MESHRT_INVALID_ARGUMENT with a
// message that starts with the C function's name and names the offending size.
#include "test_util.h"

#include <cstdint>
#include <functional>
#include <string>

using namespace meshrt_test;

namespace {

constexpr int64_t k2to32 = int64_t{1} << 32; // 2^32 x 2^32 elements overflow int64
constexpr int64_t k2to62 = int64_t{1} << 62; // fits int64, but not times 4 bytes

struct Case {
  const char *name;     // what the test case calls
  const char *function; // the C function the message must start with
  std::string mention;  // text the message must contain (the offending size or reason)
  std::function<void(meshrt_context_t)> call;
  int minRanks = 1; // a case that needs peers to overflow (P x block)
};

// The world as one mesh axis: collectives on axis 0 span every rank.
std::string worldMesh() { return "x=" + std::to_string(worldSize()); }

void expectRefused(const Case &c) {
  SCOPED_TRACE(c.name);
  if (worldSize() < c.minRanks)
    return;
  ContextPtr ctx = makeContext(worldMesh());
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  c.call(ctx.get());
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  const std::string message = meshrt_context_message(ctx.get());
  EXPECT_EQ(message.rfind(std::string(c.function) + "(", 0), 0u) << message;
  EXPECT_NE(message.find(c.mention), std::string::npos)
      << "expected '" << c.mention << "' in: " << message;
}

const int64_t kNegativeDims[2] = {4, -3};
const int64_t kHugeDims[2] = {k2to32, k2to32};
const int64_t kHugeBytes[1] = {k2to62};
const int64_t kUnitStrides[2] = {1, 1};
const int64_t kHugeStrides[2] = {k2to62, 1};
const int64_t kZeroStrides[2] = {0, 0};
const int32_t kReplicated[2] = {-1, -1};

std::vector<Case> cases() {
  using C = meshrt_context_t;
  return {
      {"matmul negative", "meshrt_matmul", "m is negative",
       [](C c) { meshrt_matmul(c, 1, -2, 4, 8, nullptr, 0, nullptr, 0, nullptr); }},
      {"matmul overflow", "meshrt_matmul", "4294967296 x 4294967296",
       [](C c) { meshrt_matmul(c, 1, k2to32, k2to32, 1, nullptr, 0, nullptr, 0, nullptr); }},
      {"matmul bytes", "meshrt_matmul", "overflow int64",
       [](C c) { meshrt_matmul(c, 1, 1, 1, k2to62, nullptr, 0, nullptr, 0, nullptr); }},
      {"strided_copy negative", "meshrt_strided_copy", "dim 1 is negative",
       [](C c) { meshrt_strided_copy(c, 2, kNegativeDims, nullptr, nullptr, kUnitStrides, 4); }},
      {"strided_copy overflow", "meshrt_strided_copy", "[4294967296, 4294967296]",
       [](C c) { meshrt_strided_copy(c, 2, kHugeDims, nullptr, nullptr, kZeroStrides, 4); }},
      {"strided_copy stride", "meshrt_strided_copy", "in_strides",
       [](C c) {
         const int64_t dims[2] = {5, 1};
         meshrt_strided_copy(c, 2, dims, nullptr, nullptr, kHugeStrides, 4);
       }},
      {"strided_copy ndims", "meshrt_strided_copy", "has 17 dims",
       [](C c) { meshrt_strided_copy(c, 17, kHugeDims, nullptr, nullptr, kZeroStrides, 4); }},
      {"binary overflow", "meshrt_binary", "overflows int64",
       [](C c) {
         meshrt_binary(c, MESHRT_ADD, 2, kHugeDims, nullptr, nullptr, kZeroStrides, nullptr,
                       kZeroStrides);
       }},
      {"binary stride", "meshrt_binary", "b_strides",
       [](C c) {
         const int64_t dims[2] = {5, 1};
         meshrt_binary(c, MESHRT_ADD, 2, dims, nullptr, nullptr, kUnitStrides, nullptr,
                       kHugeStrides);
       }},
      {"unary negative", "meshrt_unary", "n is negative",
       [](C c) { meshrt_unary(c, MESHRT_RELU, -1, nullptr, nullptr, 1.0f); }},
      {"unary bytes", "meshrt_unary", "4611686018427387904 elements of 4 bytes",
       [](C c) { meshrt_unary(c, MESHRT_RELU, k2to62, nullptr, nullptr, 1.0f); }},
      {"fill bytes", "meshrt_fill", "overflow int64",
       [](C c) { meshrt_fill(c, k2to62, nullptr, 0.0f); }},
      {"reduce_sum overflow", "meshrt_reduce_sum", "in_shape [4294967296, 4294967296]",
       [](C c) { meshrt_reduce_sum(c, 2, kHugeDims, nullptr, nullptr, kZeroStrides, 1); }},
      {"reduce_sum outside", "meshrt_reduce_sum", "reaches offset 4 of 4 elements",
       [](C c) {
         const int64_t dims[2] = {5, 3}, strides[2] = {1, 0};
         meshrt_reduce_sum(c, 2, dims, nullptr, nullptr, strides, 4);
       }},
      {"softmax_xent overflow", "meshrt_softmax_xent", "overflow int64",
       [](C c) { meshrt_softmax_xent(c, k2to32, k2to32, 1, nullptr, nullptr, nullptr); }},
      {"softmax_xent_grad negative", "meshrt_softmax_xent_grad", "inner is negative",
       [](C c) { meshrt_softmax_xent_grad(c, 1, 2, -1, nullptr, nullptr, nullptr, nullptr); }},
      {"sgd_update bytes", "meshrt_sgd_update", "overflow int64",
       [](C c) { meshrt_sgd_update(c, k2to62, nullptr, nullptr, 0.1f); }},
      {"sgd_update_matmul overflow", "meshrt_sgd_update_matmul", "overflow int64",
       [](C c) {
         meshrt_sgd_update_matmul(c, 1, k2to32, k2to32, 1, nullptr, 0, nullptr, 0, nullptr, 0.1f);
       }},
      {"sgd_update_matmul negative", "meshrt_sgd_update_matmul", "k is negative",
       [](C c) {
         meshrt_sgd_update_matmul(c, 1, 2, 2, -1, nullptr, 0, nullptr, 0, nullptr, 0.1f);
       }},
      {"sgd_update_matmul null", "meshrt_sgd_update_matmul", "a, b or param is null",
       [](C c) { meshrt_sgd_update_matmul(c, 1, 2, 2, 3, nullptr, 0, nullptr, 0, nullptr, 0.1f); }},
      {"sgd_update_matmul mask", "meshrt_sgd_update_matmul", "no group of mesh axes has mask 4",
       [](C c) {
         static float w[4], a[6], b[6];
         meshrt_sgd_update_matmul(c, 4, 2, 2, 3, a, 0, b, 0, w, 0.1f);
       }},
      {"adam_update negative", "meshrt_adam_update", "n is negative",
       [](C c) {
         meshrt_adam_update(c, -5, nullptr, nullptr, nullptr, nullptr, 0.1f, 0.9f, 0.999f, 1e-8f,
                            0.0f, 0);
       }},
      {"momentum_update bytes", "meshrt_momentum_update", "overflow int64",
       [](C c) { meshrt_momentum_update(c, k2to62, nullptr, nullptr, nullptr, 0.1f, 0.9f); }},
      {"layer_norm overflow", "meshrt_layer_norm", "overflow int64",
       [](C c) { meshrt_layer_norm(c, k2to32, k2to32, 1, 1e-5f, nullptr, nullptr); }},
      {"layer_norm_grad negative", "meshrt_layer_norm_grad", "outer is negative",
       [](C c) { meshrt_layer_norm_grad(c, -1, 4, 1, 1e-5f, nullptr, nullptr, nullptr); }},
      {"gelu bytes", "meshrt_gelu", "overflow int64",
       [](C c) { meshrt_gelu(c, k2to62, nullptr, nullptr); }},
      {"gelu_grad negative", "meshrt_gelu_grad", "count is negative",
       [](C c) { meshrt_gelu_grad(c, -1, nullptr, nullptr, nullptr); }},
      {"softmax overflow", "meshrt_softmax", "overflow int64",
       [](C c) { meshrt_softmax(c, 1, k2to32, k2to32, nullptr, nullptr); }},
      {"causal_mask overflow", "meshrt_causal_mask", "global shape [4294967296, 4294967296]",
       [](C c) {
         meshrt_causal_mask(c, 2, kHugeDims, kReplicated, 0, 1, -1e9f, nullptr, nullptr);
       }},
      {"dropout overflow", "meshrt_dropout", "overflows int64",
       [](C c) { meshrt_dropout(c, 2, kHugeDims, kReplicated, 7, 0, 0.1f, nullptr, nullptr); }},
      {"embedding overflow", "meshrt_embedding", "overflow int64",
       [](C c) { meshrt_embedding(c, k2to32, 8, k2to32, -1, nullptr, nullptr, nullptr); }},
      {"embedding_grad table", "meshrt_embedding_grad", "overflow int64",
       [](C c) { meshrt_embedding_grad(c, 1, k2to32, k2to32, -1, nullptr, nullptr, nullptr); }},
      {"one_hot overflow", "meshrt_one_hot", "overflow int64",
       [](C c) { meshrt_one_hot(c, k2to32, k2to32, 1, -1, nullptr, 1, nullptr); }},
      {"argmax negative", "meshrt_argmax", "n is negative",
       [](C c) { meshrt_argmax(c, 1, -4, 1, nullptr, nullptr); }},
      {"reduce_max overflow", "meshrt_reduce_max", "overflows int64",
       [](C c) { meshrt_reduce_max(c, 2, kHugeDims, nullptr, nullptr, kZeroStrides, 1); }},
      {"reduce_max_grad outside", "meshrt_reduce_max_grad", "grad_strides",
       [](C c) {
         const int64_t dims[2] = {5, 3}, strides[2] = {1, 0};
         meshrt_reduce_max_grad(c, 2, dims, nullptr, nullptr, strides, 2, nullptr);
       }},
      {"cumsum overflow", "meshrt_cumsum", "overflow int64",
       [](C c) { meshrt_cumsum(c, k2to32, k2to32, 1, 0, 0, nullptr, nullptr); }},
      // in_start + len would wrap to a negative number and pass a naive bounds check.
      {"copy_window wrap", "meshrt_copy_window", "outside its tensors",
       [](C c) { meshrt_copy_window(c, 1, 1, nullptr, 8, 4, nullptr, 8, 0, INT64_MAX - 2, 4); }},
      {"copy_window overflow", "meshrt_copy_window", "overflow int64",
       [](C c) { meshrt_copy_window(c, k2to32, k2to32, nullptr, 1, 0, nullptr, 1, 0, 1, 4); }},
      {"init_param overflow", "meshrt_init_param", "global shape [4294967296, 4294967296]",
       [](C c) {
         meshrt_init_param(c, nullptr, 2, kHugeDims, kReplicated, 1, MESHRT_INIT_UNIFORM, 1.0f);
       }},
      {"synthetic_features overflow", "meshrt_synthetic_features", "overflows int64",
       [](C c) { meshrt_synthetic_features(c, nullptr, 2, kHugeDims, kReplicated, 0, 8); }},
      {"synthetic_labels bytes", "meshrt_synthetic_labels", "[4611686018427387904]",
       [](C c) { meshrt_synthetic_labels(c, nullptr, 1, kHugeBytes, kReplicated, 0, 8); }},
      {"copy_to_host negative", "meshrt_copy_to_host", "bytes is negative",
       [](C c) { meshrt_copy_to_host(c, nullptr, nullptr, -4); }},
      {"copy_from_host negative", "meshrt_copy_from_host", "bytes is negative",
       [](C c) { meshrt_copy_from_host(c, nullptr, nullptr, -4); }},
      {"allreduce negative", "meshrt_allreduce_sum", "count is negative",
       [](C c) { meshrt_allreduce_sum(c, 1, nullptr, -1); }},
      {"allreduce bytes", "meshrt_allreduce_sum", "overflow int64",
       [](C c) { meshrt_allreduce_sum(c, 1, nullptr, k2to62); }},
      {"all_reduce_bucket negative", "meshrt_all_reduce_bucket", "counts[1] is negative",
       [](C c) {
         static float a[2];
         static float *const bufs[2] = {a, a};
         static const int64_t counts[2] = {2, -1};
         meshrt_all_reduce_bucket(c, 1, 2, bufs, bufs, counts);
       }},
      {"all_reduce_bucket sum", "meshrt_all_reduce_bucket", "sum overflows int64",
       [](C c) {
         static float a[1];
         static float *const bufs[2] = {a, a};
         static const int64_t counts[2] = {INT64_MAX, 2};
         meshrt_all_reduce_bucket(c, 1, 2, bufs, bufs, counts);
       }},
      {"all_reduce_bucket bytes", "meshrt_all_reduce_bucket", "overflow int64",
       [](C c) {
         static float a[1];
         static float *const bufs[1] = {a};
         static const int64_t counts[1] = {k2to62};
         meshrt_all_reduce_bucket(c, 1, 1, bufs, bufs, counts);
       }},
      {"allgather overflow", "meshrt_allgather", "overflow int64",
       [](C c) { meshrt_allgather(c, 0, nullptr, nullptr, k2to32, k2to32, 1, 4); }},
      {"reduce_scatter negative", "meshrt_reduce_scatter", "local is negative",
       [](C c) { meshrt_reduce_scatter(c, 0, nullptr, nullptr, 1, -8, 1); }},
      {"all_slice overflow", "meshrt_all_slice", "overflow int64",
       [](C c) { meshrt_all_slice(c, 0, nullptr, nullptr, 1, k2to62, 1, 4); }},
      {"alltoall negative", "meshrt_alltoall", "block_bytes is negative",
       [](C c) { meshrt_alltoall(c, 0, nullptr, nullptr, -16); }},
      {"alltoall overflow", "meshrt_alltoall", "overflow int64",
       [](C c) { meshrt_alltoall(c, 0, nullptr, nullptr, INT64_MAX / 2 + 1); }, 2},
  };
}

} // namespace

TEST(HostileSizes, EveryEntryPointRefusesWithItsNameAndTheSize) {
  for (const Case &c : cases())
    expectRefused(c);
}

// Beyond MPI's int counts a collective cannot move a block in one call: refused before any
// scratch is allocated or a byte is sent (only where there is a peer to send to).
TEST(HostileSizes, CollectivesBeyondMpiCountsAreRefused) {
  if (worldSize() < 2)
    GTEST_SKIP() << "one rank: collectives copy locally, MPI is not involved";
  const int64_t words = (int64_t{1} << 31) + 5; // > INT_MAX 4-byte elements per rank
  for (const Case &c : std::vector<Case>{
           {"allgather", "meshrt_allgather", "exceed what one collective",
            [&](meshrt_context_t ctx) {
              meshrt_allgather(ctx, 0, nullptr, nullptr, 3, words, 1, 4); // outer > 1: scratch
            }},
           {"reduce_scatter", "meshrt_reduce_scatter", "exceed what one collective",
            [&](meshrt_context_t ctx) {
              meshrt_reduce_scatter(ctx, 0, nullptr, nullptr, 1, words, 1);
            }},
           {"alltoall", "meshrt_alltoall", "exceed what one collective",
            [&](meshrt_context_t ctx) { meshrt_alltoall(ctx, 0, nullptr, nullptr, words * 4); }},
       })
    expectRefused(c);
}

// Sizes that are only large, not wrapping, still pass the checks: the checks refuse overflow,
// not big tensors (the empty-but-huge case walks nothing).
TEST(HostileSizes, LargeButValidSizesPass) {
  ContextPtr ctx = makeContext(worldMesh());
  meshrt_matmul(ctx.get(), 0, k2to32, 1, 1, nullptr, 0, nullptr, 0, nullptr); // batch 0
  meshrt_fill(ctx.get(), 0, nullptr, 1.0f);
  const int64_t dims[2] = {0, int64_t{1} << 40};
  meshrt_strided_copy(ctx.get(), 2, dims, nullptr, nullptr, kUnitStrides, 4);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}
