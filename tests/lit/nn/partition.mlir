// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// 1-D mesh, the normalised dims split: layer_norm and softmax need them whole, so their
// operands are gathered first and the results sliced back to the layout.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"d:m,t:m">} {
// CHECK-LABEL: func.func @whole_dims_split
// CHECK: %[[X:.+]] = meshc.param "x" {{.*}} : !meshc.tensor<s=4, d=4, f32>
// CHECK-NEXT: %[[XG:.+]] = meshc.all_gather %[[X]] {axis = "m", dim = "d"{{.*}}} : !meshc.tensor<s=4, d=4, f32> -> !meshc.tensor<s=4, d=8, f32>
// CHECK-NEXT: %[[N:.+]] = meshc.layer_norm %[[XG]] {{.*}} : !meshc.tensor<s=4, d=8, f32>
// CHECK-NEXT: meshc.all_slice %[[N]] {axis = "m", dim = "d"{{.*}}} : !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<s=4, d=4, f32>
// CHECK: %[[P:.+]] = meshc.param "p" {{.*}} : !meshc.tensor<s=4, t=2, f32>
// CHECK-NEXT: %[[PG:.+]] = meshc.all_gather %[[P]] {axis = "m", dim = "t"{{.*}}}
// CHECK-NEXT: %[[Y:.+]] = meshc.softmax %[[PG]] {dim = "t"{{.*}}} : !meshc.tensor<s=4, t=4, f32>
// CHECK-NEXT: meshc.all_slice %[[Y]] {axis = "m", dim = "t"{{.*}}}
  func.func @whole_dims_split() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, d=8, f32>
    %n = meshc.layer_norm %x {dim = "d", epsilon = 1.0e-5} : !meshc.tensor<s=4, d=8, f32>
    %p = meshc.param "p" uniform {scale = 1.0} : !meshc.tensor<s=4, t=4, f32>
    %y = meshc.softmax %p {dim = "t"} : !meshc.tensor<s=4, t=4, f32>
    return
  }
}

// -----

// 1-D mesh, other dims split: no collective at all.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"s:m">} {
// CHECK-LABEL: func.func @other_dims_split
// CHECK-NOT: meshc.all_
// CHECK: meshc.layer_norm %{{.+}} {{.*}} : !meshc.tensor<s=2, d=8, f32>
// CHECK-NEXT: meshc.gelu %{{.+}}{{.*}} : !meshc.tensor<s=2, d=8, f32>
// CHECK: meshc.softmax %{{.+}} {dim = "t"{{.*}}} : !meshc.tensor<s=2, t=4, f32>
// CHECK-NOT: meshc.all_
  func.func @other_dims_split() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, d=8, f32>
    %n = meshc.layer_norm %x {dim = "d", epsilon = 1.0e-5} : !meshc.tensor<s=4, d=8, f32>
    %g = meshc.gelu %n : !meshc.tensor<s=4, d=8, f32>
    %p = meshc.param "p" uniform {scale = 1.0} : !meshc.tensor<s=4, t=4, f32>
    %y = meshc.softmax %p {dim = "t"} : !meshc.tensor<s=4, t=4, f32>
    return
  }
}

// -----

// 2-D mesh, queries on b and keys on m: the causal mask and dropout run on their slices with
// no collective and find the axes of their split dims in their shardings.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"s:b,t:m">} {
// CHECK-LABEL: func.func @positions
// CHECK-NOT: meshc.all_
// CHECK: meshc.causal_mask %{{.+}} {key_dim = "t", meshc.sharding = [#meshc.sharding<{{\[\[}}], [b], [m]]>], query_dim = "s"} : !meshc.tensor<h=2, s=2, t=2, f32>
// CHECK-NEXT: meshc.dropout %{{.+}} {key = 1 : i64, meshc.sharding = [#meshc.sharding<{{\[\[}}], [b], [m]]>], rate = 1.000000e-01 : f64} : !meshc.tensor<h=2, s=2, t=2, f32>
// CHECK-NOT: meshc.all_
  func.func @positions() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<h=2, s=4, t=4, f32>
    %m = meshc.causal_mask %x {query_dim = "s", key_dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
    %d = meshc.dropout %m {rate = 0.1, key = 1} : !meshc.tensor<h=2, s=4, t=4, f32>
    return
  }
}

