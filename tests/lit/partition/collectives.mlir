// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// Elementwise ops on operands in their target sharding need no collective, even when one
// operand is broadcast along a split dim.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  // CHECK-LABEL: func.func @elementwise
  // CHECK-NOT: meshc.all_
  // CHECK: meshc.add %{{.+}}, %{{.+}}{{.*}} : !meshc.tensor<batch=4, hidden=3, f32>, !meshc.tensor<hidden=3, f32> -> !meshc.tensor<batch=4, hidden=3, f32>
  // CHECK-NOT: meshc.all_
  // CHECK: return
  func.func @elementwise() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, hidden=6, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<hidden=6, f32>
    %a = meshc.add %x, %b : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %r = meshc.relu %a : !meshc.tensor<batch=8, hidden=6, f32>
    %g = meshc.relu_grad %a, %r : !meshc.tensor<batch=8, hidden=6, f32>
    %m = meshc.mul %g, %b : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    %s = meshc.scale %m {factor = 2.0} : !meshc.tensor<batch=8, hidden=6, f32>
    %f = meshc.fill {value = 1.0} : !meshc.tensor<batch=8, hidden=6, f32>
    %d = meshc.sub %s, %f : !meshc.tensor<batch=8, hidden=6, f32>, !meshc.tensor<batch=8, hidden=6, f32> -> !meshc.tensor<batch=8, hidden=6, f32>
    return
  }
}

// -----

// The softmax ops need the class dim whole: split logits are gathered before them, and the
// gradient, computed whole, is sliced back to its target (classes on m).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,classes:m">} {
  // CHECK-LABEL: func.func @softmax_classes_split
  func.func @softmax_classes_split() {
    // CHECK: %[[LOGITS:.+]] = meshc.input "logits" {{.*}} : !meshc.tensor<batch=4, classes=2, f32>
    %logits = meshc.input "logits" features {classes = 4} : !meshc.tensor<batch=8, classes=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    // CHECK: %[[G1:.+]] = meshc.all_gather %[[LOGITS]] {axis = "m", dim = "classes"{{.*}}} : !meshc.tensor<batch=4, classes=2, f32> -> !meshc.tensor<batch=4, classes=4, f32>
    // CHECK-NEXT: meshc.softmax_xent %[[G1]], {{.*}} -> !meshc.tensor<batch=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %one = meshc.fill {value = 1.0} : !meshc.tensor<batch=8, f32>
    // CHECK: %[[G2:.+]] = meshc.all_gather %[[LOGITS]] {axis = "m", dim = "classes"{{.*}}}
    // CHECK-NEXT: %[[D:.+]] = meshc.softmax_xent_grad %[[G2]], {{.*}} -> !meshc.tensor<batch=4, classes=4, f32>
    // CHECK-NEXT: %[[DS:.+]] = meshc.all_slice %[[D]] {axis = "m", dim = "classes"{{.*}}} : !meshc.tensor<batch=4, classes=4, f32> -> !meshc.tensor<batch=4, classes=2, f32>
    // CHECK-NEXT: meshc.relu %[[DS]]{{.*}} : !meshc.tensor<batch=4, classes=2, f32>
    %d = meshc.softmax_xent_grad %logits, %y, %one {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %r = meshc.relu %d : !meshc.tensor<batch=8, classes=4, f32>
    return
  }
}

// -----

// Two dims on one axis in one op (i in a, k in b, both on mesh axis a): k is summed. Here a
// is small and b large, so gathering a's i is cheaper: the einsum then sums k over its
// slices, a partial sum over the axis that the result wants i split on: reduce_scatter.
module attributes {meshc.mesh = #meshc.mesh<"a=4">, meshc.layout = #meshc.layout<"i:a,k:a">} {
  // CHECK-LABEL: func.func @reduce_scatter
  func.func @reduce_scatter() {
    // CHECK: %[[A:.+]] = meshc.input "a" {{.*}} : !meshc.tensor<i=1, j=8, f32>
    %a = meshc.input "a" features {classes = 4} : !meshc.tensor<i=4, j=8, f32>
    // CHECK: %[[B:.+]] = meshc.param "b" {{.*}} : !meshc.tensor<j=8, k=256, f32>
    %b = meshc.param "b" uniform {scale = 0.5} : !meshc.tensor<j=8, k=1024, f32>
    // CHECK: %[[AG:.+]] = meshc.all_gather %[[A]] {axis = "a", dim = "i"{{.*}}} : !meshc.tensor<i=1, j=8, f32> -> !meshc.tensor<i=4, j=8, f32>
    // CHECK-NEXT: %[[P:.+]] = meshc.einsum %[[AG]], %[[B]]{{.*}} : {{.*}} -> !meshc.tensor<i=4, j=8, f32>
    // CHECK-NEXT: meshc.reduce_scatter %[[P]] {axis = "a", dim = "i"{{.*}}} : !meshc.tensor<i=4, j=8, f32> -> !meshc.tensor<i=1, j=8, f32>
    // CHECK-NOT: meshc.all_reduce
    %c = meshc.einsum %a, %b : !meshc.tensor<i=4, j=8, f32>, !meshc.tensor<j=8, k=1024, f32> -> !meshc.tensor<i=4, j=8, f32>
    return
  }
}

// -----

// The same conflict with operands of equal size: the operand whose dim is only summed (b's
// k) is gathered, the result keeps i split and nothing is partial.
module attributes {meshc.mesh = #meshc.mesh<"a=4">, meshc.layout = #meshc.layout<"i:a,k:a">} {
  // CHECK-LABEL: func.func @gather_summed_only
  func.func @gather_summed_only() {
    %a = meshc.input "a" features {classes = 4} : !meshc.tensor<i=8, j=8, f32>
    // CHECK: %[[B:.+]] = meshc.param "b"
    %b = meshc.param "b" uniform {scale = 0.5} : !meshc.tensor<j=8, k=8, f32>
    // CHECK: %[[BG:.+]] = meshc.all_gather %[[B]] {axis = "a", dim = "k"{{.*}}} : !meshc.tensor<j=8, k=2, f32> -> !meshc.tensor<j=8, k=8, f32>
    // CHECK-NEXT: meshc.einsum %{{.+}}, %[[BG]]{{.*}} : {{.*}} -> !meshc.tensor<i=2, j=8, f32>
    // CHECK-NOT: meshc.all_
    // CHECK-NOT: meshc.reduce_scatter
    %c = meshc.einsum %a, %b : !meshc.tensor<i=8, j=8, f32>, !meshc.tensor<j=8, k=8, f32> -> !meshc.tensor<i=8, j=8, f32>
    return
  }
}
