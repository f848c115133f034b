// RUN: meshc-opt --split-input-file --verify-diagnostics %s

// meshc.remat on a fused op: the unit mark or the number of recomputed ops it holds, >= 1.
func.func @zero(%a: !meshc.tensor<n=2, f32>, %b: !meshc.tensor<n=2, f32>) {
  // expected-error @+1 {{'meshc.fused_elementwise' op 'meshc.remat' on a fused op must be a unit attribute or the number of recomputed ops it holds (i64 >= 1), not 0 : i64}}
  %r = meshc.fused_elementwise %a, %b {ops = ["add", "relu"], args = array<i32: 0, 1, 2, -1>, constants = array<f64: 0.0, 0.0>, meshc.remat = 0 : i64} : (!meshc.tensor<n=2, f32>, !meshc.tensor<n=2, f32>) -> !meshc.tensor<n=2, f32>
  return
}

// -----

func.func @i32(%a: !meshc.tensor<n=2, f32>, %b: !meshc.tensor<n=2, f32>) {
  // expected-error @+1 {{'meshc.add_layer_norm' op 'meshc.remat' on a fused op must be a unit attribute or the number of recomputed ops it holds (i64 >= 1), not 2 : i32}}
  %s, %r = meshc.add_layer_norm %a, %b {dim = "n", epsilon = 1.0e-5, meshc.remat = 2 : i32} : !meshc.tensor<n=2, f32>
  return
}

// -----

// A count on an unfused op is refused: it is one op.
func.func @count_on_plain(%a: !meshc.tensor<n=2, f32>) {
  // expected-error @+1 {{'meshc.relu' op 'meshc.remat' must be a unit attribute on a meshc op}}
  %r = meshc.relu %a {meshc.remat = 2 : i64} : !meshc.tensor<n=2, f32>
  return
}
