// device_kernels_test.cpp — every kernel of meshrt.h on a CUDA context against the same kernel
// on a CPU context, on the same inputs, in one process.
//
// What "the same" means depends on the kernel: a selection or one correctly rounded operation
// per element (copies, binary ops, masks, argmax, one-hot) must be equal; sums over inputs that
// are multiples of 1/8 are exact in any order, so reductions, scans and scatter-adds over them
// must be equal too; everything else is compared with a relative tolerance, fp32 math in a
// different order or with other transcendental approximations (1e-5; matmul 1e-4 of the
// output's scale; tf32 and bf16 matmuls 1e-2). Sizes are odd (not multiples of 32 or of a warp)
// and some reductions are long (100003 elements to one), to reach the tails of the kernels.
#include "device_pair.h"

using namespace meshrt_gpu_test;

namespace {

class DeviceKernels : public CudaTest {
protected:
  void SetUp() override {
    CudaTest::SetUp();
    if (IsSkipped())
      return;
    ASSERT_NO_FATAL_FAILURE(pair.open(meshesForWorld().front(), /*seed=*/11));
  }
  Pair pair;
};

// Offset of flat index `i` of a contiguous `shape` under `strides`.
int64_t stridedOffset(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides,
                      int64_t i) {
  int64_t off = 0;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    off += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return off;
}

// Elements an input must have for `shape` read through `strides`.
int64_t span(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides) {
  int64_t s = 1;
  for (size_t d = 0; d < shape.size(); ++d)
    s += (shape[d] - 1) * strides[d];
  return s;
}

std::string str(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

struct MatmulShape {
  int64_t batch, m, n, k;
};

// All four transpositions of each shape; |cuda - cpu| <= rtol * max |C| (a dot product's error
// scales with its terms, not with its value).
void checkMatmuls(Pair &pair, const std::vector<MatmulShape> &shapes, double rtol) {
  for (MatmulShape s : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        SCOPED_TRACE("batch " + std::to_string(s.batch) + " " + std::to_string(s.m) + "x" +
                     std::to_string(s.n) + "x" + std::to_string(s.k) + " ta " + std::to_string(ta) +
                     " tb " + std::to_string(tb));
        Buffer a = pair.upload(pseudoVec(s.batch * s.m * s.k, 1));
        Buffer b = pair.upload(pseudoVec(s.batch * s.k * s.n, 2));
        Buffer c = pair.upload(std::vector<float>(s.batch * s.m * s.n, -99.0f));
        pair.run([&](meshrt_context_t ctx, int side) {
          meshrt_matmul(ctx, s.batch, s.m, s.n, s.k, a.f(side), ta, b.f(side), tb, c.f(side));
        });
        ASSERT_TRUE(pair.ok());
        Results<float> r = pair.read<float>(c);
        EXPECT_TRUE(near(r, rtol, maxAbs(r.cpu)));
      }
}

const std::vector<MatmulShape> kMatmulShapes = {{1, 5, 7, 9},       {3, 65, 47, 33},
                                                {2, 1, 1, 1},       {1, 130, 1, 70},
                                                {1, 257, 129, 333}, {4, 33, 97, 200}};

} // namespace

TEST_F(DeviceKernels, NameAllocAndCopies) {
  const std::string name = meshrt_context_device_name(pair.gpu());
  EXPECT_EQ(name.rfind("cuda:", 0), 0u) << name;
  EXPECT_NE(name.find("matmul fp32"), std::string::npos) << name;
  EXPECT_EQ(std::string(meshrt_context_device_name(pair.cpu())), "cpu");
  // meshrt_alloc is zero-filled on the device too.
  Buffer z = pair.alloc(4 * 1001);
  Results<float> zeros = pair.read<float>(z);
  EXPECT_EQ(zeros.gpu, std::vector<float>(1001, 0.0f));
  // Round trip, and meshrt_load_f32 of one element.
  std::vector<float> v = pseudoVec(1001, 3);
  Buffer b = pair.upload(v);
  EXPECT_EQ(pair.read<float>(b).gpu, v);
  EXPECT_EQ(meshrt_load_f32(pair.gpu(), b.f(kGpu) + 500), v[500]);
  EXPECT_EQ(meshrt_load_f32(pair.cpu(), b.f(kCpu) + 500), v[500]);
  EXPECT_TRUE(pair.ok());
}

TEST_F(DeviceKernels, MatmulFp32AllTransposesAndBatches) {
  checkMatmuls(pair, kMatmulShapes, 1e-4);
  // k = 0 is an empty sum: C = 0, without reading A or B.
  Buffer c = pair.upload(std::vector<float>(3 * 4 * 5, 5.0f));
  pair.run([&](meshrt_context_t ctx, int side) {
    meshrt_matmul(ctx, 3, 4, 5, 0, nullptr, 0, nullptr, 0, c.f(side));
  });
  ASSERT_TRUE(pair.ok());
  Results<float> r = pair.read<float>(c);
  EXPECT_EQ(r.gpu, std::vector<float>(60, 0.0f));
  EXPECT_TRUE(same(r));
}

// TF32 keeps 10 mantissa bits of each input, bf16 7: a product's relative error is ~2^-10 /
// 2^-7, and a sum of k of them, accumulated in fp32, stays below 1e-2 of the output's scale.
TEST_F(DeviceKernels, MatmulTf32AndBf16WithinTheirPrecision) {
  for (const char *precision : {"tf32", "bf16"}) {
    SCOPED_TRACE(precision);
    Pair low;
    ASSERT_NO_FATAL_FAILURE(low.open(meshesForWorld().front(), 11, precision));
    const std::string name = meshrt_context_device_name(low.gpu());
    EXPECT_NE(name.find(std::string("matmul ") + precision), std::string::npos) << name;
    checkMatmuls(low, {{1, 257, 129, 333}, {3, 65, 47, 33}, {1, 512, 384, 1024}}, 1e-2);
  }
}

TEST_F(DeviceKernels, StridedCopyTransposeBroadcastAndElementSizes) {
  struct Case {
    std::vector<int64_t> shape, strides;
  };
  const Case cases[] = {
      {{131, 67}, {1, 131}},                           // 2-D transpose
      {{4, 5, 6}, {30, 6, 1}},                         // plain copy
      {{5, 3, 7}, {1, 35, 5}},                         // 3-D permutation
      {{7, 301}, {0, 1}},                              // row broadcast
      {{301, 7}, {1, 0}},                              // column broadcast
      {{3, 1, 4}, {0, 0, 0}},                          // scalar broadcast
      {{2, 3, 65, 33}, {3 * 65 * 33, 65 * 33, 1, 65}}, // batched transpose
      {{2, 3, 5, 7, 11}, {1, 2, 6, 30, 210}},          // 5-D full reversal of the order
      {{}, {}},                                        // rank 0
      {{3, 0, 2}, {0, 0, 0}},                          // empty
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(str(c.shape) + " strides " + str(c.strides));
    const int64_t n = count(c.shape);
    std::vector<int32_t> in(std::max<int64_t>(1, span(c.shape, c.strides)));
    for (size_t i = 0; i < in.size(); ++i)
      in[i] = static_cast<int32_t>(i * 3 + 1);
    Buffer src = pair.upload(in);
    Buffer out = pair.upload(std::vector<int32_t>(n + 1, -1)); // one past: must stay -1
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_strided_copy(ctx, static_cast<int32_t>(c.shape.size()), c.shape.data(), out.v(side),
                          src.v(side), c.strides.data(), 4);
    });
    ASSERT_TRUE(pair.ok());
    Results<int32_t> r = pair.read<int32_t>(out);
    EXPECT_TRUE(same(r));
    EXPECT_EQ(r.gpu[n], -1);
  }
  // 1-, 2- and 8-byte elements through an odd transpose.
  const std::vector<int64_t> shape = {33, 17}, strides = {1, 33};
  auto run = [&](auto zero, int elemSize) {
    using T = decltype(zero);
    std::vector<T> in(33 * 17);
    for (size_t i = 0; i < in.size(); ++i)
      in[i] = static_cast<T>(i * 2654435761u + 7);
    Buffer src = pair.upload(in), out = pair.upload(std::vector<T>(in.size(), T(0)));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_strided_copy(ctx, 2, shape.data(), out.v(side), src.v(side), strides.data(), elemSize);
    });
    EXPECT_TRUE(same(pair.read<T>(out))) << elemSize << "-byte elements";
  };
  run(uint8_t{}, 1);
  run(uint16_t{}, 2);
  run(uint64_t{}, 8);
  EXPECT_TRUE(pair.ok());
}

