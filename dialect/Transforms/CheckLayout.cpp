// The CheckLayout pass: the mesh and layout must make sense for the program before it is
// partitioned. Every problem is a located error; the pass reports all of them, then fails.
#include "dialect/Transforms/Passes.h"

#include "dialect/Analysis/Sharding.h"
#include "dialect/IR/MeshSpec.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <tuple>

namespace meshc {
#define GEN_PASS_DEF_CHECKLAYOUT
#include "dialect/Transforms/Passes.h.inc"
} // namespace meshc

using namespace mlir;
using namespace meshc;

namespace {

/// The type as the IR spells it (diagnostics would quote it).
std::string unquoted(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

class LayoutChecker {
public:
  LayoutChecker(MeshAttr mesh, LayoutAttr layout) : mesh(mesh), layout(layout) {}

  /// Checks one tensor type that `where` defines or uses.
  void checkType(Location where, NamedTensorType type) {
    // One size per dimension name in the global program.
    for (auto [name, size] : llvm::zip(type.getDimNames(), type.getDimSizes())) {
      seenDims.insert(name.getValue());
      auto [it, inserted] = sizes.try_emplace(name.getValue(), size);
      if (!inserted && it->second != size && reportedSizes.insert(name.getValue()).second)
        fail(emitError(where) << "dimension '" << name.getValue() << "' has sizes " << it->second
                              << " and " << size << " in the program");
    }
    if (!layout)
      return;
    // At most one dimension per mesh axis; split dimensions divide evenly.
    llvm::StringMap<StringAttr> dimOnAxis;
    for (auto [name, size] : llvm::zip(type.getDimNames(), type.getDimSizes())) {
      StringAttr axis = layout.lookup(name.getValue());
      if (!axis)
        continue;
      std::optional<unsigned> index = mesh.findAxis(axis.getValue());
      if (!index)
        continue; // reported once for the layout
      auto [it, inserted] = dimOnAxis.try_emplace(axis.getValue(), name);
      if (!inserted && reportedTypes.insert(type).second)
        fail(emitError(where) << "tensor " << unquoted(type) << " puts dimensions '"
                              << it->second.getValue() << "' and '" << name.getValue()
                              << "' on mesh axis '" << axis.getValue() << "'");
      int64_t axisSize = mesh.getAxisSize(*index);
      if (size % axisSize != 0 && reportedDivisibility.insert(name.getValue()).second)
        fail(emitError(where) << "dimension '" << name.getValue() << "' of size " << size
                              << " is not divisible by mesh axis '" << axis.getValue()
                              << "' of size " << axisSize);
    }
  }

  /// Checks the override of a meshc.relayout: its axes exist, and they divide the dims they
  /// split. (The verifier has checked that it names the operand's dims, one per axis.)
  /// The check depends on the override and the operand type only: autodiff's adjoint of a
  /// relayout is a relayout with the same override, operand type and location, whose errors
  /// would be the forward one's again, so it is not checked twice.
  void checkOverride(RelayoutOp op) {
    auto type = llvm::cast<NamedTensorType>(op.getInput().getType());
    LayoutAttr override = op.getLayout();
    if (!checkedOverrides.insert({override, type, LocationAttr(op.getLoc())}).second)
      return;
    for (auto [dim, axis] : llvm::zip(override.getDimNames(), override.getAxisNames())) {
      std::optional<unsigned> index = mesh.findAxis(axis.getValue());
      if (!index) {
        fail(op.emitError() << "relayout maps dimension '" << dim.getValue() << "' to mesh axis '"
                            << axis.getValue() << "', which mesh '" << mesh.getSpec()
                            << "' does not have" << didYouMean(axis.getValue(), axisNames()));
        continue;
      }
      int64_t size = type.getDimSize(dim.getValue()), axisSize = mesh.getAxisSize(*index);
      if (size % axisSize != 0)
        fail(op.emitError() << "relayout splits dimension '" << dim.getValue() << "' of size "
                            << size << " on mesh axis '" << axis.getValue() << "' of size "
                            << axisSize << ", which does not divide it");
    }
  }

  /// Checks the layout itself once the program's dimension names are known.
  void checkLayout(Location where) {
    if (!layout)
      return;
    llvm::SmallVector<llvm::StringRef> dims(seenDims.keys());
    llvm::sort(dims); // a tie between two suggestions goes the same way every time
    for (auto [dim, axis] : llvm::zip(layout.getDimNames(), layout.getAxisNames())) {
      if (!mesh.findAxis(axis.getValue()))
        fail(emitError(where) << "layout maps dimension '" << dim.getValue() << "' to mesh axis '"
                              << axis.getValue() << "', which mesh '" << mesh.getSpec()
                              << "' does not have" << didYouMean(axis.getValue(), axisNames()));
      if (!seenDims.contains(dim.getValue()))
        fail(emitError(where) << "layout names dimension '" << dim.getValue()
                              << "', which no tensor in the program has"
                              << didYouMean(dim.getValue(), dims));
    }
  }

  bool failed() const { return hasFailed; }

private:
  llvm::SmallVector<llvm::StringRef> axisNames() const {
    llvm::SmallVector<llvm::StringRef> names;
    for (StringAttr axis : mesh.getAxisNames())
      names.push_back(axis.getValue());
    return names;
  }

  /// Emits `diag` (when it goes out of scope) and remembers that the check failed.
  void fail(InFlightDiagnostic &&diag) {
    hasFailed = true;
    InFlightDiagnostic emitted = std::move(diag);
  }

  MeshAttr mesh;
  LayoutAttr layout;
  bool hasFailed = false;
  llvm::StringMap<int64_t> sizes;
  llvm::StringSet<> seenDims, reportedSizes, reportedDivisibility;
  llvm::DenseSet<Type> reportedTypes;
  llvm::DenseSet<std::tuple<Attribute, Type, Attribute>> checkedOverrides;
};

struct CheckLayoutPass : meshc::impl::CheckLayoutBase<CheckLayoutPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MeshAttr mesh = getMesh(module);
    if (!mesh) {
      module.emitError("program has no mesh; pass --mesh or set one in the model");
      return signalPassFailure();
    }
    LayoutChecker checker(mesh, getLayout(module));
    module.walk([&](Operation *op) {
      if (auto func = llvm::dyn_cast<func::FuncOp>(op))
        for (BlockArgument arg : func.getArguments())
          if (auto type = llvm::dyn_cast<NamedTensorType>(arg.getType()))
            checker.checkType(func.getLoc(), type);
      for (Value result : op->getResults())
        if (auto type = llvm::dyn_cast<NamedTensorType>(result.getType()))
          checker.checkType(op->getLoc(), type);
      if (auto relayout = llvm::dyn_cast<RelayoutOp>(op))
        checker.checkOverride(relayout);
    });
    checker.checkLayout(module.getLoc());
    if (checker.failed())
      signalPassFailure();
  }
};

} // namespace
