// index_kernels_test.cpp — the Index family's CPU kernels against naive loops written here,
// including the slice offsets of a split vocabulary / class dim on every mesh of the world.
#include "test_util.h"

#include <cstring>

using namespace meshrt_test;

namespace {

ContextPtr anyContext() { return makeContext(meshesForWorld().front()); }

TEST(IndexKernels, EmbeddingAndGradWholeVocab) {
  ContextPtr ctx = anyContext();
  const int64_t vocab = 5, row = 3;
  std::vector<float> table(vocab * row);
  for (size_t i = 0; i < table.size(); ++i)
    table[i] = float(i) * 0.5f - 2.0f;
  std::vector<int32_t> ids = {4, 0, 7, 4, -1, 2};
  const int64_t n = ids.size();
  std::vector<float> out(n * row, 99.0f);
  meshrt_embedding(ctx.get(), n, vocab, row, -1, table.data(), ids.data(), out.data());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < row; ++r) {
      float expected = ids[i] >= 0 && ids[i] < vocab ? table[ids[i] * row + r] : 0.0f;
      EXPECT_EQ(out[i * row + r], expected) << i << "," << r;
    }
  std::vector<float> grad(n * row), tableGrad(vocab * row, 99.0f);
  for (size_t i = 0; i < grad.size(); ++i)
    grad[i] = float(i + 1);
  meshrt_embedding_grad(ctx.get(), n, vocab, row, -1, ids.data(), grad.data(), tableGrad.data());
  std::vector<float> expected(vocab * row, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] >= 0 && ids[i] < vocab)
      for (int64_t r = 0; r < row; ++r)
        expected[ids[i] * row + r] += grad[i * row + r];
  EXPECT_EQ(tableGrad, expected);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

// On each mesh, the vocabulary split over axis 0: a rank's rows are
// [coord * local, (coord + 1) * local); the lookups of all ranks sum to the whole lookup.
TEST(IndexKernels, EmbeddingSplitVocabSumsToWhole) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    const int64_t parts = sizes[0], local = 2, vocab = parts * local, row = 2;
    int64_t coord = coordsOf(sizes, worldRank())[0];
    std::vector<int32_t> ids(vocab);
    for (int64_t v = 0; v < vocab; ++v)
      ids[v] = int32_t((v * 7) % vocab);
    std::vector<float> slice(local * row);
    for (int64_t v = 0; v < local; ++v)
      for (int64_t r = 0; r < row; ++r)
        slice[v * row + r] = float((coord * local + v) * 10 + r);
    std::vector<float> out(ids.size() * row);
    meshrt_embedding(ctx.get(), ids.size(), local, row, 0, slice.data(), ids.data(), out.data());
    for (size_t i = 0; i < ids.size(); ++i) {
      bool mine = ids[i] / local == coord;
      for (int64_t r = 0; r < row; ++r)
        EXPECT_EQ(out[i * row + r], mine ? float(ids[i] * 10 + r) : 0.0f) << spec;
    }
    std::vector<float> grad(ids.size() * row, 1.0f), tableGrad(local * row);
    meshrt_embedding_grad(ctx.get(), ids.size(), local, row, 0, ids.data(), grad.data(),
                          tableGrad.data());
    for (float g : tableGrad)
      EXPECT_EQ(g, 1.0f) << spec; // each id appears once
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

