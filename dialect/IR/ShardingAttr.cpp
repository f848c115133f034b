// The sharding attribute: syntax, its context-free checks, and the `meshc.sharding` attribute of
// per-rank ops (one sharding per result). Checks against the mesh: PerRankVerifier.cpp.
#include "dialect/IR/MeshSpec.h"
#include "dialect/IR/ModuleAttrs.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace meshc;

ShardingAttr ShardingAttr::get(MLIRContext *context,
                               llvm::ArrayRef<llvm::SmallVector<StringAttr>> dims,
                               llvm::ArrayRef<StringAttr> partialAxes) {
  llvm::SmallVector<ArrayAttr> arrays;
  for (const llvm::SmallVector<StringAttr> &axes : dims)
    arrays.push_back(
        ArrayAttr::get(context, llvm::SmallVector<Attribute>(axes.begin(), axes.end())));
  return get(context, llvm::ArrayRef(arrays), partialAxes, llvm::ArrayRef<int64_t>());
}

ShardingAttr ShardingAttr::withDimHalo(unsigned dim, int64_t lo, int64_t hi) const {
  llvm::SmallVector<int64_t> halo(getHalo());
  halo.resize(2 * getRank(), 0);
  halo[2 * dim] = lo;
  halo[2 * dim + 1] = hi;
  if (llvm::all_of(halo, [](int64_t rows) { return rows == 0; }))
    halo.clear();
  return get(getContext(), getDims(), getPartialAxes(), halo);
}

llvm::SmallVector<StringAttr> ShardingAttr::getDimAxes(unsigned dim) const {
  return llvm::to_vector(getDims()[dim].getAsRange<StringAttr>());
}

LogicalResult ShardingAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                                   llvm::ArrayRef<ArrayAttr> dims,
                                   llvm::ArrayRef<StringAttr> partialAxes,
                                   llvm::ArrayRef<int64_t> halo) {
  if (!halo.empty() && halo.size() != 2 * dims.size())
    return emitError() << "sharding has " << halo.size() << " halo entries for " << dims.size()
                       << " dims (two per dim: rows before and after)";
  if (llvm::any_of(halo, [](int64_t rows) { return rows < 0; }))
    return emitError() << "sharding has a negative halo";
  // No axis twice: a dim split twice over one axis, two dims on one axis, or a sum pending over
  // an axis that also splits a dim (its slices would be partial sums of different elements).
  llvm::SmallSet<StringRef, 4> seen;
  auto check = [&](Attribute axis) -> LogicalResult {
    auto name = llvm::dyn_cast<StringAttr>(axis);
    if (!name || !isValidName(name.getValue()))
      return emitError() << "sharding names an invalid mesh axis " << axis;
    if (!seen.insert(name.getValue()).second)
      return emitError() << "sharding names mesh axis '" << name.getValue() << "' twice";
    return success();
  };
  for (ArrayAttr axes : dims)
    for (Attribute axis : axes)
      if (failed(check(axis)))
        return failure();
  for (StringAttr axis : partialAxes)
    if (failed(check(axis)))
      return failure();
  return success();
}

