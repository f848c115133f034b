// meshc ops: Layout family (see MeshcOps.td for the base classes).
#ifndef MESHC_LAYOUT_OPS_TD
#define MESHC_LAYOUT_OPS_TD

def Meshc_RelayoutOp : Meshc_Op<"relayout", [Pure, AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<Meshc_DifferentiableOpInterface>]> {
  let summary = "a per-value layout override (a sharding constraint)";
  let description = [{
    `%y = meshc.relayout %x {layout = #meshc.layout<"hidden:m">} : T`. Globally the identity.
    The partitioner holds `%y` in the override's sharding: the dims the override names are
    split on its axes, every other dim is replicated (the module layout does not apply to
    `%y`). It brings `%x` there with the cheapest collectives (local slice, all_gather,
    all_to_all, reduce_scatter), and consumers of `%y` get it resharded to what they need.
    The per-rank program has no relayout op: `%y` is the resharded value itself.
    The adjoint of `%x` is the adjoint of `%y` relayouted the same way.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_LayoutAttr:$layout);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def Meshc_ReshardOp : Meshc_Op<"reshard", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "a change of sharding, between propagation and localisation";
  let description = [{
    `%y = meshc.reshard %x {from = #meshc.sharding<[[b], []], partial = [m]>,
                            to = #meshc.sharding<[[b], [m]]>} : T`.
    Globally the identity: `%x` is held as `from`, its consumers receive it as `to`.
    meshc-insert-reshards puts one wherever a value is held in another sharding than its
    consumer needs; meshc-localize replaces it by the cheapest collectives
    (MeshLayout::planReshard). Only in a global program: the per-rank program has none.
    `to` is never partial.
  }];
  let arguments = (ins Meshc_AnyTensor:$input, Meshc_ShardingAttr:$from,
                       Meshc_ShardingAttr:$to);
  let results = (outs Meshc_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

#endif // MESHC_LAYOUT_OPS_TD
