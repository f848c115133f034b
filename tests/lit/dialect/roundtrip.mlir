// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// CHECK: module attributes {meshc.layout = #meshc.layout<"batch:b,hidden:m">, meshc.mesh = #meshc.mesh<"b=2,m=2">}
module attributes {meshc.mesh = #meshc.mesh<"b=2, m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  // CHECK-LABEL: func.func @mlp
  func.func @mlp() {
    // CHECK: %[[X:.+]] = meshc.input "x" features {classes = 4 : i64} : !meshc.tensor<batch=8, d_in=4, f32>
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    // CHECK: %[[W:.+]] = meshc.param "w"
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d_in=4, hidden=6, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<hidden=6, f32>
    // CHECK: meshc.einsum %[[X]], %[[W]] : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %a = meshc.add %h, %b : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %r = meshc.relu %a : !meshc.tensor<batch=8, hidden=6, f32>
    %w2 = meshc.param "w2" normal {scale = 0.1} : !meshc.tensor<hidden=6, classes=4, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    // CHECK: meshc.softmax_xent
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    // CHECK: meshc.minimize sgd %{{.+}} {learning_rate = 1.000000e-01 : f64} : !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
