// Each op-family lowering refuses, with a located error and without emitting IR, every op that
// is not in its list (LoweringState.h): a family handed an op it has no case for must never
// lower it to nothing. The ops come from the e2e programs (global programs with ops of every
// family but the collectives, each foreign to all families but one) plus func.return.
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "dialect/IR/MeshcDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#ifndef MESHC_E2E_PROGRAMS_DIR
#error "MESHC_E2E_PROGRAMS_DIR must name tests/e2e/programs (tests/lowering/CMakeLists.txt)"
#endif

using namespace mlir;
using namespace meshc::lowering;

namespace {

struct FamilyUnderTest {
  const char *name; // as the error names it
  bool (*contains)(Operation *);
  LogicalResult (*lower)(Operation *, OpBuilder &, LoweringState &);
};

const FamilyUnderTest kFamilies[] = {
    {"matmul", MatmulFamilyOps::contains, lowerMatmulFamily},
    {"elementwise", ElementwiseFamilyOps::contains, lowerElementwiseFamily},
    {"reduction", ReductionFamilyOps::contains, lowerReductionFamily},
    {"collective", CollectiveFamilyOps::contains, lowerCollectiveFamily},
    {"training", TrainingFamilyOps::contains, lowerTrainingFamily},
    {"index", IndexFamilyOps::contains, lowerIndexFamily},
    {"NN", NNFamilyOps::contains, lowerNNFamily},
    {"conv", ConvFamilyOps::contains, lowerConvFamily},
};

class FamilyErrors : public ::testing::Test {
protected:
  void SetUp() override {
    context.loadDialect<meshc::MeshcDialect, func::FuncDialect, LLVM::LLVMDialect>();
    for (const auto &entry : std::filesystem::directory_iterator(MESHC_E2E_PROGRAMS_DIR))
      if (entry.path().extension() == ".mlir") {
        OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(entry.path().string(), &context);
        ASSERT_TRUE(module) << "cannot parse " << entry.path();
        modules.push_back(std::move(module));
      }
    ASSERT_FALSE(modules.empty()) << "no programs in " << MESHC_E2E_PROGRAMS_DIR;
  }

  MLIRContext context;
  std::vector<OwningOpRef<ModuleOp>> modules;
};

TEST_F(FamilyErrors, ForeignOpIsALocatedErrorInEveryFamily) {
  for (const FamilyUnderTest &family : kFamilies) {
    int checked = 0;
    for (OwningOpRef<ModuleOp> &module : modules) {
      LoweringState state(*module, meshc::MeshAttr());
      OpBuilder b(&context);
      b.setInsertionPointToEnd(module->getBody());
      module->walk([&](Operation *op) {
        if (isa<ModuleOp, func::FuncOp>(op) || family.contains(op))
          return;
        size_t opsBefore = module->getBody()->getOperations().size();
        std::vector<Diagnostic> seen;
        LogicalResult result = failure();
        {
          ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
            seen.push_back(std::move(diag));
            return success();
          });
          result = family.lower(op, b, state);
        }
        std::string opName = op->getName().getStringRef().str();
        EXPECT_TRUE(failed(result)) << family.name << " lowered " << opName;
        ASSERT_EQ(seen.size(), 1u) << family.name << " on " << opName;
        EXPECT_EQ(seen[0].getSeverity(), DiagnosticSeverity::Error);
        EXPECT_EQ(seen[0].str(),
                  "'" + opName + "' op is not handled by the " + family.name + " lowering");
        auto where = dyn_cast<FileLineColLoc>(seen[0].getLocation());
        auto opWhere = dyn_cast<FileLineColLoc>(op->getLoc());
        ASSERT_TRUE(where && opWhere) << "unlocated error for " << opName;
        EXPECT_EQ(where.getLine(), opWhere.getLine());
        EXPECT_EQ(where.getFilename(), opWhere.getFilename());
        EXPECT_EQ(module->getBody()->getOperations().size(), opsBefore)
            << family.name << " emitted IR for " << opName;
        ++checked;
      });
    }
    EXPECT_GT(checked, 0) << "no op foreign to the " << family.name << " family was tried";
  }
}

// The lists are disjoint, so that routing (the first family whose list holds an op) is not
// order-dependent.
TEST_F(FamilyErrors, EveryOpIsInAtMostOneFamily) {
  for (OwningOpRef<ModuleOp> &module : modules)
    module->walk([&](Operation *op) {
      int owners = 0;
      for (const FamilyUnderTest &family : kFamilies)
        owners += family.contains(op);
      EXPECT_LE(owners, 1) << op->getName().getStringRef().str();
    });
}

} // namespace
