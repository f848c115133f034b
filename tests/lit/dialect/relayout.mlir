// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// CHECK-LABEL: func.func @relayout
// CHECK: %[[R:.+]] = meshc.relayout %{{.+}} {layout = #meshc.layout<"d:m,h:b">} : !meshc.tensor<d=8, h=8, f32>
// CHECK-NEXT: meshc.relayout %[[R]] {layout = #meshc.layout<"">} : !meshc.tensor<d=8, h=8, f32>
// CHECK: meshc.all_to_all %{{.+}} {axis = "m", concat_dim = "h", split_dim = "d"} : !meshc.tensor<d=8, h=2, f32> -> !meshc.tensor<d=2, h=8, f32>
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @relayout() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"d:m,h:b">} : !meshc.tensor<d=8, h=8, f32>
    %s = meshc.relayout %r {layout = #meshc.layout<"">} : !meshc.tensor<d=8, h=8, f32>
    %p = meshc.param "p" zeros {scale = 0.0} : !meshc.tensor<d=8, h=2, f32>
    %a = meshc.all_to_all %p {axis = "m", split_dim = "d", concat_dim = "h"} : !meshc.tensor<d=8, h=2, f32> -> !meshc.tensor<d=2, h=8, f32>
    return
  }
}
