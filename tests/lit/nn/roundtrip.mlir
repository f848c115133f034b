// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// The NN family parses and prints back.
// CHECK-LABEL: func.func @nn
func.func @nn() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, d=8, f32>
  // CHECK: %[[N:.+]] = meshc.layer_norm %{{.+}} {dim = "d", epsilon = 1.000000e-05 : f64} : !meshc.tensor<s=4, d=8, f32>
  %n = meshc.layer_norm %x {dim = "d", epsilon = 1.0e-5} : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.layer_norm_grad %{{.+}}, %[[N]] {dim = "d", epsilon = 1.000000e-05 : f64} : !meshc.tensor<s=4, d=8, f32>
  %ng = meshc.layer_norm_grad %x, %n {dim = "d", epsilon = 1.0e-5} : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.gelu %[[N]] : !meshc.tensor<s=4, d=8, f32>
  %g = meshc.gelu %n : !meshc.tensor<s=4, d=8, f32>
  // CHECK: meshc.gelu_grad %[[N]], %{{.+}} : !meshc.tensor<s=4, d=8, f32>
  %gg = meshc.gelu_grad %n, %g : !meshc.tensor<s=4, d=8, f32>
  %sc = meshc.input "sc" features {classes = 2} : !meshc.tensor<h=2, s=4, t=4, f32>
  // CHECK: %[[M:.+]] = meshc.causal_mask %{{.+}} {key_dim = "t", query_dim = "s"} : !meshc.tensor<h=2, s=4, t=4, f32>
  %m = meshc.causal_mask %sc {query_dim = "s", key_dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
  // CHECK: meshc.causal_mask %[[M]] {key_dim = "t", query_dim = "s", value = 0.000000e+00 : f64} : !meshc.tensor<h=2, s=4, t=4, f32>
  %m0 = meshc.causal_mask %m {query_dim = "s", key_dim = "t", value = 0.0} : !meshc.tensor<h=2, s=4, t=4, f32>
  // CHECK: meshc.softmax %[[M]] {dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
  %p = meshc.softmax %m {dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
  // CHECK: meshc.dropout %{{.+}} {key = 3 : i64, rate = 1.000000e-01 : f64} : !meshc.tensor<h=2, s=4, t=4, f32>
  %dr = meshc.dropout %p {rate = 0.1, key = 3} : !meshc.tensor<h=2, s=4, t=4, f32>
  return
}

// CHECK-LABEL: func.func @optimizers
func.func @optimizers() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, f32>
  %l = meshc.reduce_sum %w : !meshc.tensor<d=8, f32> -> !meshc.tensor<f32>
  // CHECK: meshc.adam_update %{{.+}}, %{{.+}} {beta1 = 9.000000e-01 : f64, beta2 = {{.*}} : f64, epsilon = 1.000000e-08 : f64, learning_rate = 1.000000e-03 : f64}
  meshc.adam_update %w, %w {learning_rate = 1.0e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8} : !meshc.tensor<d=8, f32>, !meshc.tensor<d=8, f32>
  // CHECK: meshc.momentum_update %{{.+}}, %{{.+}} {learning_rate = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64}
  meshc.momentum_update %w, %w {learning_rate = 0.1, momentum = 0.9} : !meshc.tensor<d=8, f32>, !meshc.tensor<d=8, f32>
  // CHECK: meshc.minimize adam %{{.+}} {beta1 = 8.000000e-01 : f64, learning_rate = 1.000000e-02 : f64}
  meshc.minimize adam %l {learning_rate = 0.01, beta1 = 0.8} : !meshc.tensor<f32>
  return
}
