// meshc-opt: the pass driver for lit tests (MlirOptMain over the meshc dialect and passes).
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "dialect/IR/MeshcOps.h"
#include "dialect/Transforms/Passes.h"
#include "lowering/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  meshc::registerAllPassesAndPipelines();
  meshc::registerLoweringPassesAndPipelines();
  mlir::registerCSEPass(); // the partition pipeline's CSE, for lit tests of stages after it
  mlir::DialectRegistry registry;
  registry.insert<meshc::MeshcDialect, mlir::func::FuncDialect, mlir::LLVM::LLVMDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "meshc pass driver\n", registry));
}