TEST_F(DeviceKernels, BinaryBroadcastingEveryOp) {
  struct Case {
    std::vector<int64_t> shape, aStrides, bStrides;
  };
  const Case cases[] = {
      {{3, 4, 5}, {20, 5, 1}, {20, 5, 1}},  // same shape
      {{3, 4, 5}, {20, 5, 1}, {0, 0, 1}},   // row broadcast (bias add)
      {{3, 4, 5}, {20, 5, 1}, {4, 1, 0}},   // broadcast along the inner dim
      {{3, 4, 5}, {0, 0, 0}, {20, 5, 1}},   // scalar a
      {{3, 4, 5}, {1, 3, 12}, {20, 5, 1}},  // transposed a
      {{301, 257}, {257, 1}, {257, 1}},     // large contiguous
      {{301, 257}, {257, 1}, {0, 1}},       // large row broadcast
      {{(1 << 17) + 3}, {1}, {0}},          // one long row, scalar b
      {{129, 97}, {1, 129}, {97, 1}},       // large transposed a
      {{129, 97}, {1, 129}, {1, 129}},      // both transposed
      {{4, 65, 47}, {0, 1, 65}, {0, 0, 1}}, // broadcast transposed a, row-broadcast b
      {{2, 3, 5, 7, 11}, {1155, 385, 77, 11, 1}, {0, 77, 0, 11, 1}}, // 5-D, middle broadcasts
  };
  for (const Case &c : cases)
    for (int op : {MESHRT_ADD, MESHRT_SUB, MESHRT_MUL, MESHRT_RELU_GRAD, MESHRT_DIV, MESHRT_MAX,
                   MESHRT_MIN, MESHRT_GE_MASK}) {
      SCOPED_TRACE(str(c.shape) + " a " + str(c.aStrides) + " b " + str(c.bStrides) + " op " +
                   std::to_string(op));
      Buffer a = pair.upload(pseudoVec(span(c.shape, c.aStrides), 3));
      std::vector<float> bValues = pseudoVec(span(c.shape, c.bStrides), 4);
      if (op ==
          MESHRT_DIV) // away from 0: one correctly rounded division, in [-1, -0.5] or [0.5, 1]
        for (float &v : bValues)
          v = v < 0 ? v / 2 - 0.5f : v / 2 + 0.5f;
      Buffer b = pair.upload(bValues);
      Buffer out = pair.upload(std::vector<float>(count(c.shape), -99.0f));
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_binary(ctx, op, static_cast<int32_t>(c.shape.size()), c.shape.data(), out.f(side),
                      a.f(side), c.aStrides.data(), b.f(side), c.bStrides.data());
      });
      ASSERT_TRUE(pair.ok());
      EXPECT_TRUE(same(pair.read<float>(out)));
    }
  // In place: out aliases a.
  Buffer a = pair.upload(pseudoVec(1001, 5)), b = pair.upload(pseudoVec(1001, 6));
  const int64_t shape[1] = {1001}, one[1] = {1};
  pair.run([&](meshrt_context_t ctx, int side) {
    meshrt_binary(ctx, MESHRT_ADD, 1, shape, a.f(side), a.f(side), one, b.f(side), one);
  });
  EXPECT_TRUE(same(pair.read<float>(a)));
  EXPECT_TRUE(pair.ok());
}