TEST(IndexKernels, OneHotOffsetsAndOutOfRange) {
  for (const std::string &spec : meshesForWorld()) {
    ContextPtr ctx = makeContext(spec);
    std::vector<int64_t> sizes = meshSizes(spec);
    const int64_t local = 2, classes = sizes[0] * local, outer = 2, inner = 3;
    int64_t coord = coordsOf(sizes, worldRank())[0];
    std::vector<int32_t> in(outer * inner);
    std::vector<float> inF(outer * inner);
    for (size_t i = 0; i < in.size(); ++i) {
      in[i] = int32_t(i % (classes + 2)) - 1; // -1 and classes are out of range
      inF[i] = float(in[i]);
    }
    std::vector<float> out(outer * local * inner, 7.0f), outF(out.size(), 7.0f);
    meshrt_one_hot(ctx.get(), outer, local, inner, 0, in.data(), 1, out.data());
    meshrt_one_hot(ctx.get(), outer, local, inner, 0, inF.data(), 0, outF.data());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < local; ++c)
        for (int64_t i = 0; i < inner; ++i) {
          float expected = in[o * inner + i] == coord * local + c ? 1.0f : 0.0f;
          EXPECT_EQ(out[(o * local + c) * inner + i], expected) << spec;
          EXPECT_EQ(outF[(o * local + c) * inner + i], expected) << spec;
        }
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  }
}

// The labels of a softmax cross-entropy with its class dim split (meshrt_one_hot's
// MESHRT_ONE_HOT_XENT_LABELS): in range of the whole class dim, the i32 one-hot; a label that no
// rank's slice holds (below 0, or at the whole dim's size even where it is past this rank's
// slice only) fails the call with the cross-entropy kernel's message.
TEST(IndexKernels, OneHotXentLabelsCheckTheWholeClassDim) {
  for (const std::string &spec : meshesForWorld()) {
    std::vector<int64_t> sizes = meshSizes(spec);
    const int64_t local = 3, classes = sizes[0] * local, n = 4;
    const std::string message =
        "softmax cross-entropy label outside [0, " + std::to_string(classes) + ")";
    std::vector<int32_t> good = {0, int32_t(classes - 1), int32_t(classes / 2), 1};
    ContextPtr ctx = makeContext(spec);
    std::vector<float> out(n * local, 7.0f), expected(n * local, 7.0f);
    meshrt_one_hot(ctx.get(), n, local, 1, 0, good.data(), MESHRT_ONE_HOT_XENT_LABELS, out.data());
    meshrt_one_hot(ctx.get(), n, local, 1, 0, good.data(), MESHRT_ONE_HOT_I32, expected.data());
    EXPECT_EQ(out, expected) << spec;
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    for (int32_t bad : {int32_t(classes), int32_t(-1), int32_t(classes + 5)}) {
      ContextPtr failing = makeContext(spec);
      std::vector<int32_t> labels = good;
      labels[2] = bad;
      meshrt_one_hot(failing.get(), n, local, 1, 0, labels.data(), MESHRT_ONE_HOT_XENT_LABELS,
                     out.data());
      EXPECT_EQ(meshrt_context_status(failing.get()), MESHRT_INVALID_ARGUMENT) << spec << bad;
      EXPECT_EQ(meshrt_context_message(failing.get()), message) << spec << " label " << bad;
    }
  }
  // The 1-rank kernel gives the same message for the same label.
  ContextPtr ctx = anyContext();
  std::vector<float> logits(2 * 3, 0.5f), loss(2);
  std::vector<int32_t> labels = {1, 3};
  meshrt_softmax_xent(ctx.get(), 2, 3, 1, logits.data(), labels.data(), loss.data());
  EXPECT_STREQ(meshrt_context_message(ctx.get()), "softmax cross-entropy label outside [0, 3)");
}

TEST(IndexKernels, OneHotRefusesAnUnknownInputKind) {
  ContextPtr ctx = anyContext();
  std::vector<int32_t> in = {0};
  std::vector<float> out(2);
  meshrt_one_hot(ctx.get(), 1, 2, 1, -1, in.data(), 3, out.data());
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
  EXPECT_STREQ(meshrt_context_message(ctx.get()),
               "meshrt_one_hot(outer=1, classes=2, inner=1, class_axis=-1, in_kind=3): in_kind 3 "
               "is not a meshrt_one_hot_input_t");
}

