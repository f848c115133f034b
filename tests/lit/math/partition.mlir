// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// 2-D mesh, both dims split: every Math op is elementwise (nothing summed, nothing whole), so
// each runs on its local slice with no collective; an operand broadcast by name (w, split on
// m only) is read where the result is held, as for meshc.add.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"s:b,d:m">} {
// CHECK-LABEL: func.func @local
// CHECK-NOT: meshc.all_
// CHECK: meshc.sigmoid %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}b], [m]]>]} : !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.tanh %{{.+}} : !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.exp %{{.+}} : !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.log %{{.+}} : !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.sqrt %{{.+}} : !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.leaky_relu %{{.+}} {alpha = 1.000000e-01 : f64, {{.+}}} : !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.div %{{.+}}, %{{.+}} {{.+}} : !meshc.tensor<s=2, d=4, f32>, !meshc.tensor<d=4, f32> -> !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.maximum %{{.+}}, %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}m], [b]]>]} : !meshc.tensor<d=4, f32>, !meshc.tensor<s=2, d=4, f32> -> !meshc.tensor<d=4, s=2, f32>
// CHECK: meshc.minimum %{{.+}}, %{{.+}} : !meshc.tensor<s=2, d=4, f32>, !meshc.tensor<d=4, s=2, f32> -> !meshc.tensor<s=2, d=4, f32>
// CHECK: meshc.greater_equal %{{.+}}, %{{.+}} : !meshc.tensor<s=2, d=4, f32>, !meshc.tensor<d=4, f32> -> !meshc.tensor<s=2, d=4, f32>
// CHECK-NOT: meshc.all_
// CHECK: return
  func.func @local() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, d=8, f32>
    %w = meshc.param "w" uniform {scale = 1.0} : !meshc.tensor<d=8, f32>
    %s = meshc.sigmoid %x : !meshc.tensor<s=4, d=8, f32>
    %t = meshc.tanh %s : !meshc.tensor<s=4, d=8, f32>
    %e = meshc.exp %t : !meshc.tensor<s=4, d=8, f32>
    %l = meshc.log %e : !meshc.tensor<s=4, d=8, f32>
    %q = meshc.sqrt %e : !meshc.tensor<s=4, d=8, f32>
    %r = meshc.leaky_relu %q {alpha = 0.1} : !meshc.tensor<s=4, d=8, f32>
    %dv = meshc.div %r, %w : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
    %mx = meshc.maximum %w, %dv : !meshc.tensor<d=8, f32>, !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<d=8, s=4, f32>
    %mn = meshc.minimum %l, %mx : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, s=4, f32> -> !meshc.tensor<s=4, d=8, f32>
    %ge = meshc.greater_equal %mn, %w : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<s=4, d=8, f32>
    return
  }
}

// -----

// A contraction over the split d leaves a partial sum; the Math ops are not linear, so it is
// completed (all_reduce over m) before sigmoid and before div, unlike add's.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"d:m">} {
// CHECK-LABEL: func.func @partial_sums_completed_first
// CHECK: %[[H:.+]] = meshc.einsum {{.+}} partial = [m]
// CHECK-NEXT: %[[HR:.+]] = meshc.all_reduce %[[H]] {axes = ["m"]
// CHECK-NEXT: %[[S:.+]] = meshc.sigmoid %[[HR]]
// CHECK-NEXT: %[[H2:.+]] = meshc.einsum {{.+}} partial = [m]
// CHECK-NEXT: %[[H2R:.+]] = meshc.all_reduce %[[H2]] {axes = ["m"]
// CHECK-NEXT: meshc.div %[[H2R]], %[[S]]
  func.func @partial_sums_completed_first() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, d=8, f32>
    %w = meshc.param "w" uniform {scale = 1.0} : !meshc.tensor<d=8, h=3, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, h=3, f32> -> !meshc.tensor<s=4, h=3, f32>
    %s = meshc.sigmoid %h : !meshc.tensor<s=4, h=3, f32>
    %h2 = meshc.einsum %x, %w : !meshc.tensor<s=4, d=8, f32>, !meshc.tensor<d=8, h=3, f32> -> !meshc.tensor<s=4, h=3, f32>
    %q = meshc.div %h2, %s : !meshc.tensor<s=4, h=3, f32>, !meshc.tensor<s=4, h=3, f32> -> !meshc.tensor<s=4, h=3, f32>
    return
  }
}
