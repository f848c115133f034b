// RUN: meshc-opt --meshc-partition-pipeline --split-input-file --verify-diagnostics %s
// -verify-diagnostics does not count repeats of an expected error; the errors are counted here:
// RUN: not meshc-opt --meshc-partition-pipeline --split-input-file %s 2>&1 \
// RUN:   | grep -c "error: relayout" | FileCheck %s --check-prefix=COUNT
// COUNT: {{^}}4{{$}}

// A bad override on the path to the loss is reported once, at the user's relayout: autodiff
// gives its adjoint the same override, and the layout check does not check it again.

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @unknown_axis() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=8, f32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d=8, h=8, f32>
    // expected-error @+1 {{relayout maps dimension 'h' to mesh axis 'x', which mesh 'b=2,m=4' does not have}}
    %r = meshc.relayout %w {layout = #meshc.layout<"h:x">} : !meshc.tensor<d=8, h=8, f32>
    %y = meshc.einsum %x, %r : !meshc.tensor<batch=8, d=8, f32>, !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<batch=8, h=8, f32>
    %l = meshc.reduce_mean %y : !meshc.tensor<batch=8, h=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @not_divisible() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=8, f32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d=8, h=6, f32>
    // expected-error @+1 {{relayout splits dimension 'h' of size 6 on mesh axis 'm' of size 4, which does not divide it}}
    %r = meshc.relayout %w {layout = #meshc.layout<"h:m">} : !meshc.tensor<d=8, h=6, f32>
    %y = meshc.einsum %x, %r : !meshc.tensor<batch=8, d=8, f32>, !meshc.tensor<d=8, h=6, f32> -> !meshc.tensor<batch=8, h=6, f32>
    %l = meshc.reduce_mean %y : !meshc.tensor<batch=8, h=6, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// -----

// Two relayouts with one override at two places are two errors, one each.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=4">} {
  func.func @two_places() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=8, f32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d=8, h=8, f32>
    // expected-error @+1 {{relayout maps dimension 'h' to mesh axis 'x', which mesh 'b=2,m=4' does not have}}
    %r = meshc.relayout %w {layout = #meshc.layout<"h:x">} : !meshc.tensor<d=8, h=8, f32>
    %v = meshc.param "v" uniform {scale = 0.3} : !meshc.tensor<d=8, h=8, f32>
    // expected-error @+1 {{relayout maps dimension 'h' to mesh axis 'x', which mesh 'b=2,m=4' does not have}}
    %s = meshc.relayout %v {layout = #meshc.layout<"h:x">} : !meshc.tensor<d=8, h=8, f32>
    %y = meshc.einsum %x, %r : !meshc.tensor<batch=8, d=8, f32>, !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<batch=8, h=8, f32>
    %z = meshc.einsum %x, %s : !meshc.tensor<batch=8, d=8, f32>, !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<batch=8, h=8, f32>
    %a = meshc.add %y, %z : !meshc.tensor<batch=8, h=8, f32>, !meshc.tensor<batch=8, h=8, f32> -> !meshc.tensor<batch=8, h=8, f32>
    %l = meshc.reduce_mean %a : !meshc.tensor<batch=8, h=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
