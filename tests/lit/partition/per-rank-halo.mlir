// RUN: meshc-opt --split-input-file --verify-diagnostics %s

// The per-rank verifier's halo rules (dialect/IR/PerRankHalo.cpp) and the halo ops' own
// verifiers: hand-written per-rank programs, one violation each.

module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=2, h=4, f32>
    %h = meshc.halo_exchange %x {axis = "m", dim = "h", lo = 1, hi = 1, fill = 0.0, meshc.sharding = [#meshc.sharding<[[], [m]], halo = [0, 0, 1, 1]>]} : !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<n=2, h=6, f32>
    // expected-error @+1 {{operand #0 carries halo rows, which only the input of a window op or meshc.halo_exchange_grad takes}}
    %r = meshc.relu %h {meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=2, h=6, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"a=2,m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"a=2,m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{exchanges 'h' along mesh axis 'a', but its operand's 'h' is not split over that axis alone}}
    %h = meshc.halo_exchange %x {axis = "a", dim = "h", lo = 1, hi = 1, fill = 0.0, meshc.sharding = [#meshc.sharding<[[], [m]], halo = [0, 0, 1, 1]>]} : !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<n=2, h=6, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{result sharding #meshc.sharding<[[], [m]], halo = [0, 0, 1, 2]> does not follow from the operand's #meshc.sharding<[[], [m]]> with a halo of 1 and 1 rows of 'h'}}
    %h = meshc.halo_exchange %x {axis = "m", dim = "h", lo = 1, hi = 1, fill = 0.0, meshc.sharding = [#meshc.sharding<[[], [m]], halo = [0, 0, 1, 2]>]} : !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<n=2, h=6, f32>
    return
  }
}

// -----

// The halo replaces a split dim's padding: the window op runs unpadded on it.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=2, h=4, f32>
    %h = meshc.halo_exchange %x {axis = "m", dim = "h", lo = 1, hi = 1, fill = 0.0, meshc.sharding = [#meshc.sharding<[[], [m]], halo = [0, 0, 1, 1]>]} : !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<n=2, h=6, f32>
    // expected-error @+1 {{pads 'h' by 1 and 1 rows, but its halo rows replace the padding of a split dim (expected 0 and 0)}}
    %p = meshc.avg_pool %h {input_spatial = ["h"], output_spatial = ["h"], window = array<i64: 3>, strides = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=2, h=6, f32> -> !meshc.tensor<n=2, h=4, f32>
    return
  }
}

// -----

// Only a halo exchange or a transposed window op leaves halo rows.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m]]>]} : !meshc.tensor<n=2, h=6, f32>
    // expected-error @+1 {{result #0 carries halo rows, which only meshc.halo_exchange and the result of a transposed window op have}}
    %r = meshc.relu %x {meshc.sharding = [#meshc.sharding<[[], [m]], halo = [0, 0, 1, 1]>]} : !meshc.tensor<n=2, h=6, f32>
    return
  }
}

// -----

func.func @f(%x: !meshc.tensor<n=2, h=4, f32>) {
  // expected-error @+1 {{types '!meshc.tensor<n=2, h=4, f32>' and '!meshc.tensor<n=2, h=5, f32>' must differ by 1 + 1 rows of 'h'}}
  %h = meshc.halo_exchange %x {axis = "m", dim = "h", lo = 1, hi = 1, fill = 0.0} : !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<n=2, h=5, f32>
  return
}

// -----

func.func @f(%x: !meshc.tensor<n=2, h=2, f32>) {
  // expected-error @+1 {{halo of 3 and 0 rows exceeds the 2-row block of 'h' (only neighbours exchange)}}
  %h = meshc.halo_exchange %x {axis = "m", dim = "h", lo = 3, hi = 0, fill = 0.0} : !meshc.tensor<n=2, h=2, f32> -> !meshc.tensor<n=2, h=5, f32>
  return
}

// -----

func.func @f(%x: !meshc.tensor<n=2, h=2, f32>) {
  // expected-error @+1 {{has no dimension 'w'}}
  %h = meshc.halo_exchange_grad %x {axis = "m", dim = "w", lo = 0, hi = 0} : !meshc.tensor<n=2, h=2, f32> -> !meshc.tensor<n=2, h=2, f32>
  return
}

// -----

// expected-error @+1 {{sharding has 2 halo entries for 2 dims (two per dim: rows before and after)}}
func.func @f() attributes {x = #meshc.sharding<[[], []], halo = [1, 1]>} {
  return
}