// -----

// 2-D mesh, keys on m and heads on b: softmax over the keys gathers them along m only.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"h:b,t:m">} {
// CHECK-LABEL: func.func @softmax_2d
// CHECK: %[[X:.+]] = meshc.param "x" {{.*}} : !meshc.tensor<h=1, s=4, t=2, f32>
// CHECK-NEXT: %[[XG:.+]] = meshc.all_gather %[[X]] {axis = "m", dim = "t"{{.*}}} : !meshc.tensor<h=1, s=4, t=2, f32> -> !meshc.tensor<h=1, s=4, t=4, f32>
// CHECK-NEXT: meshc.softmax %[[XG]] {dim = "t"{{.*}}} : !meshc.tensor<h=1, s=4, t=4, f32>
  func.func @softmax_2d() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<h=2, s=4, t=4, f32>
    %y = meshc.softmax %x {dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
    return
  }
}

// -----

// Adam and momentum updates run on the parameter's slice: the gradient is brought to the
// parameter's layout (here completed over b, the data-parallel axis) and nothing else moves.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,d:m">} {
// CHECK-LABEL: func.func @optimizers
// CHECK: %[[W:.+]] = meshc.param "w" {{.*}} : !meshc.tensor<d=4, f32>
// CHECK: %[[G:.+]] = meshc.all_reduce %{{.+}} {axes = ["b"]{{.*}}} : !meshc.tensor<d=4, f32>
// CHECK: meshc.adam_update %[[W]], %[[G]] {{.*}} : !meshc.tensor<d=4, f32>, !meshc.tensor<d=4, f32>
  func.func @optimizers() {
    %w = meshc.param "w" uniform {scale = 1.0} : !meshc.tensor<d=8, f32>
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=4, d=8, f32>
    %y = meshc.mul %x, %w : !meshc.tensor<batch=4, d=8, f32>, !meshc.tensor<d=8, f32> -> !meshc.tensor<batch=4, d=8, f32>
    %l = meshc.reduce_sum %y : !meshc.tensor<batch=4, d=8, f32> -> !meshc.tensor<f32>
    %one = meshc.fill {value = 1.0} : !meshc.tensor<f32>
    %dy = meshc.broadcast %one : !meshc.tensor<f32> -> !meshc.tensor<batch=4, d=8, f32>
    %dwf = meshc.mul %dy, %x : !meshc.tensor<batch=4, d=8, f32>, !meshc.tensor<batch=4, d=8, f32> -> !meshc.tensor<batch=4, d=8, f32>
    %dw = meshc.reduce_sum %dwf : !meshc.tensor<batch=4, d=8, f32> -> !meshc.tensor<d=8, f32>
    meshc.adam_update %w, %dw {learning_rate = 0.01, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8} : !meshc.tensor<d=8, f32>, !meshc.tensor<d=8, f32>
    meshc.output "loss", %l : !meshc.tensor<f32>
    return
  }
}

// -----

// Only the queries split: the per-rank op holds a 2 x 4 slice of the 4 x 4 mask, which the
// verifier accepts in a partitioned function.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"s:m">} {
// CHECK-LABEL: func.func @queries_split
// CHECK: meshc.causal_mask %{{.+}} {key_dim = "t", meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>], query_dim = "s"} : !meshc.tensor<s=2, t=4, f32>
  func.func @queries_split() {
    %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, t=4, f32>
    %m = meshc.causal_mask %x {query_dim = "s", key_dim = "t"} : !meshc.tensor<s=4, t=4, f32>
    return
  }
}
