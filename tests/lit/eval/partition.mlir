// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// A metric and an output are held in the layout like any value, as their operands' shardings
// say: the accuracy split on b; the
// probabilities, computed whole over classes by the softmax, sliced back to their layout (b, m).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,classes:m">} {
// CHECK-LABEL: func.func @per_sample
// CHECK: %[[Y:.+]] = meshc.input "y" {{.*}} : !meshc.tensor<batch=4, i32>
// CHECK: %[[A:.+]] = meshc.argmax %{{.+}} {dim = "classes"{{.*}}} : !meshc.tensor<batch=4, classes=4, f32> -> !meshc.tensor<batch=4, i32>
// CHECK-NEXT: %[[C:.+]] = meshc.equal %[[A]], %[[Y]] {meshc.sharding = [#meshc.sharding<{{\[\[}}b]]>]} : !meshc.tensor<batch=4, i32>, !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, f32>
// CHECK-NEXT: meshc.metric "accuracy", %[[C]]{{.*}} : !meshc.tensor<batch=4, f32>
// CHECK: %[[P:.+]] = meshc.softmax %{{.+}} {dim = "classes"{{.*}}} : !meshc.tensor<batch=4, classes=4, f32>
// CHECK-NEXT: %[[PS:.+]] = meshc.all_slice %[[P]] {axis = "m", dim = "classes", meshc.sharding = [#meshc.sharding<{{\[\[}}b], [m]]>]}
// CHECK-NEXT: meshc.prediction "probs", %[[PS]]{{.*}} : !meshc.tensor<batch=4, classes=2, f32>
  func.func @per_sample() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, classes=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %a = meshc.argmax %x {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<batch=8, i32>
    %c = meshc.equal %a, %y : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    meshc.metric "accuracy", %c : !meshc.tensor<batch=8, f32>
    %p = meshc.softmax %x {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>
    meshc.prediction "probs", %p : !meshc.tensor<batch=8, classes=4, f32>
    return
  }
}

// -----

// Replicated (no layout for batch): no axis in the sharding, no collective.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"hidden:m">} {
// CHECK-LABEL: func.func @replicated
// CHECK-NOT: meshc.all_
// CHECK: meshc.metric "m", %{{.+}}{{.*}} : !meshc.tensor<batch=8, f32>
  func.func @replicated() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, f32>
    meshc.metric "m", %x : !meshc.tensor<batch=8, f32>
    return
  }
}
