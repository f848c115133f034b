// RUN: meshc-opt --meshc-partition --split-input-file --verify-diagnostics %s

// expected-error @+1 {{program has no mesh; pass --mesh or set one in the model}}
module {
  func.func @no_mesh() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  func.func @no_rule() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    // expected-error @+1 {{'meshc.all_reduce' op has no sharding rule and cannot be partitioned}}
    %r = meshc.all_reduce %x {axes = ["b"]} : !meshc.tensor<batch=8, f32>
    return
  }
}