TEST_F(DeviceKernels, UnaryAndFill) {
  const int64_t n = 100003;
  Buffer in = pair.upload(pseudoVec(n, 7));
  Buffer relu = pair.alloc(n * 4), scaled = pair.alloc(n * 4), filled = pair.alloc(n * 4);
  pair.run([&](meshrt_context_t ctx, int side) {
    meshrt_unary(ctx, MESHRT_RELU, n, relu.f(side), in.f(side), 0.0f);
    meshrt_unary(ctx, MESHRT_SCALE, n, scaled.f(side), in.f(side), -2.5f);
    meshrt_fill(ctx, n, filled.f(side), 0.75f);
  });
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(same(pair.read<float>(relu)));
  EXPECT_TRUE(same(pair.read<float>(scaled)));
  Results<float> f = pair.read<float>(filled);
  EXPECT_TRUE(same(f));
  EXPECT_EQ(f.gpu, std::vector<float>(n, 0.75f));
}

// The math functions: CUDA's libdevice against oneDNN's approximations (log is oneDNN's least
// accurate, ~4e-6 absolute near 1, hence its floor); leaky relu is a selection and a product.
TEST_F(DeviceKernels, UnaryMathFunctions) {
  const int64_t n = 100003;
  std::vector<float> x = pseudoVec(n, 8), positive(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] *= 4.0f;
    positive[i] = std::fabs(x[i]) + 1e-3f;
  }
  Buffer in = pair.upload(x), inPositive = pair.upload(positive);
  for (int op :
       {MESHRT_SIGMOID, MESHRT_TANH, MESHRT_EXP, MESHRT_LOG, MESHRT_SQRT, MESHRT_LEAKY_RELU}) {
    SCOPED_TRACE("op " + std::to_string(op));
    const bool domain = op == MESHRT_LOG || op == MESHRT_SQRT;
    Buffer out = pair.alloc(n * 4);
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_unary(ctx, op, n, out.f(side), (domain ? inPositive : in).f(side), 0.1f);
    });
    ASSERT_TRUE(pair.ok());
    if (op == MESHRT_LEAKY_RELU)
      EXPECT_TRUE(same(pair.read<float>(out)));
    else
      EXPECT_TRUE(near(pair.read<float>(out), 1e-5, op == MESHRT_LOG ? 1.0 : 1e-3));
  }
}

