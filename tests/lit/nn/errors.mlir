// RUN: meshc-opt %s --split-input-file -verify-diagnostics

func.func @layer_norm_dim() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, d=8, f32>
  // expected-error @+1 {{'meshc.layer_norm' op normalised dimension 'e' is not a dimension of '!meshc.tensor<s=4, d=8, f32>'}}
  %n = meshc.layer_norm %x {dim = "e", epsilon = 1.0e-5} : !meshc.tensor<s=4, d=8, f32>
  return
}

// -----

func.func @layer_norm_epsilon() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, d=8, f32>
  // expected-error @+1 {{'meshc.layer_norm' op epsilon must be positive, not 0}}
  %n = meshc.layer_norm %x {dim = "d", epsilon = 0.0} : !meshc.tensor<s=4, d=8, f32>
  return
}

// -----

func.func @layer_norm_grad_dim() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, d=8, f32>
  // expected-error @+1 {{'meshc.layer_norm_grad' op normalised dimension 'e' is not a dimension of}}
  %n = meshc.layer_norm_grad %x, %x {dim = "e", epsilon = 1.0e-5} : !meshc.tensor<s=4, d=8, f32>
  return
}

// -----

func.func @gelu_of_labels() {
  %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<s=4, i32>
  // expected-error @+1 {{'meshc.gelu' op the operand must have element type f32, not 'i32'}}
  %g = meshc.gelu %y : !meshc.tensor<s=4, i32>
  return
}

// -----

func.func @softmax_dim() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, d=8, f32>
  // expected-error @+1 {{'meshc.softmax' op softmax dimension 'k' is not a dimension of}}
  %p = meshc.softmax %x {dim = "k"} : !meshc.tensor<s=4, d=8, f32>
  return
}

// -----

func.func @causal_mask_missing_key() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, t=4, f32>
  // expected-error @+1 {{'meshc.causal_mask' op key dimension 'k' is not a dimension of}}
  %m = meshc.causal_mask %x {query_dim = "s", key_dim = "k"} : !meshc.tensor<s=4, t=4, f32>
  return
}

// -----

func.func @causal_mask_missing_query() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, t=4, f32>
  // expected-error @+1 {{'meshc.causal_mask' op query dimension 'q' is not a dimension of}}
  %m = meshc.causal_mask %x {query_dim = "q", key_dim = "t"} : !meshc.tensor<s=4, t=4, f32>
  return
}

// -----

func.func @causal_mask_same_dim() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, t=4, f32>
  // expected-error @+1 {{'meshc.causal_mask' op query and key dimensions must differ, both are 's'}}
  %m = meshc.causal_mask %x {query_dim = "s", key_dim = "s"} : !meshc.tensor<s=4, t=4, f32>
  return
}

// -----

func.func @causal_mask_sizes() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, t=2, f32>
  // expected-error @+1 {{'meshc.causal_mask' op query dimension 's' has size 4 but key dimension 't' has size 2}}
  %m = meshc.causal_mask %x {query_dim = "s", key_dim = "t"} : !meshc.tensor<s=4, t=2, f32>
  return
}

// -----

func.func @dropout_rate() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.dropout' op rate must be in [0, 1), not 1}}
  %d = meshc.dropout %x {rate = 1.0, key = 0} : !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @adam_not_param() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.adam_update' op must update the value of a meshc.param}}
  meshc.adam_update %x, %x {learning_rate = 0.1, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @adam_grad_type() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<s=4, f32>
  %g = meshc.input "g" features {classes = 2} : !meshc.tensor<s=2, f32>
  // expected-error @+1 {{'meshc.adam_update' op gradient type '!meshc.tensor<s=2, f32>' differs from the parameter type '!meshc.tensor<s=4, f32>'}}
  meshc.adam_update %w, %g {learning_rate = 0.1, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=2, f32>
  return
}

// -----

func.func @adam_learning_rate() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.adam_update' op learning rate must be positive}}
  meshc.adam_update %w, %w {learning_rate = 0.0, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @adam_beta1() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.adam_update' op beta1 must be in [0, 1), not 1.5}}
  meshc.adam_update %w, %w {learning_rate = 0.1, beta1 = 1.5, beta2 = 0.999, epsilon = 1.0e-8} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @adam_beta2() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.adam_update' op beta2 must be in [0, 1), not 1}}
  meshc.adam_update %w, %w {learning_rate = 0.1, beta1 = 0.9, beta2 = 1.0, epsilon = 1.0e-8} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @adam_epsilon() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.adam_update' op epsilon must be positive, not -1}}
  meshc.adam_update %w, %w {learning_rate = 0.1, beta1 = 0.9, beta2 = 0.999, epsilon = -1.0} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @momentum_value() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.momentum_update' op momentum must be in [0, 1), not 1}}
  meshc.momentum_update %w, %w {learning_rate = 0.1, momentum = 1.0} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @momentum_not_param() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<s=4, f32>
  // expected-error @+1 {{'meshc.momentum_update' op must update the value of a meshc.param}}
  meshc.momentum_update %x, %x {learning_rate = 0.1, momentum = 0.9} : !meshc.tensor<s=4, f32>, !meshc.tensor<s=4, f32>
  return
}

// -----

func.func @minimize_attribute_of_other_optimizer(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op attribute 'momentum' belongs to optimizer momentum, not adam}}
  meshc.minimize adam %l {learning_rate = 0.1, momentum = 0.9} : !meshc.tensor<f32>
  return
}

// -----

func.func @minimize_sgd_with_beta(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op attribute 'beta1' belongs to optimizer adam, not sgd}}
  meshc.minimize sgd %l {learning_rate = 0.1, beta1 = 0.9} : !meshc.tensor<f32>
  return
}

// -----

func.func @minimize_bad_beta2(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op beta2 must be in [0, 1), not 1}}
  meshc.minimize adam %l {learning_rate = 0.1, beta2 = 1.0} : !meshc.tensor<f32>
  return
}

// -----

func.func @minimize_bad_epsilon(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op epsilon must be positive, not 0}}
  meshc.minimize adam %l {learning_rate = 0.1, epsilon = 0.0} : !meshc.tensor<f32>
  return
}

// -----

func.func @minimize_bad_momentum(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op momentum must be in [0, 1), not 2}}
  meshc.minimize momentum %l {learning_rate = 0.1, momentum = 2.0} : !meshc.tensor<f32>
  return
}
