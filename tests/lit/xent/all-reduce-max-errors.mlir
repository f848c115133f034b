// RUN: meshc-opt --split-input-file --verify-diagnostics %s

// meshc.all_reduce_max: the op's own verifier.
func.func @no_axes(%x: !meshc.tensor<batch=4, f32>) {
  // expected-error @+1 {{'meshc.all_reduce_max' op needs at least one mesh axis}}
  %r = meshc.all_reduce_max %x {axes = []} : !meshc.tensor<batch=4, f32>
  return
}

// -----

func.func @not_f32(%x: !meshc.tensor<batch=4, i32>) {
  // expected-error @+1 {{'meshc.all_reduce_max' op the operand must have element type f32, not 'i32'}}
  %r = meshc.all_reduce_max %x {axes = ["m"]} : !meshc.tensor<batch=4, i32>
  return
}

// -----

// In a per-rank program its operand must be partial over its axes (a part of a maximum).
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  func.func @complete_operand() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.param "x" zeros {meshc.sharding = [#meshc.sharding<[[]]>], scale = 0.0} : !meshc.tensor<batch=4, f32>
    // expected-error @+1 {{'meshc.all_reduce_max' op takes the maximum over mesh axis 'm', over which its operand is not partial}}
    %r = meshc.all_reduce_max %x {axes = ["m"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<batch=4, f32>
    return
  }
}