TEST_F(DeviceKernels, ReduceSumAnyOutputStrides) {
  struct Case {
    std::vector<int64_t> shape, outStrides;
    int64_t outCount;
  };
  const Case cases[] = {
      {{6, 7}, {0, 0}, 1},               // full sum
      {{6, 7}, {1, 0}, 6},               // over the inner dim
      {{6, 7}, {0, 1}, 7},               // over the outer dim (bias gradient)
      {{4, 5, 6}, {6, 0, 1}, 24},        // over the middle dim
      {{4, 5, 6}, {1, 0, 4}, 24},        // over the middle dim, transposed output
      {{4, 5, 6}, {0, 1, 0}, 5},         // keep the middle dim
      {{513, 301}, {0, 1}, 301},         // large column sums
      {{301, 513}, {1, 0}, 301},         // large row sums
      {{100003}, {0}, 1},                // 100003 elements to one
      {{37, 1000, 3}, {3, 0, 1}, 111},   // long middle reductions
      {{7, 33, 5, 3}, {3, 0, 0, 1}, 21}, // two reduced dims between kept ones
      {{3, 4}, {4, 1}, 12},              // no reduction
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(str(c.shape) + " -> out strides " + str(c.outStrides));
    const int64_t n = count(c.shape);
    // Mixed signs: compared within 1e-5 of the sum of |terms| of each output (the scale of a
    // summation's rounding error in any order).
    std::vector<float> x = pseudoVec(n, 8);
    std::vector<double> bound(c.outCount, 0.0);
    for (int64_t i = 0; i < n; ++i)
      bound[stridedOffset(c.shape, c.outStrides, i)] += 1e-5 * std::fabs(x[i]);
    Buffer in = pair.upload(x), out = pair.upload(std::vector<float>(c.outCount, 123.0f));
    // Multiples of 1/8: exact in any order.
    Buffer inExact = pair.upload(dyadicVec(n, 9));
    Buffer outExact = pair.upload(std::vector<float>(c.outCount, 123.0f));
    pair.run([&](meshrt_context_t ctx, int side) {
      const int32_t nd = static_cast<int32_t>(c.shape.size());
      meshrt_reduce_sum(ctx, nd, c.shape.data(), in.f(side), out.f(side), c.outStrides.data(),
                        c.outCount);
      meshrt_reduce_sum(ctx, nd, c.shape.data(), inExact.f(side), outExact.f(side),
                        c.outStrides.data(), c.outCount);
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(within(pair.read<float>(out), bound));
    EXPECT_TRUE(same(pair.read<float>(outExact)));
  }
}

TEST_F(DeviceKernels, ReduceMaxAndGradFirstMaximum) {
  struct Case {
    std::vector<int64_t> shape, outStrides;
    int64_t outCount;
  };
  const Case cases[] = {
      {{6, 37, 5}, {5, 0, 1}, 30}, // over the middle dim
      {{6, 37, 5}, {1, 0, 6}, 30}, // over the middle dim, transposed output
      {{100003}, {0}, 1},          // one long group
      {{301, 257}, {0, 1}, 257},   // column maxima
      {{257, 301}, {1, 0}, 257},   // row maxima
      {{2, 3, 2}, {1, 0, 2}, 4},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(str(c.shape) + " -> out strides " + str(c.outStrides));
    const int64_t n = count(c.shape);
    // Few distinct values: many ties, so "the first maximum" matters.
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i)
      x[i] = std::floor(pseudo(i, 10) * 3.0f) - 5.0f;
    Buffer in = pair.upload(x), out = pair.upload(std::vector<float>(c.outCount, 123.0f));
    Buffer grad = pair.upload(pseudoVec(c.outCount, 11));
    Buffer dx = pair.upload(std::vector<float>(n, 123.0f));
    pair.run([&](meshrt_context_t ctx, int side) {
      const int32_t nd = static_cast<int32_t>(c.shape.size());
      meshrt_reduce_max(ctx, nd, c.shape.data(), in.f(side), out.f(side), c.outStrides.data(),
                        c.outCount);
      meshrt_reduce_max_grad(ctx, nd, c.shape.data(), in.f(side), grad.f(side), c.outStrides.data(),
                             c.outCount, dx.f(side));
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(same(pair.read<float>(out)));
    EXPECT_TRUE(same(pair.read<float>(dx)));
  }
}

TEST_F(DeviceKernels, SoftmaxXentAndGrad) {
  struct Case {
    int64_t outer, classes, inner;
  };
  for (Case c : {Case{61, 37, 1}, Case{61, 37, 3}, Case{5, 8192, 1}, Case{3, 1000, 7}}) {
    SCOPED_TRACE(std::to_string(c.outer) + "x" + std::to_string(c.classes) + "x" +
                 std::to_string(c.inner));
    const int64_t n = c.outer * c.classes * c.inner, rows = c.outer * c.inner;
    std::vector<float> logits = pseudoVec(n, 12);
    for (float &v : logits)
      v *= 4.0f;
    std::vector<int32_t> labels(rows);
    for (int64_t i = 0; i < rows; ++i)
      labels[i] = static_cast<int32_t>((i * 5 + 2) % c.classes);
    Buffer x = pair.upload(logits), y = pair.upload(labels),
           dloss = pair.upload(pseudoVec(rows, 13));
    Buffer loss = pair.alloc(rows * 4), dx = pair.alloc(n * 4);
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_softmax_xent(ctx, c.outer, c.classes, c.inner, x.f(side), y.i(side), loss.f(side));
      meshrt_softmax_xent_grad(ctx, c.outer, c.classes, c.inner, x.f(side), y.i(side),
                               dloss.f(side), dx.f(side));
    });
    ASSERT_TRUE(pair.ok());
    // loss = log(sum exp(x - max)) + max - x[label]: rounding at the logits' magnitude.
    EXPECT_TRUE(near(pair.read<float>(loss), 1e-5, maxAbs(logits)));
    // (softmax - onehot) * dloss: probabilities ~1/classes, judged relative to that.
    EXPECT_TRUE(near(pair.read<float>(dx), 1e-5, 1e-3 / double(c.classes)));
  }
  // Stability: logits of +-80 would overflow exp() without the max shift.
  std::vector<float> logits = pseudoVec(2 * 37, 14);
  logits[0] = 80.0f;
  logits[1] = -80.0f;
  logits[37 + 5] = -80.0f;
  std::vector<int32_t> labels = {1, 5};
  Buffer x = pair.upload(logits), y = pair.upload(labels), loss = pair.alloc(8);
  pair.run([&](meshrt_context_t ctx, int side) {
    meshrt_softmax_xent(ctx, 2, 37, 1, x.f(side), y.i(side), loss.f(side));
  });
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(near(pair.read<float>(loss), 1e-5, 80.0));
}

TEST_F(DeviceKernels, SgdAdamMomentumOverSteps) {
  const int64_t n = 70001;
  {
    Buffer p = pair.upload(pseudoVec(n, 15)), g = pair.upload(pseudoVec(n, 16));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_sgd_update(ctx, n, p.f(side), g.f(side), 0.1f);
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(near(pair.read<float>(p), 1e-5, 1.0));
  }
  {
    Buffer p = pair.upload(pseudoVec(n, 17)), m = pair.alloc(n * 4), v = pair.alloc(n * 4);
    for (int64_t step = 0; step < 4; ++step) {
      Buffer g = pair.upload(pseudoVec(n, 20 + int(step)));
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_adam_update(ctx, n, p.f(side), g.f(side), m.f(side), v.f(side), 0.01f, 0.9f, 0.99f,
                           1e-6f, 0.05f, step);
      });
    }
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(near(pair.read<float>(p), 1e-5, 1.0)) << "adam parameters";
    EXPECT_TRUE(near(pair.read<float>(m), 1e-5, 1e-3)) << "adam first moments";
    EXPECT_TRUE(near(pair.read<float>(v), 1e-5, 1e-4)) << "adam second moments";
  }
  {
    // Clipping by the global norm: the device's sums of squares and scale, the CPU's.
    Buffer a = pair.upload(pseudoVec(n, 40)), b = pair.upload(pseudoVec(n, 41));
    pair.run([&](meshrt_context_t ctx, int side) {
      float *grads[] = {a.f(side), b.f(side)};
      const int64_t counts[] = {n, n}, replicas[] = {1, 1};
      meshrt_clip_global_norm(ctx, 2, grads, counts, replicas, 0.5f);
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(near(pair.read<float>(a), 1e-6, 1e-6)) << "clipped gradient a";
    EXPECT_TRUE(near(pair.read<float>(b), 1e-6, 1e-6)) << "clipped gradient b";
  }
  {
    Buffer p = pair.upload(pseudoVec(n, 18)), vel = pair.alloc(n * 4);
    for (int step = 0; step < 3; ++step) {
      Buffer g = pair.upload(pseudoVec(n, 30 + step));
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_momentum_update(ctx, n, p.f(side), g.f(side), vel.f(side), 0.1f, 0.9f);
      });
    }
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(near(pair.read<float>(p), 1e-5, 1.0)) << "momentum parameters";
    EXPECT_TRUE(near(pair.read<float>(vel), 1e-5, 1.0)) << "momentum velocity";
  }
}

