// RUN: meshc-opt --meshc-check-layout --split-input-file --verify-diagnostics %s

// The override of meshc.relayout is checked like a layout: by the verifier (it names the
// operand's dims, at most one per axis) and by meshc-check-layout (its axes exist in the
// mesh and divide the dims they split). Each error is located at the relayout.

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @unknown_dim() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // expected-error @+1 {{'meshc.relayout' op layout names dimension 'k', which its operand '!meshc.tensor<d=8, h=8, f32>' lacks}}
    %r = meshc.relayout %w {layout = #meshc.layout<"k:m">} : !meshc.tensor<d=8, h=8, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @two_dims_one_axis() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // expected-error @+1 {{'meshc.relayout' op layout puts dimensions 'd' and 'h' on mesh axis 'm'}}
    %r = meshc.relayout %w {layout = #meshc.layout<"d:m,h:m">} : !meshc.tensor<d=8, h=8, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @unknown_axis() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // expected-error @+1 {{relayout maps dimension 'h' to mesh axis 'x', which mesh 'b=2,m=4' does not have}}
    %r = meshc.relayout %w {layout = #meshc.layout<"h:x">} : !meshc.tensor<d=8, h=8, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @not_divisible() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=6, f32>
    // expected-error @+1 {{relayout splits dimension 'h' of size 6 on mesh axis 'm' of size 4, which does not divide it}}
    %r = meshc.relayout %w {layout = #meshc.layout<"d:b,h:m">} : !meshc.tensor<d=8, h=6, f32>
    return
  }
}

// -----

// A good override passes; axes of size 1 divide everything.
module attributes {meshc.mesh = #meshc.mesh<"one=1,m=2">, meshc.layout = #meshc.layout<"d:m">} {
  func.func @good() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=5, f32>
    %r = meshc.relayout %w {layout = #meshc.layout<"h:one">} : !meshc.tensor<d=8, h=5, f32>
    return
  }
}

// -----

// A misspelt axis of an override gets the closest axis of the mesh.
module attributes {meshc.mesh = #meshc.mesh<"b=2,model=4">} {
  func.func @did_you_mean_axis() {
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<d=8, h=8, f32>
    // expected-error @+1 {{relayout maps dimension 'h' to mesh axis 'modle', which mesh 'b=2,model=4' does not have; did you mean 'model'?}}
    %r = meshc.relayout %w {layout = #meshc.layout<"h:modle">} : !meshc.tensor<d=8, h=8, f32>
    return
  }
}
