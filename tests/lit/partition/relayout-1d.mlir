// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// Each transition of meshc.relayout on a 1-D mesh. The relayout's result is held in the
// override's sharding (dims it does not name are replicated); elementwise consumers (relu)
// run in it and leave their results in it; other consumers get it resharded to what they
// need; the per-rank program has no relayout op.

// Replicated → split: a local slice, no communication; relu runs on the slice.
module attributes {meshc.mesh = #meshc.mesh<"m=4">} {
  // CHECK-LABEL: func.func @slice
  func.func @slice() {
    // CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<d=8, h=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: %[[S:.+]] = meshc.all_slice %[[W]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<d=8, h=2, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"h:m">} : !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: meshc.relu %[[S]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]} : !meshc.tensor<d=8, h=2, f32>
    // CHECK-NOT: meshc.relayout
    // CHECK-NOT: meshc.all_
    %x = meshc.relu %r : !meshc.tensor<d=8, h=8, f32>
    return
  }
}

// -----

// Split → replicated: all_gather; relu runs on the gathered value.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"h:m">} {
  // CHECK-LABEL: func.func @gather
  func.func @gather() {
    // CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<d=8, h=2, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.all_gather %[[W]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<d=8, h=2, f32> -> !meshc.tensor<d=8, h=8, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"">} : !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: meshc.relu %[[G]]{{.*}} : !meshc.tensor<d=8, h=8, f32>
    %x = meshc.relu %r : !meshc.tensor<d=8, h=8, f32>
    return
  }
}

// -----

// The axis moves from one dim to another: all_to_all (a quarter of the bytes of a gather);
// relu runs in the override (no second all_to_all back).
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"h:m">} {
  // CHECK-LABEL: func.func @all_to_all
  func.func @all_to_all() {
    // CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<d=8, h=2, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: %[[A:.+]] = meshc.all_to_all %[[W]] {axis = "m", concat_dim = "h", {{.*}}split_dim = "d"} : !meshc.tensor<d=8, h=2, f32> -> !meshc.tensor<d=2, h=8, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"d:m">} : !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: meshc.relu %[[A]]{{.*}} : !meshc.tensor<d=2, h=8, f32>
    %x = meshc.relu %r : !meshc.tensor<d=8, h=8, f32>
    return
  }
}

// -----

// A pending sum whose one use is a relayout that splits a dim on the summed axis: the
// relayout takes the partial value and reduce-scatters it (no all_reduce); relu runs on the
// scattered value. Without the relayout the same einsum is all-reduced.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"k:m">} {
  // CHECK-LABEL: func.func @reduce_scatter
  func.func @reduce_scatter() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    // CHECK: %[[P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<b=8, h=8, f32>
    // CHECK-NEXT: %[[RS:.+]] = meshc.reduce_scatter %[[P]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=2, f32>
    // CHECK-NEXT: meshc.relu %[[RS]]{{.*}} : !meshc.tensor<b=8, h=2, f32>
    %p = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %r = meshc.relayout %p {layout = #meshc.layout<"h:m">} : !meshc.tensor<b=8, h=8, f32>
    %y = meshc.relu %r : !meshc.tensor<b=8, h=8, f32>
    return
  }
  // CHECK-LABEL: func.func @without_relayout
  func.func @without_relayout() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    // CHECK: %[[P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<b=8, h=8, f32>
    // CHECK-NEXT: meshc.all_reduce %[[P]] {axes = ["m"]{{.*}}} : !meshc.tensor<b=8, h=8, f32>
    %p = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %y = meshc.relu %p : !meshc.tensor<b=8, h=8, f32>
    return
  }
}

// -----

// A pending sum that the override leaves replicated: all_reduce; and a partial value with
// more than one use is reduced once, to its target, before the relayout.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"k:m">} {
  // CHECK-LABEL: func.func @all_reduce
  func.func @all_reduce() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    // CHECK: %[[P:.+]] = meshc.einsum
    // CHECK-NEXT: meshc.all_reduce %[[P]] {axes = ["m"]{{.*}}} : !meshc.tensor<b=8, h=8, f32>
    // CHECK-NEXT: meshc.einsum
    // CHECK-NEXT: %[[Q:.+]] = meshc.all_reduce
    // CHECK-NEXT: %[[S:.+]] = meshc.all_slice %[[Q]] {axis = "m", dim = "b"{{.*}}} : !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=2, h=8, f32>
    // CHECK-NEXT: meshc.relu %[[Q]]
    // CHECK-NEXT: meshc.relu %[[S]]{{.*}} : !meshc.tensor<b=2, h=8, f32>
    %p = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %r = meshc.relayout %p {layout = #meshc.layout<"">} : !meshc.tensor<b=8, h=8, f32>
    %q = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %s = meshc.relayout %q {layout = #meshc.layout<"b:m">} : !meshc.tensor<b=8, h=8, f32>
    %y = meshc.relu %q : !meshc.tensor<b=8, h=8, f32>
    %z = meshc.relu %s : !meshc.tensor<b=8, h=8, f32>
    return
  }
}

// -----

// An input read only by a relayout is read in the override's sharding (its sharding says
// so): the relayout itself costs nothing. Its consumer wants the layout's sharding (d
// replicated) and gathers.
module attributes {meshc.mesh = #meshc.mesh<"m=4">} {
  // CHECK-LABEL: func.func @input
  func.func @input() {
    // CHECK: %[[X:.+]] = meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]} : !meshc.tensor<d=2, h=8, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.all_gather %[[X]] {axis = "m", dim = "d"{{.*}}}
    // CHECK-NEXT: meshc.reduce_sum %[[G]]{{.*}} : !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<h=8, f32>
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<d=8, h=8, f32>
    %r = meshc.relayout %x {layout = #meshc.layout<"d:m">} : !meshc.tensor<d=8, h=8, f32>
    %y = meshc.reduce_sum %r : !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<h=8, f32>
    return
  }
}

// -----

// Axes of size 1 split nothing: an override onto one is replicated, so relayout from h:m to
// h:one is a gather, and a relayout that only names size-1 axes of a replicated value costs
// nothing; relu runs replicated, as the override holds it.
module attributes {meshc.mesh = #meshc.mesh<"one=1,m=4">, meshc.layout = #meshc.layout<"h:m">} {
  // CHECK-LABEL: func.func @size_one
  func.func @size_one() {
    // CHECK: %[[W:.+]] = meshc.param "w"
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.all_gather %[[W]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<d=8, h=2, f32> -> !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: meshc.relu %[[G]]{{.*}} : !meshc.tensor<d=8, h=8, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"h:one">} : !meshc.tensor<d=8, h=8, f32>
    %s = meshc.relayout %r {layout = #meshc.layout<"d:one">} : !meshc.tensor<d=8, h=8, f32>
    %x = meshc.relu %s : !meshc.tensor<d=8, h=8, f32>
    return
  }
}
