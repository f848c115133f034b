// The meshc dialect: its declaration and the base classes of its types, attributes and ops.
#ifndef MESHC_BASE_TD
#define MESHC_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Meshc_Dialect : Dialect {
  let name = "meshc";
  let cppNamespace = "::meshc";
  let summary = "Tensor programs over named dimensions, laid out on a processor mesh";
  let description = [{
    A meshc program is a training step written on global tensors whose dimensions have
    names. A layout maps dimension names to mesh axes; the partitioner turns the global
    program into the per-rank program with explicit collectives.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  // The discardable meshc.* attributes (dialect/IR/ModuleAttrs.h) are typed and checked.
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerTypes();
    void registerAttributes();
  }];
}

class Meshc_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Meshc_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

class Meshc_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Meshc_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class Meshc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Meshc_Dialect, mnemonic, traits>;

#endif // MESHC_BASE_TD
