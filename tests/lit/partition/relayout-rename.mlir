// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// Renames change layout: the result dim is produced split the way its operand dim was held,
// then resharded to the result's target like any value.

module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"h:m,t:m">} {
  // CHECK-LABEL: func.func @renames
  func.func @renames() {
    // A split dim renamed to an unmapped name: gathered.
    // CHECK: %[[X:.+]] = meshc.param "x" {{.*}} : !meshc.tensor<b=8, h=2, f32>
    // CHECK-NEXT: %[[G:.+]] = meshc.rename %[[X]]{{.*}} : !meshc.tensor<b=8, h=2, f32> -> !meshc.tensor<b=8, g=2, f32>
    // CHECK-NEXT: meshc.all_gather %[[G]] {axis = "m", dim = "g"{{.*}}} : !meshc.tensor<b=8, g=2, f32> -> !meshc.tensor<b=8, g=8, f32>
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, h=8, f32>
    %g = meshc.rename %x : !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, g=8, f32>
    %a = meshc.relu %g : !meshc.tensor<b=8, g=8, f32>
    // An unmapped dim renamed to a split name: sliced.
    // CHECK: %[[Y:.+]] = meshc.param "y" {{.*}} : !meshc.tensor<b=8, s=8, f32>
    // CHECK-NEXT: %[[T:.+]] = meshc.rename %[[Y]]{{.*}} : !meshc.tensor<b=8, s=8, f32> -> !meshc.tensor<b=8, t=8, f32>
    // CHECK-NEXT: meshc.all_slice %[[T]] {axis = "m", dim = "t"{{.*}}} : !meshc.tensor<b=8, t=8, f32> -> !meshc.tensor<b=8, t=2, f32>
    %y = meshc.param "y" zeros {scale = 0.0} : !meshc.tensor<b=8, s=8, f32>
    %t = meshc.rename %y : !meshc.tensor<b=8, s=8, f32> -> !meshc.tensor<b=8, t=8, f32>
    // The split moves from one dim to another (h → g leaves m, s → t wants it): all_to_all.
    // CHECK: %[[Z:.+]] = meshc.param "z" {{.*}} : !meshc.tensor<h=2, s=8, f32>
    // CHECK-NEXT: %[[U:.+]] = meshc.rename %[[Z]]{{.*}} : !meshc.tensor<h=2, s=8, f32> -> !meshc.tensor<g=2, t=8, f32>
    // CHECK-NEXT: meshc.all_to_all %[[U]] {axis = "m", concat_dim = "g", {{.*}}split_dim = "t"} : !meshc.tensor<g=2, t=8, f32> -> !meshc.tensor<g=8, t=2, f32>
    %z = meshc.param "z" zeros {scale = 0.0} : !meshc.tensor<h=8, s=8, f32>
    %u = meshc.rename %z : !meshc.tensor<h=8, s=8, f32> -> !meshc.tensor<g=8, t=8, f32>
    // Swapping two names: the split follows the position, then moves back to h.
    // CHECK-NEXT: %[[K:.+]] = meshc.rename %[[Z]]{{.*}} : !meshc.tensor<h=2, s=8, f32> -> !meshc.tensor<s=2, h=8, f32>
    // CHECK-NEXT: meshc.all_to_all %[[K]] {axis = "m", concat_dim = "s", {{.*}}split_dim = "h"} : !meshc.tensor<s=2, h=8, f32> -> !meshc.tensor<s=8, h=2, f32>
    %k = meshc.rename %z : !meshc.tensor<h=8, s=8, f32> -> !meshc.tensor<s=8, h=8, f32>
    // A rename of an overridden value runs on the value as held (s on m): t is produced on
    // m, as its target wants.
    // CHECK-NEXT: %[[R:.+]] = meshc.all_to_all %[[Z]] {axis = "m", concat_dim = "h", {{.*}}split_dim = "s"}
    // CHECK-NEXT: meshc.rename %[[R]]{{.*}} : !meshc.tensor<h=8, s=2, f32> -> !meshc.tensor<g=8, t=2, f32>
    // CHECK-NEXT: return
    %r = meshc.relayout %z {layout = #meshc.layout<"s:m">} : !meshc.tensor<h=8, s=8, f32>
    %v = meshc.rename %r : !meshc.tensor<h=8, s=8, f32> -> !meshc.tensor<g=8, t=8, f32>
    return
  }
}

// -----

// On a 2-D mesh: both axes follow their dims through the rename, then each goes where the
// result's layout wants it (b from i to k: all_to_all; m stays on the renamed j → l).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"i:b,j:m,k:b,l:m">} {
  // CHECK-LABEL: func.func @rename_2d
  func.func @rename_2d() {
    // CHECK: %[[X:.+]] = meshc.param "x" {{.*}} : !meshc.tensor<i=4, j=4, c=8, f32>
    // CHECK-NEXT: %[[R:.+]] = meshc.rename %[[X]]{{.*}} : !meshc.tensor<i=4, j=4, c=8, f32> -> !meshc.tensor<e=4, l=4, k=8, f32>
    // CHECK-NEXT: meshc.all_to_all %[[R]] {axis = "b", concat_dim = "e", {{.*}}split_dim = "k"} : !meshc.tensor<e=4, l=4, k=8, f32> -> !meshc.tensor<e=8, l=4, k=4, f32>
    // CHECK-NEXT: return
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<i=8, j=8, c=8, f32>
    %r = meshc.rename %x : !meshc.tensor<i=8, j=8, c=8, f32> -> !meshc.tensor<e=8, l=8, k=8, f32>
    return
  }
}
