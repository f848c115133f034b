// RUN: meshc-opt %s --split-input-file --meshc-fuse-attention --meshc-autodiff | FileCheck %s

// attention's adjoint is one attention_grad of q, k, v, out, lse and out's adjoint, with the
// forward's attributes; its three results are q's, k's and v's adjoints.
// CHECK-LABEL: func.func @grad
// CHECK: %[[Q:.+]] = meshc.param "q"
// CHECK: %[[K:.+]] = meshc.param "k"
// CHECK: %[[V:.+]] = meshc.param "v"
// CHECK: %[[OUT:.+]], %[[LSE:.+]] = meshc.attention %[[Q]], %[[K]], %[[V]]
// CHECK: %[[DQ:.+]], %[[DK:.+]], %[[DV:.+]] = meshc.attention_grad %[[Q]], %[[K]], %[[V]], %[[OUT]], %[[LSE]], %{{.+}} {causal = true, dropout_key = 3 : i64, dropout_rate = 2.500000e-01 : f64, key_dim = "t", probs_dims = ["h", "s", "t"], query_dim = "s"}
// CHECK-DAG: meshc.sgd_update %[[Q]], %[[DQ]]
// CHECK-DAG: meshc.sgd_update %[[K]], %[[DK]]
// CHECK-DAG: meshc.sgd_update %[[V]], %[[DV]]
func.func @grad() {
  %q = meshc.param "q" uniform {scale = 1.0} : !meshc.tensor<h=2, s=4, e=3, f32>
  %k = meshc.param "k" uniform {scale = 1.0} : !meshc.tensor<h=2, t=4, e=3, f32>
  %v = meshc.param "v" uniform {scale = 1.0} : !meshc.tensor<h=2, t=4, e=3, f32>
  %s = meshc.einsum %q, %k : !meshc.tensor<h=2, s=4, e=3, f32>, !meshc.tensor<h=2, t=4, e=3, f32> -> !meshc.tensor<h=2, s=4, t=4, f32>
  %m = meshc.causal_mask %s {query_dim = "s", key_dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
  %p = meshc.softmax %m {dim = "t"} : !meshc.tensor<h=2, s=4, t=4, f32>
  %d = meshc.dropout %p {rate = 0.25, key = 3} : !meshc.tensor<h=2, s=4, t=4, f32>
  %o = meshc.einsum %d, %v : !meshc.tensor<h=2, s=4, t=4, f32>, !meshc.tensor<h=2, t=4, e=3, f32> -> !meshc.tensor<h=2, s=4, e=3, f32>
  %l = meshc.reduce_sum %o : !meshc.tensor<h=2, s=4, e=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// The loss may not depend on lse (only attention_grad reads it).
func.func @lse_in_loss() {
  %q = meshc.param "q" uniform {scale = 1.0} : !meshc.tensor<s=4, e=3, f32>
  %k = meshc.param "k" uniform {scale = 1.0} : !meshc.tensor<t=4, e=3, f32>
  %v = meshc.param "v" uniform {scale = 1.0} : !meshc.tensor<t=4, e=3, f32>
  // expected-error @+1 {{'meshc.attention' op result 1 is not differentiable, but the loss depends on it}}
  %o, %lse = meshc.attention %q, %k, %v {causal = false, dropout_key = 0, dropout_rate = 0.0, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"} : !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32> -> !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, f32>
  %l = meshc.reduce_sum %lse : !meshc.tensor<s=4, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
