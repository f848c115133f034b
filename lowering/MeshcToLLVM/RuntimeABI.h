// How generated code calls libmeshrt: the runtime's C functions declared once as llvm.func,
// constants, constant arrays and strings as globals, and calls. The functions and their types
// come from the runtime's kernel table (runtime/include/meshrt/meshrt_kernels.def), checked here
// at compile time against meshrt.h's prototypes: the only place the lowering knows the ABI.
#ifndef MESHC_LOWERING_MESHCTOLLVM_RUNTIMEABI_H
#define MESHC_LOWERING_MESHCTOLLVM_RUNTIMEABI_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include "meshrt/meshrt.h"

#include <map>
#include <type_traits>
#include <vector>

namespace meshc::lowering {

/// One type per entry of the kernel table, e.g. `kernel::Matmul`: its C name and C function
/// type (`Fn`), from which RuntimeABI derives the llvm.func declaration.
namespace kernel {
#define MESHRT_KERNEL(Kind, label, Result, function, params)                                       \
  struct Kind {                                                                                    \
    static constexpr const char *name = #function;                                                 \
    using Fn = Result params;                                                                      \
    static_assert(std::is_same_v<decltype(::function), Fn>,                                        \
                  #function " differs between meshrt.h and meshrt_kernels.def");                   \
  };
#define MESHRT_ENTRY(Kind, Result, function, params)                                               \
  MESHRT_KERNEL(Kind, "", Result, function, params)
#include "meshrt/meshrt_kernels.def"
} // namespace kernel

namespace detail {
/// The LLVM type generated code passes for a C parameter or result type of the ABI: pointers
/// (data, strings, function pointers, the context handle) are `!llvm.ptr`; integers and enums
/// by width; float is f32; void is the LLVM void type.
template <typename T> mlir::Type abiType(mlir::MLIRContext *context) {
  if constexpr (std::is_void_v<T>)
    return mlir::LLVM::LLVMVoidType::get(context);
  else if constexpr (std::is_pointer_v<T>)
    return mlir::LLVM::LLVMPointerType::get(context);
  else if constexpr (std::is_same_v<T, float>)
    return mlir::Float32Type::get(context);
  else {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "no LLVM type for this C type");
    return mlir::IntegerType::get(context, 8 * sizeof(T));
  }
}
template <typename Fn> struct AbiSignature;
template <typename R, typename... Args> struct AbiSignature<R(Args...)> {
  static constexpr size_t arity = sizeof...(Args);
  static mlir::LLVM::LLVMFunctionType get(mlir::MLIRContext *context) {
    return mlir::LLVM::LLVMFunctionType::get(abiType<R>(context), {abiType<Args>(context)...});
  }
};
} // namespace detail

class RuntimeABI {
public:
  explicit RuntimeABI(mlir::ModuleOp module);

  mlir::Type ptrType() const { return ptrTy; }
  mlir::Type i64Type() const { return i64Ty; }
  mlir::Type i32Type() const { return i32Ty; }
  mlir::Type f32Type() const { return f32Ty; }
  mlir::Type voidType() const { return voidTy; }

  /// Calls the runtime function K (a kernel:: type), declaring it on first use; returns its
  /// result (null for void). The arguments are a braced list (evaluated left to right, so the
  /// constants they create appear in argument order); their count is checked here at C++
  /// compile time, their types against the declaration by llvm.call's verifier (a located
  /// error when the pass's output is verified).
  template <typename K, size_t N>
  mlir::Value call(mlir::OpBuilder &b, mlir::Location loc, const mlir::Value (&args)[N]) {
    using Signature = detail::AbiSignature<typename K::Fn>;
    static_assert(N == Signature::arity,
                  "wrong number of arguments for this runtime function (meshrt_kernels.def)");
    return emitCall(b, loc, K::name, Signature::get(module.getContext()),
                    llvm::ArrayRef<mlir::Value>(args, N));
  }

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
  mlir::LLVM::LLVMFuncOp declare(llvm::StringRef name, mlir::LLVM::LLVMFunctionType type);
  mlir::Value emitCall(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                       mlir::LLVM::LLVMFunctionType type, llvm::ArrayRef<mlir::Value> args);
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
