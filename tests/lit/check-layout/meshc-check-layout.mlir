// RUN: meshc-opt --meshc-check-layout --split-input-file --verify-diagnostics %s

// A good program passes without diagnostics; a missing layout means all replicated.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=3">} {
  func.func @no_layout() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=5, f32>
    return
  }
}

// -----

// expected-error @+1 {{program has no mesh; pass --mesh or set one in the model}}
module attributes {meshc.layout = #meshc.layout<"batch:b">} {
  func.func @no_mesh() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    return
  }
}

// -----

// expected-error @+1 {{layout maps dimension 'batch' to mesh axis 'x', which mesh 'b=2' does not have}}
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:x">} {
  func.func @unknown_axis() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    return
  }
}

// -----

// expected-error @+1 {{layout names dimension 'hiden', which no tensor in the program has}}
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b,hiden:b">} {
  func.func @unknown_dim() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  func.func @two_sizes() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    // expected-error @+1 {{dimension 'batch' has sizes 8 and 6 in the program}}
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<batch=6, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:b">} {
  func.func @two_dims_one_axis() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<hidden=4, f32>
    // expected-error @+1 {{tensor !meshc.tensor<batch=8, hidden=4, f32> puts dimensions 'batch' and 'hidden' on mesh axis 'b'}}
    %o = meshc.einsum %x, %w : !meshc.tensor<batch=8, f32>, !meshc.tensor<hidden=4, f32> -> !meshc.tensor<batch=8, hidden=4, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=3">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  func.func @not_divisible() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    // expected-error @+1 {{dimension 'hidden' of size 1000 is not divisible by mesh axis 'm' of size 3}}
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<hidden=1000, f32>
    %v = meshc.relu %w : !meshc.tensor<hidden=1000, f32>
    return
  }
}

// -----

// A misspelt dimension gets the closest name the program has.
// expected-error @+1 {{layout names dimension 'btach', which no tensor in the program has; did you mean 'batch'?}}
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"btach:b">} {
  func.func @did_you_mean_dim() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, hidden=4, f32>
    return
  }
}

// -----

// A misspelt mesh axis gets the closest axis of the mesh.
// expected-error @+1 {{layout maps dimension 'batch' to mesh axis 'dat', which mesh 'data=2,model=2' does not have; did you mean 'data'?}}
module attributes {meshc.mesh = #meshc.mesh<"data=2,model=2">, meshc.layout = #meshc.layout<"batch:dat">} {
  func.func @did_you_mean_axis() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    return
  }
}

// -----

// Nothing close enough: no suggestion (a one-letter name is close to every other one).
// expected-error @+1 {{layout names dimension 'zzz', which no tensor in the program has}}
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"zzz:b">} {
  func.func @no_suggestion() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=8, f32>
    return
  }
}
