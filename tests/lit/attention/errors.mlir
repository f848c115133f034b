// RUN: meshc-opt %s --split-input-file -verify-diagnostics

func.func @query_is_key() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=4, e=3, f32>
  // expected-error @+1 {{'meshc.attention' op query_dim 's' and key_dim 's' must be two different dims of probs_dims}}
  %o, %lse = meshc.attention %q, %q, %q {causal = false, dropout_key = 0, dropout_rate = 0.0, key_dim = "s", probs_dims = ["s", "t"], query_dim = "s"} : !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, e=3, f32> -> !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @k_without_key() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=4, e=3, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<u=4, e=3, f32>
  %v = meshc.input "v" features {classes = 2} : !meshc.tensor<t=4, e=3, f32>
  // expected-error @+1 {{'meshc.attention' op k must have the dims {t, e}, not '!meshc.tensor<u=4, e=3, f32>'}}
  %o, %lse = meshc.attention %q, %k, %v {causal = false, dropout_key = 0, dropout_rate = 0.0, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"} : !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<u=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32> -> !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @sizes_disagree() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=4, e=3, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=4, e=2, f32>
  %v = meshc.input "v" features {classes = 2} : !meshc.tensor<t=4, e=3, f32>
  // expected-error @+1 {{'meshc.attention' op dim 'e' has size 3 in one operand and 2 in another}}
  %o, %lse = meshc.attention %q, %k, %v {causal = false, dropout_key = 0, dropout_rate = 0.0, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"} : !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<t=4, e=2, f32>, !meshc.tensor<t=4, e=3, f32> -> !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @causal_needs_square() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=3, e=3, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=4, e=3, f32>
  // expected-error @+1 {{'meshc.attention' op a causal mask needs as many queries as keys: 's' has 3, 't' 4}}
  %o, %lse = meshc.attention %q, %k, %k {causal = true, dropout_key = 0, dropout_rate = 0.0, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"} : !meshc.tensor<s=3, e=3, f32>, !meshc.tensor<t=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32> -> !meshc.tensor<s=3, e=3, f32>, !meshc.tensor<s=3, f32>
  return
}

// -----

func.func @dropout_rate() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=4, e=3, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=4, e=3, f32>
  // expected-error @+1 {{'meshc.attention' op dropout_rate must be in [0, 1), not 1}}
  %o, %lse = meshc.attention %q, %k, %k {causal = false, dropout_key = 0, dropout_rate = 1.0, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"} : !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32> -> !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @lse_dims() {
  %q = meshc.input "q" features {classes = 2} : !meshc.tensor<s=4, e=3, f32>
  %k = meshc.input "k" features {classes = 2} : !meshc.tensor<t=4, e=3, f32>
  // expected-error @+1 {{'meshc.attention' op lse must have the dims {s}, not '!meshc.tensor<s=4, t=4, f32>'}}
  %o, %lse = meshc.attention %q, %k, %k {causal = false, dropout_key = 0, dropout_rate = 0.0, key_dim = "t", probs_dims = ["s", "t"], query_dim = "s"} : !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32>, !meshc.tensor<t=4, e=3, f32> -> !meshc.tensor<s=4, e=3, f32>, !meshc.tensor<s=4, t=4, f32>
  return
}
