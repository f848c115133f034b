// RUN: meshc-opt %s --split-input-file --meshc-lower-to-llvm --verify-diagnostics

// expected-error @+1 {{function 'global' is not partitioned (run meshc-partition first)}}
func.func @global() {
  return
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=1">} {
  func.func @undifferentiated() attributes {meshc.per_rank = #meshc.mesh<"b=1">} {
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !meshc.tensor<f32>
    // expected-error @+1 {{must be differentiated before lowering (run meshc-autodiff)}}
    meshc.minimize %w {optimizer = "sgd", learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=1">} {
  func.func @mean() attributes {meshc.per_rank = #meshc.mesh<"b=1">} {
    %w = meshc.param "w" {init = "zeros", scale = 0.0} : !meshc.tensor<d=2, f32>
    // expected-error @+1 {{must be decomposed before lowering (run meshc-decompose)}}
    %m = meshc.reduce_mean %w : !meshc.tensor<d=2, f32> -> !meshc.tensor<f32>
    return
  }
}

// -----

// expected-error @+1 {{expected one meshc function, found 2}}
module attributes {meshc.mesh = #meshc.mesh<"b=1">} {
  func.func @one() attributes {meshc.per_rank = #meshc.mesh<"b=1">} {
    return
  }
  func.func @two() attributes {meshc.per_rank = #meshc.mesh<"b=1">} {
    return
  }
}
