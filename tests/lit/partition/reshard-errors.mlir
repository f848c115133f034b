// RUN: meshc-opt --split-input-file --verify-diagnostics %s

// The verifier of meshc.reshard (the op meshc-insert-reshards inserts and meshc-localize
// expands): its shardings fit its type and the module's mesh, and it never leaves a sum pending.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{'to' sharding is partial: a reshard resolves pending sums, it never leaves one}}
    %r = meshc.reshard %x {from = #meshc.sharding<[[]]>, to = #meshc.sharding<[[]], partial = [b]>} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{'from' sharding has 2 dims for a tensor of 1}}
    %r = meshc.reshard %x {from = #meshc.sharding<[[], []]>, to = #meshc.sharding<[[b]]>} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{'to' sharding names mesh axis 'm', which mesh "b=2" lacks}}
    %r = meshc.reshard %x {from = #meshc.sharding<[[]]>, to = #meshc.sharding<[[m]]>} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @f() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{'to' sharding splits dim #0 over several mesh axes; at most one is supported}}
    %r = meshc.reshard %x {from = #meshc.sharding<[[]]>, to = #meshc.sharding<[[b, m]]>} : !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// No reshard is left in a per-rank program.
module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @f() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.param "x" zeros {meshc.sharding = [#meshc.sharding<[[]]>], scale = 0.0} : !meshc.tensor<n=4, f32>
    // expected-error @+1 {{is not allowed in a per-rank program (meshc-localize resolves it into collectives)}}
    %r = meshc.reshard %x {from = #meshc.sharding<[[]]>, to = #meshc.sharding<[[b]]>} : !meshc.tensor<n=4, f32>
    return
  }
}
