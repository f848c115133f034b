// RUN: meshc-opt %s --split-input-file --meshc-fuse-attention | FileCheck %s
// A chain left unfused is no error: nothing goes to stderr.
// RUN: meshc-opt %s --split-input-file --meshc-fuse-attention 2>&1 >/dev/null | count 0

// The transformer's chain (q [b, s, h, e] . k [b, t, h, e] -> P [b, h, s, t], causal mask,
// softmax over t, dropout, . v) becomes one meshc.attention whose out replaces the second
// einsum's result; the intermediate ops are gone.
// CHECK-LABEL: func.func @causal_dropout
// CHECK: %[[Q:.+]] = meshc.input "q"
// CHECK: %[[K:.+]] = meshc.input "k"
// CHECK: %[[V:.+]] = meshc.input "v"
// CHECK: %[[OUT:.+]], %{{.+}} = meshc.attention %[[Q]], %[[K]], %[[V]] {causal = true, dropout_key = 7 : i64, dropout_rate = 1.000000e-01 : f64, key_dim = "t", probs_dims = ["b", "h", "s", "t"], query_dim = "s"} : !meshc.tensor<b=2, s=4, h=3, e=5, f32>, !meshc.tensor<b=2, t=4, h=3, e=5, f32>, !meshc.tensor<b=2, t=4, h=3, e=5, f32> -> !meshc.tensor<b=2, s=4, h=3, e=5, f32>, !meshc.tensor<b=2, h=3, s=4, f32>
// CHECK-NOT: meshc.einsum
// CHECK-NOT: meshc.softmax
// CHECK-NOT: meshc.causal_mask
// CHECK-NOT: meshc.dropout
// CHECK: meshc.reduce_sum %[[OUT]]
func.func @causal_dropout() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<b=2, s=4, h=3, e=5, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<b=2, t=4, h=3, e=5, f32>
  %v = meshc.input "v" features {classes = 2} : !meshc.tensor<b=2, t=4, h=3, e=5, f32>
  %s = meshc.einsum %q, %k : !meshc.tensor<b=2, s=4, h=3, e=5, f32>, !meshc.tensor<b=2, t=4, h=3, e=5, f32> -> !meshc.tensor<b=2, h=3, s=4, t=4, f32>
  %m = meshc.causal_mask %s {query_dim = "s", key_dim = "t"} : !meshc.tensor<b=2, h=3, s=4, t=4, f32>
  %p = meshc.softmax %m {dim = "t"} : !meshc.tensor<b=2, h=3, s=4, t=4, f32>
  %d = meshc.dropout %p {rate = 0.1, key = 7} : !meshc.tensor<b=2, h=3, s=4, t=4, f32>
  %o = meshc.einsum %d, %v : !meshc.tensor<b=2, h=3, s=4, t=4, f32>, !meshc.tensor<b=2, t=4, h=3, e=5, f32> -> !meshc.tensor<b=2, s=4, h=3, e=5, f32>
  %l = meshc.reduce_sum %o : !meshc.tensor<b=2, s=4, h=3, e=5, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Without mask or dropout, k as the first operand of the scores, v's value dim f other than
// the contracted e, and a query count other than the key count.
// CHECK-LABEL: func.func @plain
// CHECK: meshc.attention %[[Q:.+]], %[[K:.+]], %[[V:.+]] {causal = false, dropout_key = 0 : i64, dropout_rate = 0.000000e+00 : f64, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"}
// CHECK-NOT: meshc.softmax
func.func @plain() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=3, e=5, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=6, e=5, f32>
  %v = meshc.input "v" features {classes = 2} : !meshc.tensor<t=6, f=2, f32>
  %s = meshc.einsum %k, %q : !meshc.tensor<t=6, e=5, f32>, !meshc.tensor<s=3, e=5, f32> -> !meshc.tensor<s=3, t=6, f32>
  %p = meshc.softmax %s {dim = "t"} : !meshc.tensor<s=3, t=6, f32>
  %o = meshc.einsum %v, %p : !meshc.tensor<t=6, f=2, f32>, !meshc.tensor<s=3, t=6, f32> -> !meshc.tensor<s=3, f=2, f32>
  %l = meshc.reduce_sum %o : !meshc.tensor<s=3, f=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// The probabilities have a second use (a metric reads them): nothing is fused.
// CHECK-LABEL: func.func @probs_used_twice
// CHECK: meshc.einsum
// CHECK: meshc.softmax
// CHECK: meshc.einsum
// CHECK-NOT: meshc.attention
func.func @probs_used_twice() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=3, e=5, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=6, e=5, f32>
  %v = meshc.input "v" features {classes = 2} : !meshc.tensor<t=6, f=2, f32>
  %s = meshc.einsum %q, %k : !meshc.tensor<s=3, e=5, f32>, !meshc.tensor<t=6, e=5, f32> -> !meshc.tensor<s=3, t=6, f32>
  %p = meshc.softmax %s {dim = "t"} : !meshc.tensor<s=3, t=6, f32>
  %o = meshc.einsum %p, %v : !meshc.tensor<s=3, t=6, f32>, !meshc.tensor<t=6, f=2, f32> -> !meshc.tensor<s=3, f=2, f32>
  %l = meshc.reduce_sum %o : !meshc.tensor<s=3, f=2, f32> -> !meshc.tensor<f32>
  meshc.metric "p", %p : !meshc.tensor<s=3, t=6, f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// The probabilities (softmax over t) weigh v along the query dim s, not the key dim: not
// attention, nothing is fused.
// CHECK-LABEL: func.func @weights_along_queries
// CHECK-NOT: meshc.attention
func.func @weights_along_queries() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=3, e=5, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=6, e=5, f32>
  %v = meshc.input "v" features {classes = 2} : !meshc.tensor<s=3, f=2, f32>
  %s = meshc.einsum %q, %k : !meshc.tensor<s=3, e=5, f32>, !meshc.tensor<t=6, e=5, f32> -> !meshc.tensor<s=3, t=6, f32>
  %p = meshc.softmax %s {dim = "t"} : !meshc.tensor<s=3, t=6, f32>
  %o = meshc.einsum %p, %v : !meshc.tensor<s=3, t=6, f32>, !meshc.tensor<s=3, f=2, f32> -> !meshc.tensor<t=6, f=2, f32>
  %l = meshc.reduce_sum %o : !meshc.tensor<t=6, f=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Scores without a contracted dim (an outer product of q and k): meshc.attention cannot take
// them, so the chain stays, silently.
// CHECK-LABEL: func.func @outer_product_scores
// CHECK-NOT: meshc.attention
// CHECK: meshc.softmax
func.func @outer_product_scores() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=3, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=6, f32>
  %v = meshc.input "v" features {classes = 2} : !meshc.tensor<t=6, f=2, f32>
  %s = meshc.einsum %q, %k : !meshc.tensor<s=3, f32>, !meshc.tensor<t=6, f32> -> !meshc.tensor<s=3, t=6, f32>
  %p = meshc.softmax %s {dim = "t"} : !meshc.tensor<s=3, t=6, f32>
  %o = meshc.einsum %p, %v : !meshc.tensor<s=3, t=6, f32>, !meshc.tensor<t=6, f=2, f32> -> !meshc.tensor<s=3, f=2, f32>
  %l = meshc.reduce_sum %o : !meshc.tensor<s=3, f=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
