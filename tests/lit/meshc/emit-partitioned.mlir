// RUN: meshc %s --emit=partitioned --bucket-bytes 0 | FileCheck %s --check-prefix=STORED
// RUN: meshc %s --emit=partitioned --bucket-bytes 0 --mesh m=2 --layout hidden:m | FileCheck %s --check-prefix=FLAGS
// RUN: meshc %s --emit=global | FileCheck %s --check-prefix=GLOBAL

// The mesh and layout stored in the module are used unless flags override them.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  func.func @mlp() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, hidden=6, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %r = meshc.relu %h : !meshc.tensor<batch=8, hidden=6, f32>
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<hidden=6, classes=4, f32>
    %l = meshc.einsum %r, %v : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// STORED: meshc.input "x" {{.*}} : !meshc.tensor<batch=4, d=4, f32>
// STORED: meshc.all_reduce %{{.+}} {axes = ["b"]{{.*}}} : !meshc.tensor<d=4, hidden=6, f32>
// STORED: meshc.sgd_update

// FLAGS: meshc.mesh = #meshc.mesh<"m=2">
// FLAGS: meshc.input "x" {{.*}} : !meshc.tensor<batch=8, d=4, f32>
// FLAGS: meshc.param "w" {{.*}} : !meshc.tensor<d=4, hidden=3, f32>
// FLAGS: meshc.all_reduce %{{.+}} {axes = ["m"]{{.*}}} : !meshc.tensor<batch=8, classes=4, f32>

// GLOBAL-NOT: meshc.all_reduce
// GLOBAL: meshc.sgd_update
// GLOBAL: meshc.output "loss"
