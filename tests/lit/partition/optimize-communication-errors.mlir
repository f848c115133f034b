// RUN: meshc-opt %s --split-input-file --verify-diagnostics
// RUN: not meshc-opt --meshc-optimize-communication='bucket-bytes=-1' %S/optimize-communication.mlir 2>&1 | FileCheck %s --check-prefix=OPTION

// meshc.all_reduce_bucket's verifier and the per-rank verifier's rules for it, one violation
// per case; and the pass's option.
// OPTION: error: bucket-bytes must be 0 (off) or positive, not -1

// A result whose type is not its operand's.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<k=8, f32>
    // expected-error @+1 {{result #1 has type '!meshc.tensor<k=4, f32>', not its operand's '!meshc.tensor<k=8, f32>'}}
    %a:2 = meshc.all_reduce_bucket %x, %x {axes = ["b"]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<k=4, f32>
    return
  }
}

// -----

// An operand that is not f32.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<k=8, f32>
    %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<k=8, i32>
    // expected-error @+1 {{operand #1 must have element type f32, not 'i32'}}
    %a:2 = meshc.all_reduce_bucket %x, %y {axes = ["b"]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, i32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, i32>
    return
  }
}

// -----

// No mesh axes.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<k=8, f32>
    // expected-error @+1 {{needs at least one mesh axis}}
    %a = meshc.all_reduce_bucket %x {axes = []} : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
    return
  }
}

// -----

// No operands.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    // expected-error @+1 {{needs at least one operand}}
    "meshc.all_reduce_bucket"() {axes = ["b"]} : () -> ()
    return
  }
}

// -----

// Operands and results in different numbers.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<k=8, f32>
    // expected-error @+1 {{has 2 operands but 1 results}}
    %a = meshc.all_reduce_bucket %x, %x {axes = ["b"]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>
    return
  }
}

// -----

// Per rank: a member that is not a partial sum over the bucket's axis.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    %q = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[b]]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<n=2, f32>
    // expected-error @+1 {{sums operand #1 over mesh axis 'b', over which it is not a partial sum}}
    %a:2 = meshc.all_reduce_bucket %p, %q {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>, #meshc.sharding<[[b]]>]} : !meshc.tensor<k=8, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<n=2, f32>
    return
  }
}

// -----

// Per rank: a result sharding that does not follow from its operand's.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], []]>]} : !meshc.tensor<n=2, k=8, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=2, k=8, f32> -> !meshc.tensor<k=8, f32>
    // expected-error @+1 {{result #1 sharding #meshc.sharding<[[]], partial = [b]> does not follow from its operand's: expected #meshc.sharding<[[]]>}}
    %a:2 = meshc.all_reduce_bucket %p, %p {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>, #meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32> -> !meshc.tensor<k=8, f32>, !meshc.tensor<k=8, f32>
    return
  }
}
