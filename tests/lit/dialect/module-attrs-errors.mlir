// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The dialect checks its discardable attributes (dialect/IR/ModuleAttrs.h).

// expected-error @+1 {{'meshc.mesh' must be a #meshc.mesh attribute, not "b=2"}}
module attributes {meshc.mesh = "b=2"} {
}

// -----

// expected-error @+1 {{'meshc.layout' must be a #meshc.layout attribute, not #meshc.mesh<"b=2">}}
module attributes {meshc.layout = #meshc.mesh<"b=2">} {
}

// -----

// expected-error @+1 {{carries 'meshc.mesh', which only a builtin.module may carry}}
func.func @f() attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  return
}

// -----

// expected-error @+1 {{carries 'meshc.layout', which only a builtin.module may carry}}
func.func @f() attributes {meshc.layout = #meshc.layout<"batch:b">} {
  return
}

// -----

// expected-error @+1 {{carries unknown attribute 'meshc.partitioned' (the meshc dialect defines meshc.mesh, meshc.layout, meshc.per_rank, meshc.sharding, meshc.operand_shardings, meshc.held_shardings and meshc.remat)}}
func.func @f() attributes {meshc.partitioned} {
  return
}

// -----

// expected-error @+1 {{carries 'meshc.per_rank', which only a func.func may carry}}
module attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // expected-error @+1 {{'meshc.per_rank' must be a #meshc.mesh attribute, not unit}}
  func.func @f() attributes {meshc.per_rank} {
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // expected-error @+1 {{is per-rank for mesh "b=4" but the module's mesh is "b=2"}}
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=4">} {
    return
  }
}

// -----

module {
  // expected-error @+1 {{is per-rank for mesh "b=4" but the module has no mesh}}
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=4">} {
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    // expected-error @+1 {{'meshc.sharding' must be an array of #meshc.sharding, not #meshc.sharding<[[b]]>}}
    %x = meshc.input "x" features {classes = 2, meshc.sharding = #meshc.sharding<[[b]]>} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    // expected-error @+1 {{'meshc.sharding' has 2 shardings for 1 results}}
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>, #meshc.sharding<[[b]]>]} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    // expected-error @+1 {{sharding of result #0 has 2 dims for a tensor of 1}}
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    // expected-error @+1 {{result #0 is not a named tensor but has a sharding}}
    %c = llvm.mlir.constant(0 : i32) {meshc.sharding = [#meshc.sharding<[]>]} : i32
    return
  }
}

// -----

// A global function annotated by meshc-propagate-shardings: its shardings name the module
// mesh's axes, and there is one per operand / result.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    // expected-error @+1 {{sharding of result #0 names mesh axis 'm', which mesh "b=2" lacks}}
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m]]>]} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{'meshc.operand_shardings' has 1 shardings for 2 operands}}
    %y = meshc.add %x, %x {meshc.operand_shardings = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=4, f32>, !meshc.tensor<n=4, f32> -> !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{sharding of operand #1 has 2 dims for a tensor of 1}}
    %y = meshc.add %x, %x {meshc.operand_shardings = [#meshc.sharding<[[b]]>, #meshc.sharding<[[], []]>]} : !meshc.tensor<n=4, f32>, !meshc.tensor<n=4, f32> -> !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{'meshc.held_shardings' must be an array of #meshc.sharding, not 1 : i64}}
    %y = meshc.relu %x {meshc.held_shardings = 1} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// expected-error @+1 {{has 'meshc.sharding' outside a function}}
%x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=4, f32>

// -----

// expected-error @+1 {{sharding names mesh axis 'b' twice}}
func.func @f() attributes {x = #meshc.sharding<[[b], [b]]>} {
  return
}

// -----

// expected-error @+1 {{sharding names mesh axis 'b' twice}}
func.func @f() attributes {x = #meshc.sharding<[[b]], partial = [b]>} {
  return
}

// -----

// expected-error @+1 {{sharding names an invalid mesh axis "1b"}}
func.func @f() attributes {x = #meshc.sharding<[["1b"]]>} {
  return
}

// -----

// expected-error @+1 {{expected 'partial'}}
func.func @f() attributes {x = #meshc.sharding<[[b]], parts = [b]>} {
  return
}

// -----

// meshc.remat marks meshc ops only (meshc-remat's recomputations, the DSL's RematScope).
// expected-error @+1 {{'meshc.remat' must be a unit attribute on a meshc op}}
func.func @f() attributes {meshc.remat} {
  return
}
