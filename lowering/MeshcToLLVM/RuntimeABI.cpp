// The runtime ABI as seen from generated code (see RuntimeABI.h).
#include "lowering/MeshcToLLVM/RuntimeABI.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace meshc::lowering {

RuntimeABI::RuntimeABI(ModuleOp module) : module(module) {
  MLIRContext *context = module.getContext();
  ptrTy = LLVM::LLVMPointerType::get(context);
  i64Ty = IntegerType::get(context, 64);
  i32Ty = IntegerType::get(context, 32);
  f32Ty = Float32Type::get(context);
  voidTy = LLVM::LLVMVoidType::get(context);
}

OpBuilder RuntimeABI::moduleBuilder() {
  OpBuilder b(module.getContext());
  b.setInsertionPointToStart(module.getBody());
  return b;
}

LLVM::LLVMFuncOp RuntimeABI::declare(StringRef name, LLVM::LLVMFunctionType type) {
  if (LLVM::LLVMFuncOp fn = functions.lookup(name))
    return fn;
  OpBuilder b = moduleBuilder();
  auto fn = b.create<LLVM::LLVMFuncOp>(module.getLoc(), name, type);
  functions[name] = fn;
  return fn;
}

Value RuntimeABI::emitCall(OpBuilder &b, Location loc, StringRef name, LLVM::LLVMFunctionType type,
                           ArrayRef<Value> args) {
  auto call = b.create<LLVM::CallOp>(loc, declare(name, type), args);
  return call.getNumResults() ? call.getResult() : Value();
}

Value RuntimeABI::i64c(OpBuilder &b, Location loc, int64_t value) {
  return b.create<LLVM::ConstantOp>(loc, i64Ty, b.getI64IntegerAttr(value));
}
Value RuntimeABI::i32c(OpBuilder &b, Location loc, int32_t value) {
  return b.create<LLVM::ConstantOp>(loc, i32Ty, b.getI32IntegerAttr(value));
}
Value RuntimeABI::f32c(OpBuilder &b, Location loc, float value) {
  return b.create<LLVM::ConstantOp>(loc, f32Ty, b.getF32FloatAttr(value));
}
Value RuntimeABI::null(OpBuilder &b, Location loc) { return b.create<LLVM::ZeroOp>(loc, ptrTy); }

Value RuntimeABI::constantArray(OpBuilder &b, Location loc, Type elementType,
                                std::vector<int64_t> values) {
  if (values.empty())
    return null(b, loc);
  unsigned width = elementType.getIntOrFloatBitWidth();
  auto key = std::make_pair(width, values);
  LLVM::GlobalOp global = arrays[key];
  if (!global) {
    auto tensorType = RankedTensorType::get({(int64_t)values.size()}, elementType);
    llvm::SmallVector<APInt> bits;
    for (int64_t v : values)
      bits.push_back(APInt(width, v, /*isSigned=*/true));
    auto arrayType = LLVM::LLVMArrayType::get(elementType, values.size());
    OpBuilder mb = moduleBuilder();
    global = mb.create<LLVM::GlobalOp>(loc, arrayType, /*isConstant=*/true, LLVM::Linkage::Internal,
                                       "__meshc_array_" + std::to_string(counter++),
                                       DenseElementsAttr::get(tensorType, bits));
    arrays[key] = global;
  }
  return b.create<LLVM::AddressOfOp>(loc, global);
}

Value RuntimeABI::i64Array(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  return constantArray(b, loc, i64Ty, std::vector<int64_t>(values.begin(), values.end()));
}

Value RuntimeABI::i32Array(OpBuilder &b, Location loc, ArrayRef<int32_t> values) {
  return constantArray(b, loc, i32Ty, std::vector<int64_t>(values.begin(), values.end()));
}

Value RuntimeABI::string(OpBuilder &b, Location loc, StringRef value) {
  LLVM::GlobalOp global = strings.lookup(value);
  if (!global) {
    std::string bytes = value.str();
    bytes.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(IntegerType::get(module.getContext(), 8), bytes.size());
    OpBuilder mb = moduleBuilder();
    global = mb.create<LLVM::GlobalOp>(loc, type, /*isConstant=*/true, LLVM::Linkage::Internal,
                                       "__meshc_str_" + std::to_string(counter++),
                                       mb.getStringAttr(bytes));
    strings[value] = global;
  }
  return b.create<LLVM::AddressOfOp>(loc, global);
}

LLVM::GlobalOp RuntimeABI::pointerGlobal(StringRef name) {
  OpBuilder mb = moduleBuilder();
  auto global = mb.create<LLVM::GlobalOp>(module.getLoc(), ptrTy, /*isConstant=*/false,
                                          LLVM::Linkage::Internal, name, Attribute());
  Block *block = mb.createBlock(&global.getInitializerRegion());
  mb.setInsertionPointToStart(block);
  mb.create<LLVM::ReturnOp>(module.getLoc(), mb.create<LLVM::ZeroOp>(module.getLoc(), ptrTy));
  return global;
}

} // namespace meshc::lowering
