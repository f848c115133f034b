// RUN: meshc-opt --meshc-fuse-elementwise %s --split-input-file | FileCheck %s

// meshc-fuse-elementwise on hand-written per-rank programs (mesh m=2; the per-rank verifier
// checks the output): trees of single-use elementwise values become meshc.fused_elementwise,
// a residual add whose sum a layer norm normalises becomes meshc.add_layer_norm, the add of a
// layer norm's adjoint to another adjoint meshc.layer_norm_grad_add.

// A bias add and a residual add (the transformer's MLP output): one op, leaves in the order the
// tree is walked (root operands first), the bias broadcast by name, the root's sharding kept.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @bias_residual
  func.func @bias_residual() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %h = meshc.input "h" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %b = meshc.param "b" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<d=5, f32>
    // CHECK: %[[R:.+]] = meshc.fused_elementwise %{{.+}}, %{{.+}}, %{{.+}} {args = array<i32: 1, 2, 0, 3>, constants = array<f64: 0.000000e+00, 0.000000e+00>, meshc.sharding = [#meshc.sharding<{{\[\[\], \[\]\]}}>], ops = ["add", "add"]} : (!meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<d=5, f32>) -> !meshc.tensor<n=3, d=5, f32>
    // CHECK-NOT: meshc.add
    // CHECK: meshc.prediction "out", %[[R]]
    %t = meshc.add %x, %b {meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    %r = meshc.add %h, %t {meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    meshc.prediction "out", %r : !meshc.tensor<n=3, d=5, f32>
    return
  }
}

// -----

// Constants and one-operand ops: relu(scale(x, 0.5) - y) then leaky_relu; an input read twice
// is one leaf.
// CHECK-LABEL: func.func @constants
func.func @constants() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=7, f32>
  %y = meshc.input "y" features {classes = 2} : !meshc.tensor<n=7, f32>
  // CHECK: meshc.fused_elementwise %{{[^,]+}}, %{{[^ ]+}} {args = array<i32: 0, -1, 2, 1, 3, -1, 4, 0, 5, -1>, constants = array<f64: 5.000000e-01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 2.000000e-01>, ops = ["scale", "sub", "relu", "mul", "leaky_relu"]} : (!meshc.tensor<n=7, f32>, !meshc.tensor<n=7, f32>) -> !meshc.tensor<n=7, f32>
  %s = meshc.scale %x {factor = 0.5 : f64} : !meshc.tensor<n=7, f32>
  %d = meshc.sub %s, %y : !meshc.tensor<n=7, f32>, !meshc.tensor<n=7, f32> -> !meshc.tensor<n=7, f32>
  %r = meshc.relu %d : !meshc.tensor<n=7, f32>
  %m = meshc.mul %r, %x : !meshc.tensor<n=7, f32>, !meshc.tensor<n=7, f32> -> !meshc.tensor<n=7, f32>
  %l = meshc.leaky_relu %m {alpha = 0.2 : f64} : !meshc.tensor<n=7, f32>
  meshc.prediction "out", %l : !meshc.tensor<n=7, f32>
  return
}

// -----

// Not absorbed: a value with a second use (the add that is gelu's and gelu_grad's input: a leaf,
// read once) and a value of another type (the product of two vectors is computed once, not per
// element of the result). A tree of one op (the vectors' product) stays that op.
// CHECK-LABEL: func.func @boundaries
func.func @boundaries() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=3, d=5, f32>
  %g = meshc.input "g" features {classes = 2} : !meshc.tensor<n=3, d=5, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<d=5, f32>
  // CHECK: %[[A:.+]] = meshc.add %{{.+}}, %{{.+}} :
  // CHECK: %[[BB:.+]] = meshc.mul %{{.+}}, %{{.+}} : !meshc.tensor<d=5, f32>, !meshc.tensor<d=5, f32> -> !meshc.tensor<d=5, f32>
  // CHECK: meshc.fused_elementwise %[[A]], %{{.+}}, %[[BB]] {args = array<i32: 0, -1, 0, 1, 3, 4, 5, 2>, {{.*}}ops = ["gelu", "gelu_grad", "add", "add"]}
  %a = meshc.add %x, %b : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
  %y = meshc.gelu %a : !meshc.tensor<n=3, d=5, f32>
  %dy = meshc.gelu_grad %a, %g : !meshc.tensor<n=3, d=5, f32>
  %bb = meshc.mul %b, %b : !meshc.tensor<d=5, f32>, !meshc.tensor<d=5, f32> -> !meshc.tensor<d=5, f32>
  %s = meshc.add %y, %dy : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
  %r = meshc.add %s, %bb : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
  meshc.prediction "out", %r : !meshc.tensor<n=3, d=5, f32>
  return
}

