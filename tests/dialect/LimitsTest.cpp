// The limits on sizes are written three times: in the compiler (dialect/IR/Limits.h), in the DSL
// (frontend/src/GraphImpl.h, which does not link the dialect) and in the runtime
// (runtime/src/mesh.h, runtime/src/kernels/collapse.h, which depend on neither). A mesh or tensor
// that meshc accepts must start, and one the runtime refuses must be refused at compile time:
// these tests include all three sides and fail when they differ. The runtime's mesh parser is
// compiled in (its symbols are hidden in libmeshrt).
#include "dialect/IR/Limits.h"
#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/MeshcDialect.h"

#include "GraphImpl.h"        // frontend/src
#include "data/slice_desc.h"  // runtime/src
#include "kernels/collapse.h" // runtime/src
#include "mesh.h"             // runtime/src

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

TEST(Limits, ConstantsAgree) {
  EXPECT_EQ(meshc::kMaxMeshAxes, static_cast<unsigned>(meshrt::kMaxMeshAxes));
  EXPECT_EQ(meshc::kMaxMeshAxes, meshc::dsl::detail::kMaxMeshAxes);
  EXPECT_EQ(meshc::kMaxMeshAxisSize, meshc::dsl::detail::kMaxMeshAxisSize);
  EXPECT_EQ(meshc::kMaxMeshRanks, meshc::dsl::detail::kMaxMeshRanks);
  EXPECT_EQ(meshc::kMaxTensorDims, static_cast<unsigned>(meshrt::kMaxDims));
  EXPECT_EQ(meshc::kMaxTensorDims, static_cast<unsigned>(meshrt::kMaxSliceDims));
  EXPECT_EQ(meshc::kMaxTensorDims, meshc::dsl::detail::kMaxTensorDims);
  EXPECT_EQ(meshc::kMaxI32Index, meshc::dsl::detail::kMaxI32Index);
  EXPECT_EQ(meshc::kMaxF32Index, meshc::dsl::detail::kMaxF32Index);
}

/// `n` axes of size `size`: "a0=size,a1=size,...".
std::string axes(int n, int64_t size) {
  std::string spec;
  for (int i = 0; i < n; ++i)
    spec += (i ? ",a" : "a") + std::to_string(i) + "=" + std::to_string(size);
  return spec;
}

// The runtime's parser (what an executable does at start) and meshc's and the DSL's agree on
// meshes at and just past each limit; the ones at the limits are accepted, so that the test
// cannot pass by all three refusing everything.
TEST(Limits, MeshesAgreeAtTheLimits) {
  mlir::MLIRContext context;
  context.loadDialect<meshc::MeshcDialect>();
  const int64_t maxAxis = meshc::kMaxMeshAxisSize;
  const int64_t ranksAxis = meshc::kMaxMeshRanks / maxAxis; // second axis reaching the rank limit
  struct Case {
    std::string spec;
    bool atLimit; // accepted by all three
  };
  const std::vector<Case> cases = {
      {axes(meshc::kMaxMeshAxes, 1), true},
      {axes(meshc::kMaxMeshAxes + 1, 1), false},
      {axes(meshc::kMaxMeshAxes + 2, 1), false},
      {"a=" + std::to_string(maxAxis), true},
      {"a=" + std::to_string(maxAxis + 1), false},
      {"a=4294967296,b=4294967296", false},
      {"a=" + std::to_string(maxAxis) + ",b=" + std::to_string(ranksAxis), true},
      {"a=" + std::to_string(maxAxis) + ",b=" + std::to_string(2 * ranksAxis), false},
      {"a=65536,b=65536", false},
      {axes(meshc::kMaxMeshAxes, 2), true},
  };
  for (const Case &c : cases) {
    std::string error;
    bool compiler = static_cast<bool>(meshc::parseMeshSpec(&context, c.spec, error));
    meshrt::Mesh mesh;
    bool runtime = meshrt::Mesh::parse(c.spec, &mesh).ok();
    std::vector<std::string> dslAxes;
    bool dsl = !meshc::dsl::detail::checkMeshSpec(c.spec, dslAxes).has_value();
    EXPECT_EQ(compiler, runtime) << c.spec << ": meshc says '" << error << "'";
    EXPECT_EQ(dsl, compiler) << c.spec;
    EXPECT_EQ(compiler, c.atLimit) << c.spec << ": " << error;
  }
}

// The mesh attribute's verifier (which a mesh built in C++ meets) checks what the parser does.
TEST(Limits, MeshAttributeVerifier) {
  mlir::MLIRContext context;
  context.loadDialect<meshc::MeshcDialect>();
  auto name = [&](const char *n) { return mlir::StringAttr::get(&context, n); };
  std::string message;
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &diag) {
    message = diag.str();
    return mlir::success();
  });
  auto check = [&](llvm::ArrayRef<mlir::StringAttr> names, llvm::ArrayRef<int64_t> sizes) {
    message.clear();
    return static_cast<bool>(meshc::MeshAttr::getChecked(
        [&] { return mlir::emitError(mlir::UnknownLoc::get(&context)); }, &context, names, sizes));
  };
  EXPECT_TRUE(check({name("b"), name("m")}, {2, 4}));
  EXPECT_FALSE(check({}, {}));
  EXPECT_EQ(message, "mesh has no axes (expected name=size, like b=2,m=4)");
  EXPECT_FALSE(check({name("b")}, {2, 4}));
  EXPECT_EQ(message, "mesh 'b=2' has 1 axis names but 2 sizes");
  EXPECT_FALSE(check({name("b"), name("b")}, {2, 2}));
  EXPECT_EQ(message, "mesh axis 'b' appears twice in mesh 'b=2,b=2'");
  EXPECT_FALSE(check({name("1b")}, {2}));
  EXPECT_EQ(message, "invalid mesh axis name '1b'");
  EXPECT_FALSE(check({name("b")}, {0}));
  EXPECT_EQ(message, "mesh axis 'b' has size 0 (sizes must be at least 1)");
  EXPECT_FALSE(check({name("b"), name("m")}, {int64_t{1} << 20, int64_t{1} << 20}));
  EXPECT_EQ(message, "mesh 'b=1048576,m=1048576' has more than 1073741824 ranks (the most the "
                     "runtime supports)");
}

} // namespace