TEST_F(DeviceKernels, LayerNormAndGrad) {
  struct Case {
    int64_t outer, n, inner;
  };
  for (Case c :
       {Case{3, 1000, 1}, Case{5, 37, 3}, Case{2, 4099, 2}, Case{4, 1, 3}, Case{257, 64, 1}}) {
    SCOPED_TRACE(std::to_string(c.outer) + "x" + std::to_string(c.n) + "x" +
                 std::to_string(c.inner));
    const int64_t count = c.outer * c.n * c.inner;
    std::vector<float> xv = pseudoVec(count, 19);
    for (float &v : xv)
      v = 3.0f * v + 1.5f; // a mean far from 0: the variance must not cancel
    Buffer x = pair.upload(xv), dy = pair.upload(pseudoVec(count, 20));
    Buffer y = pair.alloc(count * 4), dx = pair.alloc(count * 4);
    // The addend's buffer takes the sum (in place, as the buffer plan allows).
    Buffer sum = pair.upload(pseudoVec(count, 23));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_layer_norm(ctx, c.outer, c.n, c.inner, 1e-5f, x.f(side), y.f(side));
      meshrt_layer_norm_grad(ctx, c.outer, c.n, c.inner, 1e-5f, x.f(side), dy.f(side), dx.f(side));
      meshrt_layer_norm_grad_add(ctx, c.outer, c.n, c.inner, 1e-5f, x.f(side), dy.f(side),
                                 sum.f(side), sum.f(side));
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(near(pair.read<float>(y), 2e-5, 1.0)) << "layer_norm";
    EXPECT_TRUE(near(pair.read<float>(dx), 1e-4, 1.0)) << "layer_norm_grad";
    EXPECT_TRUE(near(pair.read<float>(sum), 1e-4, 1.0)) << "layer_norm_grad_add";
  }
}