// #meshc.sharding<[[b], [], [m]]> or #meshc.sharding<[[b], []], partial = [m]>
Attribute ShardingAttr::parse(AsmParser &parser, Type) {
  MLIRContext *context = parser.getContext();
  llvm::SMLoc loc = parser.getCurrentLocation();
  auto parseAxes = [&](llvm::SmallVectorImpl<StringAttr> &axes) {
    return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() -> ParseResult {
      std::string name;
      if (parser.parseKeywordOrString(&name))
        return failure();
      axes.push_back(StringAttr::get(context, name));
      return success();
    });
  };
  llvm::SmallVector<ArrayAttr> dims;
  llvm::SmallVector<StringAttr> partial;
  if (parser.parseLess() ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() -> ParseResult {
        llvm::SmallVector<StringAttr> axes;
        if (parseAxes(axes))
          return failure();
        dims.push_back(
            ArrayAttr::get(context, llvm::SmallVector<Attribute>(axes.begin(), axes.end())));
        return success();
      }))
    return {};
  llvm::SmallVector<int64_t> halo;
  while (succeeded(parser.parseOptionalComma())) {
    llvm::StringRef keyword;
    if (parser.parseKeyword(&keyword) || parser.parseEqual())
      return {};
    if (keyword == "partial") {
      if (parseAxes(partial))
        return {};
    } else if (keyword == "halo") {
      if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() -> ParseResult {
            return parser.parseInteger(halo.emplace_back());
          }))
        return {};
    } else {
      parser.emitError(loc) << "expected 'partial' or 'halo' in a sharding, not '" << keyword
                            << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); }, context, llvm::ArrayRef(dims),
                    llvm::ArrayRef(partial), llvm::ArrayRef(halo));
}

void ShardingAttr::print(AsmPrinter &printer) const {
  auto printAxes = [&](auto axes) {
    printer << "[";
    llvm::interleaveComma(axes, printer, [&](StringAttr axis) { printer << axis.getValue(); });
    printer << "]";
  };
  printer << "<[";
  llvm::interleaveComma(getDims(), printer,
                        [&](ArrayAttr axes) { printAxes(axes.getAsRange<StringAttr>()); });
  printer << "]";
  if (isPartial()) {
    printer << ", partial = ";
    printAxes(getPartialAxes());
  }
  if (!getHalo().empty()) {
    printer << ", halo = [";
    llvm::interleaveComma(getHalo(), printer);
    printer << "]";
  }
  printer << ">";
}

LogicalResult meshc::verifyShardingList(Operation *op, NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  auto array = llvm::dyn_cast<ArrayAttr>(attribute.getValue());
  if (!array || !llvm::all_of(array, llvm::IsaPred<ShardingAttr>))
    return op->emitOpError() << "'" << name << "' must be an array of #meshc.sharding, not "
                             << attribute.getValue();
  bool operands = name == kOperandShardingsAttrName;
  ValueRange values = operands ? ValueRange(op->getOperands()) : ValueRange(op->getResults());
  StringRef what = operands ? "operand" : "result";
  if (array.size() != values.size())
    return op->emitOpError() << "'" << name << "' has " << array.size() << " shardings for "
                             << values.size() << " " << what << "s";
  auto func = llvm::dyn_cast_or_null<func::FuncOp>(op->getParentOp());
  if (!func)
    return op->emitOpError() << "has '" << name << "' outside a function";
  MeshAttr mesh = isPerRank(func) ? MeshAttr() : getMesh(func->getParentOfType<ModuleOp>());
  for (auto [number, value, attr] : llvm::enumerate(values, array)) {
    auto sharding = llvm::cast<ShardingAttr>(attr);
    auto type = llvm::dyn_cast<NamedTensorType>(value.getType());
    if (!type)
      return op->emitOpError() << what << " #" << number
                               << " is not a named tensor but has a sharding";
    if (sharding.getRank() != type.getRank())
      return op->emitOpError() << "sharding of " << what << " #" << number << " has "
                               << sharding.getRank() << " dims for a tensor of " << type.getRank();
    // A global (annotated) function: the axes must be the module mesh's. A per-rank function's
    // shardings are checked with everything else by the per-rank verifier.
    if (!mesh)
      continue;
    llvm::SmallVector<StringAttr> axes(sharding.getPartialAxes());
    for (unsigned dim = 0; dim < sharding.getRank(); ++dim)
      llvm::append_range(axes, sharding.getDimAxes(dim));
    for (StringAttr axis : axes)
      if (!mesh.findAxis(axis.getValue()))
        return op->emitOpError() << "sharding of " << what << " #" << number << " names mesh axis '"
                                 << axis.getValue() << "', which mesh \"" << mesh.getSpec()
                                 << "\" lacks";
  }
  return success();
}
