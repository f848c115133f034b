// The liveness buffer plan (dialect/Analysis/BufferPlan.h): which values share a buffer in
// place, which stay persistent, and that no two buffers live at one op overlap in the arena.
#include "dialect/Analysis/BufferPlan.h"
#include "dialect/IR/MeshcOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace meshc;

namespace {

// x and w persist; a is new (w has another type); b = relu(a) takes a's buffer (a dies there);
// c = exp(b) cannot (b is read again); e = b + c takes b's (b dies there); e is a metric, so
// its buffer (and with it a's and b's) persists; h = g - e takes g's, never e's; k and l
// follow in place (l = k * c: the first operand that dies there).
constexpr const char *kProgram = R"(
module {
  func.func @plan() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=16, f32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=16, f32>
    %a = meshc.add %x, %w : !meshc.tensor<batch=8, d=16, f32>, !meshc.tensor<d=16, f32> -> !meshc.tensor<batch=8, d=16, f32>
    %b = meshc.relu %a : !meshc.tensor<batch=8, d=16, f32>
    %c = meshc.exp %b : !meshc.tensor<batch=8, d=16, f32>
    %e = meshc.add %b, %c : !meshc.tensor<batch=8, d=16, f32>, !meshc.tensor<batch=8, d=16, f32> -> !meshc.tensor<batch=8, d=16, f32>
    %g = meshc.exp %x : !meshc.tensor<batch=8, d=16, f32>
    %h = meshc.sub %g, %e : !meshc.tensor<batch=8, d=16, f32>, !meshc.tensor<batch=8, d=16, f32> -> !meshc.tensor<batch=8, d=16, f32>
    %k = meshc.tanh %h : !meshc.tensor<batch=8, d=16, f32>
    %l = meshc.mul %k, %c : !meshc.tensor<batch=8, d=16, f32>, !meshc.tensor<batch=8, d=16, f32> -> !meshc.tensor<batch=8, d=16, f32>
    meshc.metric "e", %e : !meshc.tensor<batch=8, d=16, f32>
    %s = meshc.reduce_sum %l : !meshc.tensor<batch=8, d=16, f32> -> !meshc.tensor<f32>
    meshc.output "loss", %s : !meshc.tensor<f32>
    return
  }
}
)";

class BufferPlanTest : public ::testing::Test {
protected:
  BufferPlanTest() {
    DialectRegistry registry;
    registry.insert<MeshcDialect, func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kProgram, &context);
  }
  func::FuncOp func() { return *module->getOps<func::FuncOp>().begin(); }
  /// The first result of the n-th op of the body.
  Value result(unsigned n) { return std::next(func().getBody().front().begin(), n)->getResult(0); }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(BufferPlanTest, SharesInPlaceOnlyWhereTheOperandDies) {
  ASSERT_TRUE(module);
  BufferPlan plan = planBuffers(func());
  Value x = result(0), w = result(1), a = result(2), b = result(3), c = result(4), e = result(5),
        g = result(6), h = result(7), k = result(8), l = result(9);
  auto bufferOf = [&](Value v) { return plan.bufferOf.lookup(v); };
  EXPECT_NE(bufferOf(a), bufferOf(x));
  EXPECT_NE(bufferOf(a), bufferOf(w));
  EXPECT_EQ(bufferOf(b), bufferOf(a));
  EXPECT_NE(bufferOf(c), bufferOf(b));
  EXPECT_EQ(bufferOf(e), bufferOf(b));
  EXPECT_EQ(bufferOf(h), bufferOf(g)); // g dies at h; e (persistent, a metric) is not taken
  EXPECT_EQ(bufferOf(k), bufferOf(h));
  EXPECT_EQ(bufferOf(l), bufferOf(k)); // the first operand that dies there
  EXPECT_TRUE(plan.buffers[bufferOf(x)].persistent);
  EXPECT_TRUE(plan.buffers[bufferOf(w)].persistent);
  EXPECT_TRUE(plan.buffers[bufferOf(e)].persistent); // read by the runtime after the pass
  EXPECT_FALSE(plan.buffers[bufferOf(c)].persistent);
  EXPECT_FALSE(plan.buffers[bufferOf(g)].persistent);
}

TEST_F(BufferPlanTest, BuffersLiveAtOneOpDoNotOverlap) {
  ASSERT_TRUE(module);
  BufferPlan plan = planBuffers(func());
  const int64_t value = 8 * 16 * 4;
  // Arena buffers by op index: c [4, 9], g/h/k/l [6, 11], s [11, 12]: at most c and g's.
  EXPECT_EQ(plan.liveBytesBound, 2 * value);
  EXPECT_GE(plan.arenaBytes, plan.liveBytesBound);
  for (const BufferPlan::Buffer &one : plan.buffers) {
    if (one.persistent)
      continue;
    EXPECT_EQ(one.offset % kArenaAlignment, 0);
    EXPECT_LE(one.offset + one.bytes, plan.arenaBytes);
    for (const BufferPlan::Buffer &other : plan.buffers)
      if (&one != &other && !other.persistent && one.first <= other.last && other.first <= one.last)
        EXPECT_TRUE(one.offset + one.bytes <= other.offset ||
                    other.offset + other.bytes <= one.offset)
            << "buffers live at once overlap at offsets " << one.offset << " and " << other.offset;
  }
  // One buffer per value: a, b, c, e, g, h, k, l and s, less the persistent a, b, e.
  EXPECT_EQ(plan.unsharedBytes, 5 * value + 4);
}

} // namespace
