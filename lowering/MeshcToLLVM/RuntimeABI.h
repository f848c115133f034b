// How generated code calls libmeshrt: the runtime's C functions declared once as llvm.func,
// constants, constant arrays and strings as globals, and calls. Mirrors
// runtime/include/meshrt/meshrt.h — the only place the lowering knows the runtime's ABI.
#ifndef MESHC_LOWERING_MESHCTOLLVM_RUNTIMEABI_H
#define MESHC_LOWERING_MESHCTOLLVM_RUNTIMEABI_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <map>
#include <vector>

namespace meshc::lowering {

class RuntimeABI {
public:
  explicit RuntimeABI(mlir::ModuleOp module);

  mlir::Type ptrType() const { return ptrTy; }
  mlir::Type i64Type() const { return i64Ty; }
  mlir::Type i32Type() const { return i32Ty; }
  mlir::Type f32Type() const { return f32Ty; }
  mlir::Type voidType() const { return voidTy; }

  /// Calls the runtime function `name` (declared from the table in RuntimeABI.cpp).
  mlir::Value call(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                   mlir::ValueRange args);

  mlir::Value i64c(mlir::OpBuilder &b, mlir::Location loc, int64_t value);
  mlir::Value i32c(mlir::OpBuilder &b, mlir::Location loc, int32_t value);
  mlir::Value f32c(mlir::OpBuilder &b, mlir::Location loc, float value);
  mlir::Value null(mlir::OpBuilder &b, mlir::Location loc);

  /// Address of a constant global array (deduplicated); null for an empty array.
  mlir::Value i64Array(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<int64_t> values);
  mlir::Value i32Array(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<int32_t> values);
  /// Address of a NUL-terminated constant string.
  mlir::Value string(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef value);

  /// A module-level `!llvm.ptr` global initialised to null.
  mlir::LLVM::GlobalOp pointerGlobal(llvm::StringRef name);

  mlir::ModuleOp getModule() const { return module; }

private:
  mlir::LLVM::LLVMFuncOp declare(llvm::StringRef name);
  mlir::Value constantArray(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elementType,
                            std::vector<int64_t> values);
  mlir::OpBuilder moduleBuilder();

  mlir::ModuleOp module;
  mlir::Type ptrTy, i64Ty, i32Ty, f32Ty, voidTy;
  llvm::StringMap<mlir::LLVM::LLVMFuncOp> functions;
  std::map<std::pair<unsigned, std::vector<int64_t>>, mlir::LLVM::GlobalOp> arrays;
  llvm::StringMap<mlir::LLVM::GlobalOp> strings;
  unsigned counter = 0;
};

} // namespace meshc::lowering

#endif // MESHC_LOWERING_MESHCTOLLVM_RUNTIMEABI_H