TEST_F(DeviceKernels, GeluAndGrad) {
  const int64_t n = 100003;
  std::vector<float> xv = pseudoVec(n, 21);
  for (float &v : xv)
    v *= 6.0f; // into the saturated tails of tanh
  Buffer x = pair.upload(xv), dy = pair.upload(pseudoVec(n, 22));
  Buffer y = pair.alloc(n * 4), dx = pair.alloc(n * 4);
  pair.run([&](meshrt_context_t ctx, int side) {
    meshrt_gelu(ctx, n, x.f(side), y.f(side));
    meshrt_gelu_grad(ctx, n, x.f(side), dy.f(side), dx.f(side));
  });
  ASSERT_TRUE(pair.ok());
  // Both evaluate tanh through exp approximations of their own; judged against 1 below |1|.
  EXPECT_TRUE(near(pair.read<float>(y), 2e-5, 1.0)) << "gelu";
  EXPECT_TRUE(near(pair.read<float>(dx), 2e-5, 1.0)) << "gelu_grad";
}

TEST_F(DeviceKernels, Softmax) {
  struct Case {
    int64_t outer, n, inner;
    float scale;
  };
  for (Case c : {Case{3, 1001, 1, 4.0f}, Case{2, 5, 3, 30.0f}, Case{7, 8192, 1, 4.0f},
                 Case{4, 33, 129, 4.0f}}) {
    SCOPED_TRACE(std::to_string(c.outer) + "x" + std::to_string(c.n) + "x" +
                 std::to_string(c.inner));
    const int64_t count = c.outer * c.n * c.inner;
    std::vector<float> xv = pseudoVec(count, 23);
    for (float &v : xv)
      v *= c.scale; // x30: the max shift matters
    Buffer x = pair.upload(xv), y = pair.alloc(count * 4);
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_softmax(ctx, c.outer, c.n, c.inner, x.f(side), y.f(side));
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(near(pair.read<float>(y), 1e-5, 1e-6));
  }
}

TEST_F(DeviceKernels, EmbeddingAndGradWholeVocab) {
  struct Case {
    int64_t vocab, row, n;
    int idMod; // ids are i * 7 % idMod - 3: some below 0, some past the vocab, repeats
  };
  for (Case c : {Case{37, 19, 101, 45}, Case{1000, 1024, 257, 1006}, Case{5, 33, 300, 6}}) {
    SCOPED_TRACE(std::to_string(c.vocab) + " rows of " + std::to_string(c.row));
    std::vector<int32_t> idv(c.n);
    for (int64_t i = 0; i < c.n; ++i)
      idv[i] = static_cast<int32_t>((i * 7) % c.idMod) - 3;
    Buffer table = pair.upload(pseudoVec(c.vocab * c.row, 24)), ids = pair.upload(idv);
    Buffer out = pair.upload(std::vector<float>(c.n * c.row, 99.0f));
    // Repeated ids add up (in any order on the device): multiples of 1/8 keep that exact.
    Buffer grad = pair.upload(dyadicVec(c.n * c.row, 25));
    Buffer tableGrad = pair.upload(std::vector<float>(c.vocab * c.row, 99.0f));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_embedding(ctx, c.n, c.vocab, c.row, -1, table.f(side), ids.i(side), out.f(side));
      meshrt_embedding_grad(ctx, c.n, c.vocab, c.row, -1, ids.i(side), grad.f(side),
                            tableGrad.f(side));
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(same(pair.read<float>(out)));
    EXPECT_TRUE(same(pair.read<float>(tableGrad)));
  }
}

