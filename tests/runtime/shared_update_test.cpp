// shared_update_test.cpp — node-shared weights (meshrt_alloc_shared) and their update inside the
// weight-gradient GEMM (meshrt_sgd_update_matmul) on 1, 2 and 4 ranks: the storage is one for
// the ranks of a group (what the group's first rank writes, every rank of it reads), and the
// update equals param - lr * (the sum over the group of every rank's product), computed here in
// double from the operands, on the shared path and on the all-reduced path of a rank's own
// buffer (meshrt_alloc), for uneven slices (m not divisible by the ranks, m below them) and
// every transposition.
#include "test_util.h"

#include <cmath>

using namespace meshrt_test;

namespace {

struct Shape {
  int64_t m, n, k;
  int32_t transA, transB;
};

// Rank r's operand element i: distinct per rank and element, exact in float.
float operand(int rank, int which, int64_t i) {
  return float((rank * 7 + which * 3 + i * 5) % 11) / 8.0f - 0.5f;
}

// op(A) (m x k) or op(B) (k x n) element (row, col) of a row-major buffer stored transposed or
// not.
double at(const std::vector<float> &x, bool trans, int64_t rows, int64_t cols, int64_t row,
          int64_t col) {
  return trans ? x[size_t(col * rows + row)] : x[size_t(row * cols + col)];
}

// One update of a weight in `param` (shared over `mask`, or this rank's own), checked against the
// sum over `group` (the world ranks of this rank's group) of their products.
void checkUpdate(meshrt_context_t ctx, int32_t mask, const std::vector<int> &group, bool shared,
                 const Shape &s) {
  SCOPED_TRACE(::testing::Message()
               << "m=" << s.m << " n=" << s.n << " k=" << s.k << " ta=" << s.transA
               << " tb=" << s.transB << " mask=" << mask << (shared ? " shared" : " own"));
  const int64_t count = s.m * s.n;
  auto *param = static_cast<float *>(shared ? meshrt_alloc_shared(ctx, count * 4, mask)
                                            : meshrt_alloc(ctx, count * 4));
  ASSERT_NE(param, nullptr);
  // The group's first rank writes the weight; with shared storage the others read its values.
  const bool writer = !shared || worldRank() == group.front();
  if (writer)
    for (int64_t i = 0; i < count; ++i)
      param[i] = float(i % 13) / 4.0f;
  MPI_Barrier(MPI_COMM_WORLD);
  for (int64_t i = 0; i < count; ++i)
    ASSERT_EQ(param[i], float(i % 13) / 4.0f) << "element " << i << " of the weight";
  MPI_Barrier(MPI_COMM_WORLD); // every rank read the first values before any update
  auto fill = [&](int rank, int which, int64_t n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      x[size_t(i)] = operand(rank, which, i);
    return x;
  };
  std::vector<float> a = fill(worldRank(), 0, s.m * s.k), b = fill(worldRank(), 1, s.k * s.n);
  const float lr = 0.25f;
  meshrt_sgd_update_matmul(ctx, mask, s.m, s.n, s.k, a.data(), s.transA, b.data(), s.transB, param,
                           lr);
  ASSERT_EQ(meshrt_context_status(ctx), MESHRT_OK) << meshrt_context_message(ctx);
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = 0.0;
      for (int rank : group) {
        std::vector<float> ra = fill(rank, 0, s.m * s.k), rb = fill(rank, 1, s.k * s.n);
        for (int64_t l = 0; l < s.k; ++l)
          sum += at(ra, s.transA, s.m, s.k, i, l) * at(rb, s.transB, s.k, s.n, l, j);
      }
      const double want = float((i * s.n + j) % 13) / 4.0f - double(lr) * sum;
      ASSERT_NEAR(param[i * s.n + j], want, 1e-5 * (1.0 + std::fabs(want)))
          << "element (" << i << ", " << j << ") on rank " << worldRank();
    }
  MPI_Barrier(MPI_COMM_WORLD); // no rank's next weight before every rank checked this one
}

const Shape kShapes[] = {
    {7, 5, 3, 0, 0}, {7, 5, 3, 1, 1}, {6, 4, 2, 1, 0}, {1, 3, 4, 0, 1}, {2, 2, 0, 0, 0}};

std::vector<int> everyRank() {
  std::vector<int> all(static_cast<size_t>(worldSize()));
  for (size_t r = 0; r < all.size(); ++r)
    all[r] = static_cast<int>(r);
  return all;
}

} // namespace

TEST(SharedSgdUpdate, SumsEveryRanksProductIntoTheSharedWeight) {
  ContextPtr ctx = makeContext("w=" + std::to_string(worldSize()));
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  for (const Shape &s : kShapes)
    checkUpdate(ctx.get(), 1, everyRank(), /*shared=*/true, s);
}

TEST(SharedSgdUpdate, AllReducesForAWeightOfTheRanksOwn) {
  ContextPtr ctx = makeContext("w=" + std::to_string(worldSize()));
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  for (const Shape &s : kShapes)
    checkUpdate(ctx.get(), 1, everyRank(), /*shared=*/false, s);
}

// On a 2x2 mesh, a weight shared over axis a is one per b coordinate (ranks b and 2 + b): each
// group sums its own two products into its own storage; over both axes, all four.
TEST(SharedSgdUpdate, OneWeightPerGroupOfAMeshAxis) {
  if (worldSize() != 4)
    GTEST_SKIP() << "needs 4 ranks";
  ContextPtr ctx = makeContext("a=2,b=2");
  ASSERT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK);
  const int b = worldRank() % 2;
  checkUpdate(ctx.get(), 1, {b, 2 + b}, /*shared=*/true, kShapes[0]);
  checkUpdate(ctx.get(), 3, everyRank(), /*shared=*/true, kShapes[1]);
}
