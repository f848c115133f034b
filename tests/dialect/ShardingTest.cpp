// The layout algebra (dialect/Analysis/Sharding.h) and the mesh/layout spec parsers.
#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/MeshcOps.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace meshc;

namespace {

class ShardingTest : public ::testing::Test {
protected:
  ShardingTest() { context.loadDialect<MeshcDialect>(); }

  MeshAttr mesh(llvm::StringRef spec) {
    std::string error;
    MeshAttr result = parseMeshSpec(&context, spec, error);
    EXPECT_TRUE(result) << error;
    return result;
  }
  LayoutAttr layout(llvm::StringRef spec) {
    std::string error;
    LayoutAttr result = parseLayoutSpec(&context, spec, error);
    EXPECT_TRUE(result) << error;
    return result;
  }
  NamedTensorType tensor(std::initializer_list<std::pair<const char *, int64_t>> dims) {
    llvm::SmallVector<StringAttr> names;
    llvm::SmallVector<int64_t> sizes;
    for (auto [name, size] : dims) {
      names.push_back(StringAttr::get(&context, name));
      sizes.push_back(size);
    }
    return NamedTensorType::get(&context, names, sizes, Float32Type::get(&context));
  }

  MLIRContext context;
};

TEST_F(ShardingTest, TargetFollowsTheLayoutByName) {
  MeshLayout ml(mesh("b=2,m=4"), layout("batch:b,hidden:m"));
  NamedTensorType t = tensor({{"hidden", 64}, {"d", 3}, {"batch", 8}});
  Sharding s = ml.target(t);
  EXPECT_EQ(s.dimAxes, (llvm::SmallVector<int>{1, kReplicated, 0}));
  EXPECT_FALSE(s.isPartial());
  NamedTensorType local = ml.localType(t, s);
  EXPECT_EQ(local.getDimSizes(), (llvm::ArrayRef<int64_t>{16, 3, 4}));
  EXPECT_EQ(local.getDimNames(), t.getDimNames());
  EXPECT_EQ(ml.localBytes(t, s), 16 * 3 * 4 * 4);
}

TEST_F(ShardingTest, ScalarsAndUnmappedDimsAreReplicated) {
  MeshLayout ml(mesh("b=2"), layout("batch:b"));
  EXPECT_TRUE(ml.target(tensor({})).dimAxes.empty());
  Sharding s = ml.target(tensor({{"d", 5}}));
  EXPECT_EQ(s.dimAxes, (llvm::SmallVector<int>{kReplicated}));
  EXPECT_EQ(ml.localBytes(tensor({{"d", 5}}), s), 20);
}

TEST_F(ShardingTest, NoLayoutReplicatesEverything) {
  MeshLayout ml(mesh("b=2,m=2"), LayoutAttr());
  EXPECT_EQ(ml.target(tensor({{"batch", 8}})).dimAxes, (llvm::SmallVector<int>{kReplicated}));
}

// The partitioner's index form and the IR's ShardingAttr (axes by name) convert both ways.
TEST_F(ShardingTest, ShardingAttrNamesTheAxesByIndex) {
  MeshAttr m = mesh("b=2,m=4,p=2");
  Sharding s;
  s.dimAxes = {2, kReplicated, 0};
  s.partialAxes = {1};
  ShardingAttr attr = toShardingAttr(s, m);
  ASSERT_EQ(attr.getRank(), 3u);
  EXPECT_EQ(attr.getDimAxes(0), (llvm::SmallVector<StringAttr>{StringAttr::get(&context, "p")}));
  EXPECT_TRUE(attr.getDimAxes(1).empty());
  EXPECT_EQ(attr.getDimAxes(2), (llvm::SmallVector<StringAttr>{StringAttr::get(&context, "b")}));
  ASSERT_EQ(attr.getPartialAxes().size(), 1u);
  EXPECT_EQ(attr.getPartialAxes()[0].getValue(), "m");
  EXPECT_EQ(fromShardingAttr(attr, m), s);
  // A scalar held whole on every rank.
  EXPECT_EQ(fromShardingAttr(toShardingAttr(Sharding(), m), m), Sharding());
}

TEST_F(ShardingTest, FromModuleNeedsAMesh) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  EXPECT_FALSE(MeshLayout::fromModule(*module).has_value());
  setMesh(*module, mesh("b=3"));
  std::optional<MeshLayout> ml = MeshLayout::fromModule(*module);
  ASSERT_TRUE(ml.has_value());
  EXPECT_EQ(ml->getNumAxes(), 1u);
  EXPECT_EQ(ml->getAxisSize(0), 3);
  EXPECT_EQ(ml->axisOf(StringAttr::get(&context, "batch")), kReplicated);
}

