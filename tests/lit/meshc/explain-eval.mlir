// RUN: meshc %s --explain | FileCheck %s

// --explain describes a training step: the collective the output's softmax needs (slicing the
// probabilities back to classes:m) is not part of it; it is listed apart, numbered after the
// step's (the number the watchdog names it by in the predict pass).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,classes:m">} {
  func.func @cls() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, classes=4, f32>
    %xd = meshc.dropout %x {rate = 0.25, key = 0} : !meshc.tensor<batch=8, d=4, f32>
    %l = meshc.einsum %xd, %w : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    %a = meshc.argmax %l {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<batch=8, i32>
    %c = meshc.equal %a, %y : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    meshc.metric "accuracy", %c : !meshc.tensor<batch=8, f32>
    %p = meshc.softmax %l {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>
    meshc.prediction "probs", %p : !meshc.tensor<batch=8, classes=4, f32>
    meshc.minimize adam %m {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
}
// CHECK: collectives per rank and step
// CHECK-NEXT: the executable's --stats
// CHECK-NEXT: collective 0: all_gather axes=m
// CHECK-NEXT: collective 1: all_reduce axes=b
// CHECK-NEXT: collective 2: all_slice axes=m
// CHECK-NEXT: collective 3: all_reduce axes=b
// CHECK-EMPTY:
// CHECK-NEXT: not in a training step
// CHECK-NEXT: need, numbered after the step's:
// CHECK-NEXT: eval/predict collective 4: all_slice axes=m bytes=64 at {{.*}}explain-eval.mlir:18:
// CHECK: all 4 calls