TEST(IndexKernels, ArgmaxFirstMax) {
  ContextPtr ctx = anyContext();
  // [outer=2, n=4, inner=2]
  std::vector<float> in = {
      1,  5,  3,  5,  3,  0,  2,  5,   // o=0: i=0 -> max 3 first at k=1; i=1 -> 5 at k=0
      -1, -2, -1, -3, -4, -2, -1, -2}; // o=1: i=0 -> -1 at k=0; i=1 -> -2 at k=0
  std::vector<int32_t> out(4, -7);
  meshrt_argmax(ctx.get(), 2, 4, 2, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<int32_t>{1, 0, 0, 0}));
}

TEST(IndexKernels, ReduceMaxAndGradByStrides) {
  ContextPtr ctx = anyContext();
  // in [2, 3, 2] reduced over dim 1 into out [2 (dim 2), 2 (dim 0)] (transposed).
  std::vector<int64_t> shape = {2, 3, 2}, outStrides = {1, 0, 2};
  std::vector<float> in = {0, 9, 4, 1, 4, 2, 5, 5, 6, 8, 6, 8};
  std::vector<float> out(4, -1.0f);
  meshrt_reduce_max(ctx.get(), 3, shape.data(), in.data(), out.data(), outStrides.data(), 4);
  // out[c * 2 + a] = max over b of in[a, b, c]
  EXPECT_EQ(out, (std::vector<float>{4, 6, 9, 8}));
  std::vector<float> grad = {10, 20, 30, 40}, dx(12, -1.0f);
  meshrt_reduce_max_grad(ctx.get(), 3, shape.data(), in.data(), grad.data(), outStrides.data(), 4,
                         dx.data());
  // First maxima: (a0,c0) at b1 [in 4 at flat 2], (a0,c1) at b0 [flat 1], (a1,c0) at b1 [flat 8],
  // (a1,c1) at b1 [flat 9: 8 first].
  std::vector<float> expected(12, 0.0f);
  expected[2] = 10;
  expected[1] = 30;
  expected[8] = 20;
  expected[9] = 40;
  EXPECT_EQ(dx, expected);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
}

TEST(IndexKernels, CumsumFourWays) {
  ContextPtr ctx = anyContext();
  std::vector<float> in = {1, 2, 3, 4}, out(4);
  auto run = [&](int exclusive, int reverse) {
    meshrt_cumsum(ctx.get(), 1, 4, 1, exclusive, reverse, in.data(), out.data());
    return out;
  };
  EXPECT_EQ(run(0, 0), (std::vector<float>{1, 3, 6, 10}));
  EXPECT_EQ(run(1, 0), (std::vector<float>{0, 1, 3, 6}));
  EXPECT_EQ(run(0, 1), (std::vector<float>{10, 9, 7, 4}));
  EXPECT_EQ(run(1, 1), (std::vector<float>{9, 7, 4, 0}));
  // Along the middle of [2, 2, 2].
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8}, y(8);
  meshrt_cumsum(ctx.get(), 2, 2, 2, 0, 0, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 2, 4, 6, 5, 6, 12, 14}));
}

TEST(IndexKernels, CopyWindowAndBounds) {
  ContextPtr ctx = anyContext();
  // in [2, 3, 2] window [1, 3) of dim 1 into out [2, 4, 2] at 2.
  std::vector<float> in(12), out(16, 0.0f);
  for (int i = 0; i < 12; ++i)
    in[i] = float(i);
  meshrt_copy_window(ctx.get(), 2, 2, in.data(), 3, 1, out.data(), 4, 2, 2, 4);
  std::vector<float> expected(16, 0.0f);
  for (int o = 0; o < 2; ++o)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 2; ++i)
        expected[(o * 4 + 2 + j) * 2 + i] = in[(o * 3 + 1 + j) * 2 + i];
  EXPECT_EQ(out, expected);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  meshrt_copy_window(ctx.get(), 2, 2, in.data(), 3, 2, out.data(), 4, 0, 2, 4);
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_INVALID_ARGUMENT);
}

} // namespace