TEST_F(ShardingTest, MeshSpecRoundTripsAndCountsRanks) {
  MeshAttr m = mesh(" b = 2 , m=4,x=1");
  EXPECT_EQ(m.getSpec(), "b=2,m=4,x=1");
  EXPECT_EQ(m.getNumRanks(), 8);
  EXPECT_EQ(m.findAxis("m"), 1u);
  EXPECT_FALSE(m.findAxis("q").has_value());
}

TEST_F(ShardingTest, BadSpecsAreRejectedWithTheirReason) {
  std::string error;
  EXPECT_FALSE(parseMeshSpec(&context, "b=2,b=2", error));
  EXPECT_NE(error.find("appears twice"), std::string::npos) << error;
  EXPECT_FALSE(parseMeshSpec(&context, "b=-1", error));
  EXPECT_NE(error.find("at least 1"), std::string::npos) << error;
  EXPECT_FALSE(parseMeshSpec(&context, "", error));
  EXPECT_FALSE(parseMeshSpec(&context, "2=b", error));
  EXPECT_FALSE(parseLayoutSpec(&context, "batch:b,batch:m", error));
  EXPECT_NE(error.find("appears twice"), std::string::npos) << error;
  EXPECT_FALSE(parseLayoutSpec(&context, "batch", error));
  EXPECT_TRUE(parseLayoutSpec(&context, "", error));
}

} // namespace

// Resharding plans (MeshLayout::planReshard): the cheapest collectives, bytes per rank.
class ReshardPlanTest : public ShardingTest {
protected:
  Sharding held(llvm::SmallVector<int> dims, llvm::SmallVector<unsigned> partial = {}) {
    Sharding s;
    s.dimAxes = dims;
    s.partialAxes = partial;
    return s;
  }
  static std::string kinds(const ReshardPlan &plan) {
    static const char *names[] = {"all_reduce", "reduce_scatter", "all_gather", "all_slice",
                                  "all_to_all"};
    std::string text;
    for (const ReshardStep &step : plan.steps)
      text += (text.empty() ? "" : " ") + std::string(names[int(step.kind)]);
    return text;
  }
};

TEST_F(ReshardPlanTest, SameShardingIsFree) {
  MeshLayout ml(mesh("m=4"), layout(""));
  std::optional<ReshardPlan> plan =
      ml.planReshard(tensor({{"d", 8}, {"h", 8}}), held({kReplicated, 0}), held({kReplicated, 0}));
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->steps.empty());
  EXPECT_EQ(plan->bytes, 0);
}

TEST_F(ReshardPlanTest, AxisMovingBetweenDimsIsOneAllToAll) {
  MeshLayout ml(mesh("m=4"), layout(""));
  std::optional<ReshardPlan> plan =
      ml.planReshard(tensor({{"d", 8}, {"h", 8}}), held({kReplicated, 0}), held({0, kReplicated}));
  ASSERT_TRUE(plan);
  EXPECT_EQ(kinds(*plan), "all_to_all");
  EXPECT_EQ(plan->steps[0].dim, 0u);       // split d
  EXPECT_EQ(plan->steps[0].concatDim, 1u); // gather h
  EXPECT_EQ(plan->bytes, 64.0 * 3 / 4);    // 8x2 f32 held, 3/4 of it received
}

TEST_F(ReshardPlanTest, PendingSumOntoASplitIsAReduceScatter) {
  MeshLayout ml(mesh("m=4"), layout(""));
  NamedTensorType t = tensor({{"d", 8}, {"h", 8}});
  std::optional<ReshardPlan> plan =
      ml.planReshard(t, held({kReplicated, kReplicated}, {0}), held({kReplicated, 0}));
  ASSERT_TRUE(plan);
  EXPECT_EQ(kinds(*plan), "reduce_scatter");
  EXPECT_EQ(plan->bytes, 256.0 * 3 / 4);
  plan = ml.planReshard(t, held({kReplicated, kReplicated}, {0}), held({kReplicated, kReplicated}));
  ASSERT_TRUE(plan);
  EXPECT_EQ(kinds(*plan), "all_reduce");
  EXPECT_EQ(plan->bytes, 2 * 256.0 * 3 / 4);
}

TEST_F(ReshardPlanTest, SlicesComeFirstAndSumsShareOneAllReduce) {
  MeshLayout ml(mesh("b=2,m=2,k=2"), layout(""));
  std::optional<ReshardPlan> plan =
      ml.planReshard(tensor({{"d", 8}, {"h", 8}}), held({kReplicated, kReplicated}, {0, 1}),
                     held({2, kReplicated}));
  ASSERT_TRUE(plan);
  EXPECT_EQ(kinds(*plan), "all_slice all_reduce");
  EXPECT_EQ(plan->steps[1].axes, (llvm::SmallVector<unsigned>{0, 1}));
}

TEST_F(ReshardPlanTest, PartialOverASplitAxisHasNoPlan) {
  MeshLayout ml(mesh("m=4"), layout(""));
  EXPECT_FALSE(ml.planReshard(tensor({{"d", 8}}), held({0}, {0}), held({kReplicated})));
}