TEST_F(DeviceKernels, OneHotIntAndFloat) {
  const int64_t outer = 3, classes = 11, inner = 5;
  std::vector<int32_t> iv(outer * inner);
  std::vector<float> fv(iv.size());
  for (size_t i = 0; i < iv.size(); ++i) {
    iv[i] = static_cast<int32_t>(i % (classes + 3)) - 1; // -1, classes, classes+1: out of range
    fv[i] = static_cast<float>(iv[i]);
  }
  Buffer in = pair.upload(iv), inF = pair.upload(fv);
  Buffer out = pair.upload(std::vector<float>(outer * classes * inner, 7.0f));
  Buffer outF = pair.upload(std::vector<float>(outer * classes * inner, 7.0f));
  pair.run([&](meshrt_context_t ctx, int side) {
    meshrt_one_hot(ctx, outer, classes, inner, -1, in.v(side), 1, out.f(side));
    meshrt_one_hot(ctx, outer, classes, inner, -1, inF.v(side), 0, outF.f(side));
  });
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(same(pair.read<float>(out)));
  EXPECT_TRUE(same(pair.read<float>(outF)));
}

TEST_F(DeviceKernels, ArgmaxFirstMaximum) {
  struct Case {
    int64_t outer, n, inner;
  };
  for (Case c : {Case{4, 37, 3}, Case{5, 8191, 1}, Case{3, 2, 1001}, Case{1, 1, 7}}) {
    SCOPED_TRACE(std::to_string(c.outer) + "x" + std::to_string(c.n) + "x" +
                 std::to_string(c.inner));
    const int64_t count = c.outer * c.n * c.inner;
    std::vector<float> xv(count);
    for (int64_t i = 0; i < count; ++i)
      xv[i] = std::floor(pseudo(i, 26) * 2.0f); // -2..1: ties everywhere
    Buffer x = pair.upload(xv), out = pair.upload(std::vector<int32_t>(c.outer * c.inner, -7));
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_argmax(ctx, c.outer, c.n, c.inner, x.f(side), out.i(side));
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(same(pair.read<int32_t>(out)));
  }
}

TEST_F(DeviceKernels, EqualI32AndF32Broadcasting) {
  struct Case {
    std::vector<int64_t> shape, aStrides, bStrides;
  };
  const Case cases[] = {
      {{64}, {1}, {1}},                    // per sample: argmax == label
      {{3, 4, 5}, {20, 5, 1}, {0, 0, 1}},  // row broadcast
      {{3, 4, 5}, {1, 3, 12}, {20, 5, 1}}, // transposed a
      {{(1 << 17) + 3}, {1}, {0}},         // one long row, scalar b
  };
  for (const Case &c : cases) {
    int64_t aSpan = span(c.shape, c.aStrides), bSpan = span(c.shape, c.bStrides);
    std::vector<int32_t> ai(aSpan), bi(bSpan);
    std::vector<float> af(aSpan), bf(bSpan);
    for (int64_t i = 0; i < aSpan; ++i)
      af[i] = static_cast<float>(ai[i] = static_cast<int32_t>((i * 7919) % 3));
    for (int64_t i = 0; i < bSpan; ++i)
      bf[i] = static_cast<float>(bi[i] = static_cast<int32_t>((i * i + i / 5) % 3));
    for (int dtype : {MESHRT_DTYPE_I32, MESHRT_DTYPE_F32}) {
      SCOPED_TRACE(str(c.shape) + " dtype " + std::to_string(dtype));
      bool isInt = dtype == MESHRT_DTYPE_I32;
      Buffer a = isInt ? pair.upload(ai) : pair.upload(af);
      Buffer b = isInt ? pair.upload(bi) : pair.upload(bf);
      Buffer out = pair.upload(std::vector<float>(count(c.shape), -99.0f));
      pair.run([&](meshrt_context_t ctx, int side) {
        meshrt_equal(ctx, dtype, static_cast<int32_t>(c.shape.size()), c.shape.data(), out.f(side),
                     a.v(side), c.aStrides.data(), b.v(side), c.bStrides.data());
      });
      ASSERT_TRUE(pair.ok());
      EXPECT_TRUE(same(pair.read<float>(out)));
    }
  }
}

