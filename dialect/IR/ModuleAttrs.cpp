// Typed accessors of the meshc.* discardable attributes and their verification (ModuleAttrs.h).
#include "dialect/IR/ModuleAttrs.h"

#include "dialect/IR/MeshcOps.h"

using namespace mlir;
using namespace meshc;

MeshAttr meshc::getMesh(ModuleOp module) { return module->getAttrOfType<MeshAttr>(kMeshAttrName); }
void meshc::setMesh(ModuleOp module, MeshAttr mesh) { module->setAttr(kMeshAttrName, mesh); }

LayoutAttr meshc::getLayout(ModuleOp module) {
  return module->getAttrOfType<LayoutAttr>(kLayoutAttrName);
}
void meshc::setLayout(ModuleOp module, LayoutAttr layout) {
  module->setAttr(kLayoutAttrName, layout);
}

void meshc::removeMeshAndLayout(ModuleOp module) {
  module->removeAttr(kMeshAttrName);
  module->removeAttr(kLayoutAttrName);
}

MeshAttr meshc::getPerRankMesh(func::FuncOp func) {
  return func->getAttrOfType<MeshAttr>(kPerRankAttrName);
}
bool meshc::isPerRank(func::FuncOp func) { return static_cast<bool>(getPerRankMesh(func)); }
void meshc::setPerRank(func::FuncOp func, MeshAttr mesh) { func->setAttr(kPerRankAttrName, mesh); }

ShardingAttr meshc::getSharding(Value value) {
  auto result = llvm::dyn_cast<OpResult>(value);
  if (!result)
    return {};
  auto shardings = result.getOwner()->getAttrOfType<ArrayAttr>(kShardingAttrName);
  if (!shardings || shardings.size() <= result.getResultNumber())
    return {};
  return llvm::dyn_cast<ShardingAttr>(shardings[result.getResultNumber()]);
}

bool meshc::isPartialSum(Value value) {
  ShardingAttr sharding = getSharding(value);
  return sharding && sharding.isPartial();
}

void meshc::setResultShardings(Operation *op, llvm::ArrayRef<ShardingAttr> shardings) {
  llvm::SmallVector<Attribute> attrs(shardings.begin(), shardings.end());
  op->setAttr(kShardingAttrName, ArrayAttr::get(op->getContext(), attrs));
}

ArrayAttr meshc::getOperandShardings(Operation *op) {
  return op->getAttrOfType<ArrayAttr>(kOperandShardingsAttrName);
}
void meshc::setOperandShardings(Operation *op, llvm::ArrayRef<ShardingAttr> shardings) {
  llvm::SmallVector<Attribute> attrs(shardings.begin(), shardings.end());
  op->setAttr(kOperandShardingsAttrName, ArrayAttr::get(op->getContext(), attrs));
}

ArrayAttr meshc::getHeldShardings(Operation *op) {
  return op->getAttrOfType<ArrayAttr>(kHeldShardingsAttrName);
}
void meshc::setHeldShardings(Operation *op, llvm::ArrayRef<ShardingAttr> shardings) {
  llvm::SmallVector<Attribute> attrs(shardings.begin(), shardings.end());
  op->setAttr(kHeldShardingsAttrName, ArrayAttr::get(op->getContext(), attrs));
}

int64_t meshc::rematCount(Operation *op) {
  Attribute mark = op->getAttr(kRematAttrName);
  if (auto count = llvm::dyn_cast_or_null<IntegerAttr>(mark))
    return count.getInt();
  return mark ? 1 : 0;
}

void meshc::markRematMembers(llvm::ArrayRef<Operation *> members, Operation *fused) {
  int64_t recomputed = 0;
  for (Operation *op : members)
    recomputed += rematCount(op);
  if (recomputed > 0)
    fused->setAttr(kRematAttrName,
                   IntegerAttr::get(IntegerType::get(fused->getContext(), 64), recomputed));
}

bool meshc::isRematMarked(Operation *op) {
  if (op->hasAttr(kRematAttrName))
    return true;
  auto fused = llvm::dyn_cast<FusedLoc>(op->getLoc());
  auto metadata = fused ? llvm::dyn_cast_or_null<StringAttr>(fused.getMetadata()) : StringAttr();
  return metadata && metadata.getValue() == kRematAttrName;
}

LogicalResult meshc::verifyMeshcAttribute(Operation *op, NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  if (name == kMeshAttrName || name == kLayoutAttrName) {
    if (!llvm::isa<ModuleOp>(op))
      return op->emitOpError() << "carries '" << name << "', which only a builtin.module may carry";
    bool isMesh = name == kMeshAttrName;
    if (isMesh ? !llvm::isa<MeshAttr>(value) : !llvm::isa<LayoutAttr>(value))
      return op->emitOpError() << "'" << name << "' must be a #"
                               << (isMesh ? MeshAttr::name : LayoutAttr::name) << " attribute, not "
                               << value;
    return success();
  }
  if (name == kPerRankAttrName) {
    auto func = llvm::dyn_cast<func::FuncOp>(op);
    if (!func)
      return op->emitOpError() << "carries '" << name << "', which only a func.func may carry";
    auto mesh = llvm::dyn_cast<MeshAttr>(value);
    if (!mesh)
      return op->emitOpError() << "'" << name << "' must be a #" << MeshAttr::name
                               << " attribute, not " << value;
    return verifyPerRankFunction(func, mesh);
  }
  if (name == kShardingAttrName || name == kOperandShardingsAttrName ||
      name == kHeldShardingsAttrName)
    return verifyShardingList(op, attribute);
  if (name == kRematAttrName) {
    // What meshc-fuse-elementwise makes (a concat: from a sum of pads) and meshc-fuse-conv's
    // conv_bias_act stand for their members.
    if (llvm::isa<FusedElementwiseOp, AddLayerNormOp, ConcatOp, ConvBiasActOp,
                  ConvGradFilterBiasOp>(op)) {
      auto count = llvm::dyn_cast<IntegerAttr>(value);
      if (!llvm::isa<UnitAttr>(value) &&
          !(count && count.getType().isSignlessInteger(64) && count.getInt() >= 1))
        return op->emitOpError() << "'" << name << "' on a fused op must be a unit attribute or "
                                 << "the number of recomputed ops it holds (i64 >= 1), not "
                                 << value;
      return success();
    }
    if (!llvm::isa<UnitAttr>(value) || !llvm::isa<MeshcDialect>(op->getDialect()))
      return op->emitOpError() << "'" << name << "' must be a unit attribute on a meshc op";
    return success();
  }
  return op->emitOpError() << "carries unknown attribute '" << name << "' (the meshc dialect "
                           << "defines " << kMeshAttrName << ", " << kLayoutAttrName << ", "
                           << kPerRankAttrName << ", " << kShardingAttrName << ", "
                           << kOperandShardingsAttrName << ", " << kHeldShardingsAttrName << " and "
                           << kRematAttrName << ")";
}
