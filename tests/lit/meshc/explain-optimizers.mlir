// RUN: meshc %s --explain | FileCheck %s --check-prefix=ADAM
// RUN: sed -e 's/minimize adam \(%[a-z]*\) {.*} :/minimize momentum \1 {learning_rate = 0.1, momentum = 0.9} :/' %s > %t.mlir
// RUN: meshc %t.mlir --explain | FileCheck %s --check-prefix=MOMENTUM

// Optimizer state in --explain: each rank keeps it in its parameters' layout, so its bytes
// are a multiple of the local parameter bytes: w [d=4, hidden=3] and v [hidden=3, classes=4]
// on mesh b=2,m=2 with hidden:m, 12 + 12 elements = 96 bytes.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  func.func @tiny() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32> loc("tiny.cpp":10:3)
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32> loc("tiny.cpp":11:3)
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, hidden=6, f32> loc("tiny.cpp":12:3)
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<hidden=6, classes=4, f32> loc("tiny.cpp":13:3)
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32> loc("tiny.cpp":14:3)
    %r = meshc.relu %h : !meshc.tensor<batch=8, hidden=6, f32> loc("tiny.cpp":15:3)
    %l = meshc.einsum %r, %v : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32> loc("tiny.cpp":16:3)
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32> loc("tiny.cpp":17:3)
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32> loc("tiny.cpp":18:3)
    meshc.minimize adam %m {learning_rate = 0.01, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8} : !meshc.tensor<f32> loc("tiny.cpp":19:3)
    return
  }
}

// Adam keeps m and v: 2 x 96 bytes. Total 96 + 192 + 80 (inputs) + 384 (the arena, as in
// explain.mlir: the optimizer changes no activation) = 752.
// ADAM: parameters 96  2 tensors
// ADAM: optimizer state 192  optimizer adam
// ADAM: activations (peak) 384
// ADAM: total 752
// Momentum keeps the velocity: 96 bytes.
// MOMENTUM: optimizer state 96  optimizer momentum
// MOMENTUM: total 656
