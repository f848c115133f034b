// RUN: meshc-opt --meshc-partition-pipeline='bucket-bytes=0' %s | FileCheck %s

// Up to 6 classes the class dim is gathered whole instead: the three row all_reduces of the
// vocab-parallel form would send 3 x 2(p-1)/p row bytes per rank, more than the (p-1) x 6/p of
// gathering 6 classes (ShardingRules.cpp). 6 classes on m=2: all_gather, no all_reduce_max.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"classes:m">} {
  // CHECK-LABEL: func.func @six_classes
  // CHECK-NOT: meshc.all_reduce_max
  // CHECK: meshc.all_gather %{{.+}} {axis = "m", dim = "classes"{{.*}}} : !meshc.tensor<batch=4, classes=3, f32> -> !meshc.tensor<batch=4, classes=6, f32>
  // CHECK: meshc.softmax_xent
  // CHECK: meshc.softmax_xent_grad
  // CHECK-NOT: meshc.all_reduce_max
  func.func @six_classes() {
    %x = meshc.input "x" features {classes = 6} : !meshc.tensor<batch=4, d=4, f32>
    %y = meshc.input "y" labels {classes = 6} : !meshc.tensor<batch=4, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, classes=6, f32>
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=4, d=4, f32>, !meshc.tensor<d=4, classes=6, f32> -> !meshc.tensor<batch=4, classes=6, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=4, classes=6, f32>, !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