TEST_F(DeviceKernels, CumsumFourWays) {
  struct Case {
    int64_t outer, n, inner;
  };
  for (Case c : {Case{3, 257, 5}, Case{1, 100003, 1}, Case{1000, 7, 1}, Case{2, 1, 3}})
    for (int exclusive = 0; exclusive < 2; ++exclusive)
      for (int reverse = 0; reverse < 2; ++reverse) {
        SCOPED_TRACE(std::to_string(c.outer) + "x" + std::to_string(c.n) + "x" +
                     std::to_string(c.inner) + " exclusive " + std::to_string(exclusive) +
                     " reverse " + std::to_string(reverse));
        const int64_t count = c.outer * c.n * c.inner;
        // Multiples of 1/8: every running sum is exact, whatever the scan's order.
        Buffer in = pair.upload(dyadicVec(count, 27)), out = pair.alloc(count * 4);
        pair.run([&](meshrt_context_t ctx, int side) {
          meshrt_cumsum(ctx, c.outer, c.n, c.inner, exclusive, reverse, in.f(side), out.f(side));
        });
        ASSERT_TRUE(pair.ok());
        EXPECT_TRUE(same(pair.read<float>(out)));
      }
}

TEST_F(DeviceKernels, CopyWindow) {
  struct Case {
    int64_t outer, inner, inN, inStart, outN, outStart, len;
  };
  const Case cases[] = {
      {3, 5, 37, 4, 41, 17, 20},   // middle window into the middle
      {1, 1, 100, 0, 100, 0, 100}, // everything
      {7, 1, 9, 8, 3, 0, 1},       // one element per row
      {2, 33, 5, 1, 5, 2, 3},      // wide rows
  };
  for (const Case &c : cases) {
    SCOPED_TRACE("outer " + std::to_string(c.outer) + " inner " + std::to_string(c.inner) +
                 " len " + std::to_string(c.len));
    const int64_t inCount = c.outer * c.inN * c.inner, outCount = c.outer * c.outN * c.inner;
    // f32 (elem 4) and 8-byte elements; the rest of out stays as it was.
    Buffer in = pair.upload(pseudoVec(inCount, 28)), out = pair.upload(pseudoVec(outCount, 29));
    std::vector<uint64_t> in8(inCount), out8(outCount);
    for (int64_t i = 0; i < inCount; ++i)
      in8[i] = 0x0123456789abcdefULL * uint64_t(i + 1);
    for (int64_t i = 0; i < outCount; ++i)
      out8[i] = ~uint64_t(i);
    Buffer inW = pair.upload(in8), outW = pair.upload(out8);
    pair.run([&](meshrt_context_t ctx, int side) {
      meshrt_copy_window(ctx, c.outer, c.inner, in.v(side), c.inN, c.inStart, out.v(side), c.outN,
                         c.outStart, c.len, 4);
      meshrt_copy_window(ctx, c.outer, c.inner, inW.v(side), c.inN, c.inStart, outW.v(side), c.outN,
                         c.outStart, c.len, 8);
    });
    ASSERT_TRUE(pair.ok());
    EXPECT_TRUE(same(pair.read<float>(out)));
    EXPECT_TRUE(same(pair.read<uint64_t>(outW)));
  }
}

// The ABI checks arguments before it hands a call to the device: the same sticky errors.
TEST_F(DeviceKernels, ArgumentErrorsOnTheDevice) {
  struct Bad {
    const char *what;
    void (*call)(meshrt_context_t, void *, void *);
  };
  const Bad bad[] = {
      {"reduce_sum out stride past out_count",
       [](meshrt_context_t ctx, void *in, void *out) {
         const int64_t shape[1] = {4}, strides[1] = {1};
         meshrt_reduce_sum(ctx, 1, shape, static_cast<float *>(in), static_cast<float *>(out),
                           strides, 2);
       }},
      {"copy_window past the end",
       [](meshrt_context_t ctx, void *in, void *out) {
         meshrt_copy_window(ctx, 2, 2, in, 3, 2, out, 4, 0, 2, 4);
       }},
      {"matmul of a negative size",
       [](meshrt_context_t ctx, void *in, void *out) {
         meshrt_matmul(ctx, 1, -1, 2, 2, static_cast<float *>(in), 0, static_cast<float *>(in), 0,
                       static_cast<float *>(out));
       }},
  };
  for (const Bad &b : bad) {
    SCOPED_TRACE(b.what);
    Pair fresh;
    ASSERT_NO_FATAL_FAILURE(fresh.open(meshesForWorld().front(), 11));
    Buffer in = fresh.alloc(64 * 4), out = fresh.alloc(64 * 4);
    fresh.run([&](meshrt_context_t ctx, int side) { b.call(ctx, in.v(side), out.v(side)); });
    EXPECT_EQ(meshrt_context_status(fresh.cpu()), MESHRT_INVALID_ARGUMENT);
    EXPECT_EQ(meshrt_context_status(fresh.gpu()), MESHRT_INVALID_ARGUMENT)
        << meshrt_context_message(fresh.gpu());
  }
}
