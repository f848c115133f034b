// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The per-rank verifier on linear ops (add, sub, scale) taking partial sums: sound exactly when
// every tensor operand is a partial sum over the same mesh axes (in any order) and the result
// is a partial sum over those. Hand-written on mesh b=2,m=2; the first cases are accepted.

// Accepted: add, sub and scale of partial sums over m; the result is partial over m.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=2, f32>
    %q = meshc.reduce_sum %y {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=2, f32>
    %a = meshc.add %p, %q {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<n=2, f32>
    %s = meshc.sub %a, %q {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<n=2, f32>
    %c = meshc.scale %s {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, f32>
    %r = meshc.all_reduce %c {axes = ["m"], meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// Accepted: partial axes compare as sets.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b, m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<f32>
    %q = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [m, b]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<f32>
    %a = meshc.add %p, %q {meshc.sharding = [#meshc.sharding<[], partial = [m, b]>]} : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
    return
  }
}

// -----

// A partial sum added to a complete value (which would be counted once per rank of m).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=2, f32>
    %q = meshc.relu %x {meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %c = meshc.all_reduce %p {axes = ["m"], meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>
    // expected-error @+1 {{operand #1 is partial over [] but operand #0 over [m]; a linear op takes partial sums only over the same axes}}
    %a = meshc.add %p, %c {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// Partial sums over different axes.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<f32>
    %q = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<f32>
    // expected-error @+1 {{operand #1 is partial over [m] but operand #0 over [b]; a linear op takes partial sums only over the same axes}}
    %a = meshc.sub %p, %q {meshc.sharding = [#meshc.sharding<[], partial = [b]>]} : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
    return
  }
}

// -----

// An add of partial sums whose result claims to be complete.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=2, f32>
    %q = meshc.reduce_sum %y {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=2, f32>
    // expected-error @+1 {{result #0 is partial over [] but its operands over [m]; a linear op's result is partial over its operands' axes}}
    %a = meshc.add %p, %q {meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// A scale of a partial sum whose result is partial over more axes.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=4, k=2, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[], partial = [m]>]} : !meshc.tensor<n=4, k=2, f32> -> !meshc.tensor<f32>
    // expected-error @+1 {{result #0 is partial over [m, b] but its operands over [m]; a linear op's result is partial over its operands' axes}}
    %c = meshc.scale %p {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[], partial = [m, b]>]} : !meshc.tensor<f32>
    return
  }
}

// -----

// A non-linear op (mul) on partial sums.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %y = meshc.input "y" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [m]]>]} : !meshc.tensor<n=2, k=2, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=2, f32>
    %q = meshc.reduce_sum %y {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, k=2, f32> -> !meshc.tensor<n=2, f32>
    // expected-error @+1 {{operand #0 is a partial sum over [m]; only collectives, add, sub and scale take partial sums}}
    %a = meshc.mul %p, %q {meshc.sharding = [#meshc.sharding<[[b]], partial = [m]>]} : !meshc.tensor<n=2, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<n=2, f32>
    return
  }
}
