// The per-rank program's verifier: a function marked `meshc.per_rank = #meshc.mesh<...>` is the
// program one rank runs (Partition.cpp makes it). Checked here: the mesh is the module's.
#include "dialect/IR/ModuleAttrs.h"

using namespace mlir;
using namespace meshc;

LogicalResult meshc::verifyPerRankFunction(func::FuncOp func, MeshAttr mesh) {
  auto module = func->getParentOfType<ModuleOp>();
  MeshAttr moduleMesh = module ? getMesh(module) : MeshAttr();
  if (!moduleMesh)
    return func.emitOpError() << "is per-rank for mesh \"" << mesh.getSpec()
                              << "\" but the module has no mesh";
  if (moduleMesh != mesh)
    return func.emitOpError() << "is per-rank for mesh \"" << mesh.getSpec()
                              << "\" but the module's mesh is \"" << moduleMesh.getSpec() << "\"";
  return success();
}
