// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// The verifiers of AdamW's weight decay and of gradient clipping (meshc.minimize's
// weight_decay and clip_norm, meshc.clip_global_norm, meshc.adam_update's weight_decay).

func.func @minimize_negative_weight_decay(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op weight_decay must be non-negative and finite, not -0.100000}}
  meshc.minimize adam %l {learning_rate = 0.1, weight_decay = -0.1} : !meshc.tensor<f32>
  return
}

// -----

func.func @minimize_weight_decay_of_sgd(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op attribute 'weight_decay' belongs to optimizer adam, not sgd}}
  meshc.minimize sgd %l {learning_rate = 0.1, weight_decay = 0.1} : !meshc.tensor<f32>
  return
}

// -----

func.func @minimize_zero_clip_norm(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op clip_norm must be positive and finite, not 0.000000}}
  meshc.minimize momentum %l {learning_rate = 0.1, clip_norm = 0.0} : !meshc.tensor<f32>
  return
}

// -----

func.func @clip_negative_max_norm() {
  %g = meshc.param "g" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  // expected-error @+1 {{'meshc.clip_global_norm' op max_norm must be positive and finite, not -1.000000}}
  %c = meshc.clip_global_norm %g {max_norm = -1.0} : !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32>
  return
}

// -----

func.func @clip_result_type(%g: !meshc.tensor<i=2, f32>) {
  // expected-error @+1 {{'meshc.clip_global_norm' op result 0 has type '!meshc.tensor<i=3, f32>' but its gradient has type '!meshc.tensor<i=2, f32>'}}
  %c = meshc.clip_global_norm %g {max_norm = 1.0} : !meshc.tensor<i=2, f32> -> !meshc.tensor<i=3, f32>
  return
}

// -----

func.func @clip_result_count(%g: !meshc.tensor<i=2, f32>) {
  // expected-error @+1 {{'meshc.clip_global_norm' op has 2 results for 1 gradients}}
  %c:2 = meshc.clip_global_norm %g {max_norm = 1.0} : !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32>
  return
}

// -----

func.func @clip_not_f32(%g: !meshc.tensor<i=2, i32>) {
  // expected-error @+1 {{'meshc.clip_global_norm' op every gradient must have element type f32, not 'i32'}}
  %c = meshc.clip_global_norm %g {max_norm = 1.0} : !meshc.tensor<i=2, i32> -> !meshc.tensor<i=2, i32>
  return
}

// -----

func.func @clip_replicas(%g: !meshc.tensor<i=2, f32>) {
  // expected-error @+1 {{'meshc.clip_global_norm' op replicas must be at least 1}}
  %c = meshc.clip_global_norm %g {max_norm = 1.0, replicas = array<i64: 0>} : !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32>
  return
}

// -----

func.func @adam_update_negative_weight_decay() {
  %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<i=2, f32>
  // expected-error @+1 {{'meshc.adam_update' op weight_decay must be non-negative and finite, not -1.000000}}
  meshc.adam_update %w, %w {learning_rate = 0.1, beta1 = 0.9, beta2 = 0.999, epsilon = 1.0e-8, weight_decay = -1.0} : !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32>
  return
}
