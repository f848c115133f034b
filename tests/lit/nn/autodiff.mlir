// RUN: meshc-opt %s --split-input-file --meshc-autodiff | FileCheck %s

// layer_norm's adjoint is layer_norm_grad of the input and the result's adjoint; gelu's is
// gelu_grad.
// CHECK-LABEL: func.func @layer_norm_gelu
// CHECK: %[[X:.+]] = meshc.param "x"
// CHECK: %[[N:.+]] = meshc.layer_norm %[[X]] {dim = "d", epsilon = 1.000000e-05 : f64}
// CHECK: %[[G:.+]] = meshc.gelu %[[N]]
// CHECK: %[[DG:.+]] = meshc.gelu_grad %[[N]], %{{.+}} : !meshc.tensor<s=4, d=8, f32>
// CHECK: %[[DX:.+]] = meshc.layer_norm_grad %[[X]], %[[DG]] {dim = "d", epsilon = 1.000000e-05 : f64} : !meshc.tensor<s=4, d=8, f32>
// CHECK: meshc.sgd_update %[[X]], %[[DX]]
func.func @layer_norm_gelu() {
  %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, d=8, f32>
  %n = meshc.layer_norm %x {dim = "d", epsilon = 1.0e-5} : !meshc.tensor<s=4, d=8, f32>
  %g = meshc.gelu %n : !meshc.tensor<s=4, d=8, f32>
  %l = meshc.reduce_sum %g : !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// softmax's adjoint y * (dy - sum_t(dy * y)) is built from mul, reduce_sum and sub; the causal
// mask's adjoint is the same mask writing 0.
// CHECK-LABEL: func.func @masked_softmax
// CHECK: %[[M:.+]] = meshc.causal_mask %{{.+}} {key_dim = "t", query_dim = "s"}
// CHECK: %[[Y:.+]] = meshc.softmax %[[M]] {dim = "t"}
// CHECK: %[[P:.+]] = meshc.mul %[[DY:.+]], %[[Y]]
// CHECK-NEXT: %[[S:.+]] = meshc.reduce_sum %[[P]] : !meshc.tensor<h=2, s=4, t=4, f32> -> !meshc.tensor<h=2, s=4, f32>
// CHECK-NEXT: %[[C:.+]] = meshc.sub %[[DY]], %[[S]]
// CHECK-NEXT: %[[DM:.+]] = meshc.mul %[[C]], %[[Y]]
// CHECK-NEXT: %[[DX:.+]] = meshc.causal_mask %[[DM]] {key_dim = "t", query_dim = "s", value = 0.000000e+00 : f64}
// CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[DX]]
func.func @masked_softmax() {
  %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<h=2, s=4, t=4, f32>
  %r = meshc.input "r" features {classes = 2} : !meshc.tensor<h=2, s=4, t=4, f32>
  %m = meshc.causal_mask %x {query_dim = "s", key_dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
  %y = meshc.softmax %m {dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
  %yr = meshc.mul %y, %r : !meshc.tensor<h=2, s=4, t=4, f32>, !meshc.tensor<h=2, s=4, t=4, f32> -> !meshc.tensor<h=2, s=4, t=4, f32>
  %l = meshc.reduce_sum %yr : !meshc.tensor<h=2, s=4, t=4, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// dropout's adjoint is the same dropout (same rate and key: the same mask).
// CHECK-LABEL: func.func @dropout
// CHECK: meshc.dropout %{{.+}} {key = 7 : i64, rate = 2.500000e-01 : f64}
// CHECK: %[[DX:.+]] = meshc.dropout %{{.+}} {key = 7 : i64, rate = 2.500000e-01 : f64}
// CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[DX]]
func.func @dropout() {
  %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<i=8, f32>
  %d = meshc.dropout %x {rate = 0.25, key = 7} : !meshc.tensor<i=8, f32>
  %l = meshc.reduce_sum %d : !meshc.tensor<i=8, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Adam: one adam_update per parameter, the minimize's attributes with defaults filled in.
// CHECK-LABEL: func.func @adam
// CHECK: %[[W:.+]] = meshc.param "w"
// CHECK: %[[B:.+]] = meshc.param "b"
// CHECK: meshc.adam_update %[[W]], %{{.+}} {beta1 = 8.000000e-01 : f64, beta2 = {{.+}} : f64, epsilon = 1.000000e-08 : f64, learning_rate = 1.000000e-02 : f64}
// CHECK-NEXT: meshc.adam_update %[[B]], %{{.+}} {beta1 = 8.000000e-01 : f64
// CHECK-NEXT: meshc.output "loss"
func.func @adam() {
  %w = meshc.param "w" uniform {scale = 1.0} : !meshc.tensor<i=8, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<i=8, f32>
  %s = meshc.add %w, %b : !meshc.tensor<i=8, f32>, !meshc.tensor<i=8, f32> -> !meshc.tensor<i=8, f32>
  %g = meshc.gelu %s : !meshc.tensor<i=8, f32>
  %l = meshc.reduce_sum %g : !meshc.tensor<i=8, f32> -> !meshc.tensor<f32>
  meshc.minimize adam %l {learning_rate = 0.01, beta1 = 0.8} : !meshc.tensor<f32>
  return
}

// -----

// Momentum: default momentum 0.9.
// CHECK-LABEL: func.func @momentum
// CHECK: meshc.momentum_update %{{.+}}, %{{.+}} {learning_rate = 5.000000e-02 : f64, momentum = 9.000000e-01 : f64}
// CHECK-NEXT: meshc.output "loss"
func.func @momentum() {
  %w = meshc.param "w" uniform {scale = 1.0} : !meshc.tensor<i=8, f32>
  %g = meshc.gelu %w : !meshc.tensor<i=8, f32>
  %l = meshc.reduce_sum %g : !meshc.tensor<i=8, f32> -> !meshc.tensor<f32>
  meshc.minimize momentum %l {learning_rate = 0.05} : !meshc.tensor<f32>
  return
}