// -----

// Partial sums (pending all_reduces) stay out: the add of two partial values and the scale of
// its sum are left for the all_reduce; after it the relu and scale fuse.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @partial
  func.func @partial() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=4, k=3, f32>
    %p = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [m]>]} : !meshc.tensor<n=4, k=3, f32> -> !meshc.tensor<n=4, f32>
    %q = meshc.reduce_sum %x {meshc.sharding = [#meshc.sharding<[[]], partial = [m]>]} : !meshc.tensor<n=4, k=3, f32> -> !meshc.tensor<n=4, f32>
    // CHECK: meshc.add
    // CHECK-NEXT: meshc.scale
    // CHECK-NEXT: meshc.all_reduce
    // CHECK-NEXT: meshc.fused_elementwise {{.*}}ops = ["relu", "scale"]
    %s = meshc.add %p, %q {meshc.sharding = [#meshc.sharding<[[]], partial = [m]>]} : !meshc.tensor<n=4, f32>, !meshc.tensor<n=4, f32> -> !meshc.tensor<n=4, f32>
    %t = meshc.scale %s {factor = 2.0 : f64, meshc.sharding = [#meshc.sharding<[[]], partial = [m]>]} : !meshc.tensor<n=4, f32>
    %r = meshc.all_reduce %t {axes = ["m"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    %u = meshc.relu %r {meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    %v = meshc.scale %u {factor = 3.0 : f64, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<n=4, f32>
    meshc.prediction "out", %v : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// The residual add and its layer norm: one meshc.add_layer_norm where the add was, its sum
// taking the add's other uses; the shardings of both results kept.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @add_layer_norm
  func.func @add_layer_norm() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %h = meshc.input "h" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    // CHECK: %[[S:[^,]+]], %[[Y:.+]] = meshc.add_layer_norm %{{.+}}, %{{.+}} {dim = "d", epsilon = 1.000000e-05 : f64, meshc.sharding = [#meshc.sharding<{{\[\[m\], \[\]\]}}>, #meshc.sharding<{{\[\[m\], \[\]\]}}>]} : !meshc.tensor<n=3, d=5, f32>
    // CHECK-NOT: meshc.layer_norm
    // CHECK: meshc.fused_elementwise %[[Y]], %[[S]] {{.*}}ops = ["mul", "add"]
    %s = meshc.add %h, %x {meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    %y = meshc.layer_norm %s {dim = "d", epsilon = 1.0e-5 : f64, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %m = meshc.mul %y, %y {meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    %r = meshc.add %m, %s {meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    meshc.prediction "out", %r : !meshc.tensor<n=3, d=5, f32>
    return
  }
}

// -----

// A layer norm's adjoint added to another adjoint of its type (the residual stream's, in a
// pre-LN block's backward): one meshc.layer_norm_grad_add at the add, the addend whichever
// operand is not the layer norm's adjoint, the add's sharding kept.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @layer_norm_grad_add
  func.func @layer_norm_grad_add() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %dy = meshc.input "dy" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %r = meshc.input "r" features {classes = 2, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    // CHECK: %[[X:.+]] = meshc.input "x"
    // CHECK: %[[DY:.+]] = meshc.input "dy"
    // CHECK: %[[R:.+]] = meshc.input "r"
    // CHECK-NOT: meshc.layer_norm_grad %
    // CHECK: %[[A:.+]] = meshc.layer_norm_grad_add %[[X]], %[[DY]], %[[R]] {dim = "d", epsilon = 1.000000e-05 : f64, meshc.sharding = [#meshc.sharding<{{\[\[m\], \[\]\]}}>]} : !meshc.tensor<n=3, d=5, f32>
    // CHECK: %[[B:.+]] = meshc.layer_norm_grad_add %[[X]], %[[R]], %[[DY]] {dim = "n", epsilon = 1.000000e-03 : f64
    // CHECK-NOT: meshc.add
    // CHECK: meshc.prediction "a", %[[A]]
    // CHECK: meshc.prediction "b", %[[B]]
    %g = meshc.layer_norm_grad %x, %dy {dim = "d", epsilon = 1.0e-5 : f64, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %a = meshc.add %r, %g {meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    %h = meshc.layer_norm_grad %x, %r {dim = "n", epsilon = 1.0e-3 : f64, meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %b = meshc.add %h, %dy {meshc.sharding = [#meshc.sharding<[[m], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    meshc.prediction "a", %a : !meshc.tensor<n=3, d=5, f32>
    meshc.prediction "b", %b : !meshc.tensor<n=3, d=5, f32>
    return
  }
}

// -----

// Not a layer_norm_grad_add: the adjoint has a second use, the add broadcasts.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @layer_norm_grad_no_add
  func.func @layer_norm_grad_no_add() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %b = meshc.param "b" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<d=5, f32>
    // CHECK-NOT: meshc.layer_norm_grad_add
    %g = meshc.layer_norm_grad %x, %x {dim = "d", epsilon = 1.0e-5 : f64, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %twice = meshc.add %g, %x {meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<n=3, d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    meshc.prediction "g", %g : !meshc.tensor<n=3, d=5, f32>
    meshc.prediction "twice", %twice : !meshc.tensor<n=3, d=5, f32>
    %h = meshc.layer_norm_grad %x, %x {dim = "d", epsilon = 1.0e-5 : f64, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>
    %bias = meshc.add %h, %b {meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
    meshc.prediction "bias", %bias : !meshc.tensor<n=3, d=5, f32>
    return
  }
}

// -----

// Not an add_layer_norm: the add broadcasts (a bias add before a layer norm).
// CHECK-LABEL: func.func @broadcast_add
func.func @broadcast_add() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=3, d=5, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<d=5, f32>
  // CHECK: meshc.add
  // CHECK-NEXT: meshc.layer_norm
  %s = meshc.add %x, %b : !meshc.tensor<n=3, d=5, f32>, !meshc.tensor<d=5, f32> -> !meshc.tensor<n=3, d=5, f32>
  %y = meshc.layer_norm %s {dim = "d", epsilon = 1.0e-5 : f64} : !meshc.tensor<n=3, d=5, f32>
  meshc.prediction "out", %y : !meshc.tensor<n=3, d=5, f32>
  return
}

// -----

// A sum of pads whose windows tile their dim (the adjoint of slicing q, k and v out of one
// projection) is the concat of the pieces in window order, whatever the order of the adds;
// the root's sharding is kept.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @pad_sum_tiles
  func.func @pad_sum_tiles() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %a = meshc.input "a" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, p=1, f32>
    %b = meshc.input "b" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, r=2, f32>
    %c = meshc.input "c" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, q=4, f32>
    // CHECK: %[[A:.+]] = meshc.input "a"
    // CHECK: %[[B:.+]] = meshc.input "b"
    // CHECK: %[[C:.+]] = meshc.input "c"
    // CHECK-NOT: meshc.pad
    // CHECK: %[[R:.+]] = meshc.concat %[[C]], %[[A]], %[[B]] {dim = "k", meshc.sharding = [#meshc.sharding<{{\[\[\], \[\]\]}}>]} : !meshc.tensor<n=3, q=4, f32>, !meshc.tensor<n=3, p=1, f32>, !meshc.tensor<n=3, r=2, f32> -> !meshc.tensor<n=3, k=7, f32>
    // CHECK-NOT: meshc.add
    // CHECK-NOT: meshc.fused_elementwise
    // CHECK: meshc.prediction "out", %[[R]]
    %pa = meshc.pad %a {dim = "k", start = 4 : i64, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, p=1, f32> -> !meshc.tensor<n=3, k=7, f32>
    %pb = meshc.pad %b {dim = "k", start = 5 : i64, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, r=2, f32> -> !meshc.tensor<n=3, k=7, f32>
    %pc = meshc.pad %c {dim = "k", start = 0 : i64, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, q=4, f32> -> !meshc.tensor<n=3, k=7, f32>
    %s = meshc.add %pa, %pb {meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, k=7, f32>, !meshc.tensor<n=3, k=7, f32> -> !meshc.tensor<n=3, k=7, f32>
    %r = meshc.add %pc, %s {meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, k=7, f32>, !meshc.tensor<n=3, k=7, f32> -> !meshc.tensor<n=3, k=7, f32>
    meshc.prediction "out", %r : !meshc.tensor<n=3, k=7, f32>
    return
  }
}

// -----

// A pad sum whose members meshc-remat recomputed: the concat carries how many (the verifier
// accepts the count on it, as on the fused ops), 3 here (two pads and an add).
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @pad_sum_remat
  func.func @pad_sum_remat() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %a = meshc.input "a" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, p=1, f32>
    %b = meshc.input "b" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, r=2, f32>
    // CHECK: meshc.concat {{.*}}meshc.remat = 3 : i64
    // CHECK-NOT: meshc.pad
    %pa = meshc.pad %a {dim = "k", start = 0 : i64, meshc.remat, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, p=1, f32> -> !meshc.tensor<n=3, k=3, f32>
    %pb = meshc.pad %b {dim = "k", start = 1 : i64, meshc.remat, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, r=2, f32> -> !meshc.tensor<n=3, k=3, f32>
    %r = meshc.add %pa, %pb {meshc.remat, meshc.sharding = [#meshc.sharding<[[], []]>]} : !meshc.tensor<n=3, k=3, f32>, !meshc.tensor<n=3, k=3, f32> -> !meshc.tensor<n=3, k=3, f32>
    meshc.prediction "out", %r : !meshc.tensor<n=3, k=3, f32>
    return
  }
}

// -----

// Not a concat: windows with a gap, windows that overlap, a pad with a second use, a leaf that
// is no pad. Each sum stays a sum (fused as usual).
// CHECK-LABEL: func.func @pad_sum_not_tiles
func.func @pad_sum_not_tiles() {
  %a = meshc.input "a" features {classes = 2} : !meshc.tensor<n=3, p=2, f32>
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=3, k=4, f32>
  // CHECK-NOT: meshc.concat
  %gap0 = meshc.pad %a {dim = "k", start = 0 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=5, f32>
  %gap1 = meshc.pad %a {dim = "k", start = 3 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=5, f32>
  %gap = meshc.add %gap0, %gap1 : !meshc.tensor<n=3, k=5, f32>, !meshc.tensor<n=3, k=5, f32> -> !meshc.tensor<n=3, k=5, f32>
  meshc.prediction "gap", %gap : !meshc.tensor<n=3, k=5, f32>
  %over0 = meshc.pad %a {dim = "k", start = 0 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=3, f32>
  %over1 = meshc.pad %a {dim = "k", start = 1 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=3, f32>
  %over = meshc.add %over0, %over1 : !meshc.tensor<n=3, k=3, f32>, !meshc.tensor<n=3, k=3, f32> -> !meshc.tensor<n=3, k=3, f32>
  meshc.prediction "over", %over : !meshc.tensor<n=3, k=3, f32>
  %used0 = meshc.pad %a {dim = "k", start = 0 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=4, f32>
  %used1 = meshc.pad %a {dim = "k", start = 2 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=4, f32>
  %used = meshc.add %used0, %used1 : !meshc.tensor<n=3, k=4, f32>, !meshc.tensor<n=3, k=4, f32> -> !meshc.tensor<n=3, k=4, f32>
  meshc.prediction "used", %used : !meshc.tensor<n=3, k=4, f32>
  meshc.prediction "used0", %used0 : !meshc.tensor<n=3, k=4, f32>
  %leaf0 = meshc.pad %a {dim = "k", start = 0 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=4, f32>
  %leaf1 = meshc.pad %a {dim = "k", start = 2 : i64} : !meshc.tensor<n=3, p=2, f32> -> !meshc.tensor<n=3, k=4, f32>
  %l = meshc.add %leaf0, %x : !meshc.tensor<n=3, k=4, f32>, !meshc.tensor<n=3, k=4, f32> -> !meshc.tensor<n=3, k=4, f32>
  %leaf = meshc.add %l, %leaf1 : !meshc.tensor<n=3, k=4, f32>, !meshc.tensor<n=3, k=4, f32> -> !meshc.tensor<n=3, k=4, f32>
  meshc.prediction "leaf", %leaf : !meshc.tensor<n=3, k=4, f32>
  // CHECK: return
  return
}
