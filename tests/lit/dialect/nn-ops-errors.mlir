// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// The verifiers of the NN ops (MeshcNNOps.cpp) that tests/lit/nn/*errors.mlir do not reach.

func.func @clip_no_gradient() {
  // expected-error @+1 {{'meshc.clip_global_norm' op needs at least one gradient}}
  "meshc.clip_global_norm"() {max_norm = 1.0} : () -> ()
  return
}

// -----

func.func @clip_result_count(%g: !meshc.tensor<i=2, f32>) {
  // expected-error @+1 {{'meshc.clip_global_norm' op has 2 results for 1 gradients}}
  %c:2 = meshc.clip_global_norm %g {max_norm = 1.0} : !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32>, !meshc.tensor<i=2, f32>
  return
}

// -----

func.func @clip_replica_count(%g: !meshc.tensor<i=2, f32>) {
  // expected-error @+1 {{'meshc.clip_global_norm' op has 2 replicas for 1 gradients}}
  %c = meshc.clip_global_norm %g {max_norm = 1.0, replicas = array<i64: 1, 1>} : !meshc.tensor<i=2, f32> -> !meshc.tensor<i=2, f32>
  return
}
