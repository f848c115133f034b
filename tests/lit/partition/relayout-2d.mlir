// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// Relayout on 2-D meshes: several axes changing at once, pending sums together with moves.
// The plan is the cheapest in bytes received per rank (MeshLayout::planReshard), ties going
// to fewer collectives; the comments give the bytes for mesh b=2,m=4.

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">, meshc.layout = #meshc.layout<"d:b,h:m">} {
  // Swapping the axes of two dims: gather d off b (32 bytes), all_to_all h→d on m (48),
  // slice h on b (free). Gathering h first would cost 96.
  // CHECK-LABEL: func.func @swap
  func.func @swap() {
    // CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<d=4, h=2, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.all_gather %[[W]] {axis = "b", dim = "d"{{.*}}} : !meshc.tensor<d=4, h=2, f32> -> !meshc.tensor<d=8, h=2, f32>
    // CHECK-NEXT: %[[A:.+]] = meshc.all_to_all %[[G]] {axis = "m", concat_dim = "h", {{.*}}split_dim = "d"} : !meshc.tensor<d=8, h=2, f32> -> !meshc.tensor<d=2, h=8, f32>
    // CHECK-NEXT: meshc.all_slice %[[A]] {axis = "b", dim = "h"{{.*}}} : !meshc.tensor<d=2, h=8, f32> -> !meshc.tensor<d=2, h=4, f32>
    // CHECK-NEXT: return
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"d:m,h:b">} : !meshc.tensor<d=8, h=8, f32>
    return
  }

  // Both axes move to other dims: one all_to_all per axis.
  // CHECK-LABEL: func.func @two_all_to_all
  func.func @two_all_to_all() {
    // CHECK: %[[T:.+]] = meshc.param "t" {{.*}} : !meshc.tensor<d=4, h=2, k=8, l=8, f32>
    // CHECK-NEXT: %[[A:.+]] = meshc.all_to_all %[[T]] {axis = "b", concat_dim = "d", {{.*}}split_dim = "k"} : !meshc.tensor<d=4, h=2, k=8, l=8, f32> -> !meshc.tensor<d=8, h=2, k=4, l=8, f32>
    // CHECK-NEXT: meshc.all_to_all %[[A]] {axis = "m", concat_dim = "h", {{.*}}split_dim = "l"} : !meshc.tensor<d=8, h=2, k=4, l=8, f32> -> !meshc.tensor<d=8, h=8, k=4, l=2, f32>
    // CHECK-NEXT: return
    %t = meshc.param "t" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, k=8, l=8, f32>
    %r = meshc.relayout %t {layout = #meshc.layout<"k:b,l:m">} : !meshc.tensor<d=8, h=8, k=8, l=8, f32>
    return
  }

  // One axis kept, one gathered; one moved, one gathered (the all_to_all first, on the
  // smaller tensor); everything gathered.
  // CHECK-LABEL: func.func @gathers
  func.func @gathers() {
    // CHECK: %[[T:.+]] = meshc.param "t" {{.*}} : !meshc.tensor<d=4, h=2, k=8, f32>
    // CHECK-NEXT: meshc.all_gather %[[T]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<d=4, h=2, k=8, f32> -> !meshc.tensor<d=4, h=8, k=8, f32>
    // CHECK-NEXT: %[[A:.+]] = meshc.all_to_all %[[T]] {axis = "b", concat_dim = "d", {{.*}}split_dim = "k"} : !meshc.tensor<d=4, h=2, k=8, f32> -> !meshc.tensor<d=8, h=2, k=4, f32>
    // CHECK-NEXT: meshc.all_gather %[[A]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<d=8, h=2, k=4, f32> -> !meshc.tensor<d=8, h=8, k=4, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.all_gather %[[T]] {axis = "b", dim = "d"{{.*}}}
    // CHECK-NEXT: meshc.all_gather %[[G]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<d=8, h=2, k=8, f32> -> !meshc.tensor<d=8, h=8, k=8, f32>
    // CHECK-NEXT: return
    %t = meshc.param "t" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, k=8, f32>
    %r = meshc.relayout %t {layout = #meshc.layout<"d:b">} : !meshc.tensor<d=8, h=8, k=8, f32>
    %s = meshc.relayout %t {layout = #meshc.layout<"k:b">} : !meshc.tensor<d=8, h=8, k=8, f32>
    %u = meshc.relayout %t {layout = #meshc.layout<"">} : !meshc.tensor<d=8, h=8, k=8, f32>
    return
  }

  // A sum pending over b (d is summed) while h moves from m to b: all_reduce over b (8
  // bytes), gather h off m (24), slice on b: 32; gathering first and reduce-scattering onto
  // b would cost 40.
  // CHECK-LABEL: func.func @partial_and_move
  func.func @partial_and_move() {
    // CHECK: %[[P:.+]] = meshc.reduce_sum %{{.+}}{{.*}} : !meshc.tensor<d=4, h=2, f32> -> !meshc.tensor<h=2, f32>
    // CHECK-NEXT: %[[R:.+]] = meshc.all_reduce %[[P]] {axes = ["b"]{{.*}}} : !meshc.tensor<h=2, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.all_gather %[[R]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<h=2, f32> -> !meshc.tensor<h=8, f32>
    // CHECK-NEXT: meshc.all_slice %[[G]] {axis = "b", dim = "h"{{.*}}} : !meshc.tensor<h=8, f32> -> !meshc.tensor<h=4, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    %v = meshc.reduce_sum %w : !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<h=8, f32>
    %r = meshc.relayout %v {layout = #meshc.layout<"h:b">} : !meshc.tensor<h=8, f32>
    return
  }

  // Sums pending over both axes: reduce_scatter onto k on m, then all_reduce the quarter
  // over b; left replicated, one all_reduce over both axes.
  // CHECK-LABEL: func.func @partial_two_axes
  func.func @partial_two_axes() {
    // CHECK: %[[P:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<k=8, f32>
    // CHECK-NEXT: %[[S:.+]] = meshc.reduce_scatter %[[P]] {axis = "m", dim = "k"{{.*}}} : !meshc.tensor<k=8, f32> -> !meshc.tensor<k=2, f32>
    // CHECK-NEXT: meshc.all_reduce %[[S]] {axes = ["b"]{{.*}}} : !meshc.tensor<k=2, f32>
    // CHECK-NEXT: %[[Q:.+]] = meshc.einsum {{.*}} -> !meshc.tensor<k=8, f32>
    // CHECK-NEXT: meshc.all_reduce %[[Q]] {axes = ["b", "m"]{{.*}}} : !meshc.tensor<k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, k=8, f32>
    %v = meshc.einsum %w, %x : !meshc.tensor<d=8, h=8, f32>, !meshc.tensor<d=8, h=8, k=8, f32> -> !meshc.tensor<k=8, f32>
    %r = meshc.relayout %v {layout = #meshc.layout<"k:m">} : !meshc.tensor<k=8, f32>
    %y = meshc.einsum %w, %x : !meshc.tensor<d=8, h=8, f32>, !meshc.tensor<d=8, h=8, k=8, f32> -> !meshc.tensor<k=8, f32>
    %s = meshc.relayout %y {layout = #meshc.layout<"">} : !meshc.tensor<k=8, f32>
    return
  }

  // A sum pending over b while m moves from h to k, and the target splits h on b: the
  // all_to_all frees h (48 bytes), which then takes b's reduce_scatter (32). Reduce-scattering
  // k first would leave no whole dim for m; all_reduce + all_to_all + slice would cost 112.
  // CHECK-LABEL: func.func @scatter_and_all_to_all
  func.func @scatter_and_all_to_all() {
    // CHECK: %[[P:.+]] = meshc.reduce_sum %{{.+}}{{.*}} : !meshc.tensor<d=4, h=2, k=8, f32> -> !meshc.tensor<h=2, k=8, f32>
    // CHECK-NEXT: %[[A:.+]] = meshc.all_to_all %[[P]] {axis = "m", concat_dim = "h", {{.*}}split_dim = "k"} : !meshc.tensor<h=2, k=8, f32> -> !meshc.tensor<h=8, k=2, f32>
    // CHECK-NEXT: meshc.reduce_scatter %[[A]] {axis = "b", dim = "h"{{.*}}} : !meshc.tensor<h=8, k=2, f32> -> !meshc.tensor<h=4, k=2, f32>
    // CHECK-NEXT: return
    %t = meshc.param "t" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, k=8, f32>
    %v = meshc.reduce_sum %t : !meshc.tensor<d=8, h=8, k=8, f32> -> !meshc.tensor<h=8, k=8, f32>
    %r = meshc.relayout %v {layout = #meshc.layout<"h:b,k:m">} : !meshc.tensor<h=8, k=8, f32>
    return
  }
}

// -----

// An axis of size 1 on a 2-D mesh: dims on it are replicated, so overrides onto it cost
// nothing, and a move from m to it is a gather.
module attributes {meshc.mesh = #meshc.mesh<"b=1,m=4">, meshc.layout = #meshc.layout<"d:b,h:m">} {
  // CHECK-LABEL: func.func @size_one
  func.func @size_one() {
    // CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<d=8, h=2, f32>
    // CHECK-NEXT: meshc.all_gather %[[W]] {axis = "m", dim = "h"{{.*}}} : !meshc.tensor<d=8, h=2, f32> -> !meshc.tensor<d=8, h=8, f32>
    // CHECK-NEXT: return
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"h:b">} : !meshc.tensor<d=8, h=8, f32>
    %s = meshc.relayout %w {layout = #meshc.layout<"h:m,d:b">} : !meshc.tensor<d=8, h=8, f32>
    return
  }
}
