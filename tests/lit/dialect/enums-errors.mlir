// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// A word outside an enum is a parse error at the word; a string where an enum belongs (the
// form before the enums) is rejected by the op's verifier.

func.func @unknown_optimizer(%l: !meshc.tensor<f32>) {
  // expected-error @+2 {{expected ::meshc::Optimizer to be one of: sgd, momentum, adam}}
  // expected-error @+1 {{failed to parse Meshc_OptimizerAttr parameter 'value'}}
  meshc.minimize rmsprop %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

func.func @unknown_init() {
  // expected-error @+2 {{expected ::meshc::ParamInit to be one of: uniform, normal, zeros, constant}}
  // expected-error @+1 {{failed to parse Meshc_ParamInitAttr parameter 'value'}}
  %w = meshc.param "w" glorot {scale = 0.5} : !meshc.tensor<d=3, f32>
  return
}

// -----

func.func @unknown_input_kind() {
  // expected-error @+2 {{expected ::meshc::InputKind to be one of: features, labels}}
  // expected-error @+1 {{failed to parse Meshc_InputKindAttr parameter 'value'}}
  %x = meshc.input "x" images {classes = 2} : !meshc.tensor<b=2, f32>
  return
}

// -----

func.func @optimizer_as_string(%l: !meshc.tensor<f32>) {
  // expected-error @+1 {{'meshc.minimize' op attribute 'optimizer' failed to satisfy constraint: the optimizer of meshc.minimize}}
  "meshc.minimize"(%l) {optimizer = "sgd", learning_rate = 0.1} : (!meshc.tensor<f32>) -> ()
  return
}

// -----

func.func @init_as_string() {
  // expected-error @+1 {{'meshc.param' op attribute 'init' failed to satisfy constraint: the initialiser of meshc.param}}
  %w = "meshc.param"() {name = "w", init = "uniform", scale = 0.5} : () -> !meshc.tensor<d=3, f32>
  return
}

// -----

func.func @input_kind_as_string() {
  // expected-error @+1 {{'meshc.input' op attribute 'kind' failed to satisfy constraint: the kind of data of meshc.input}}
  %x = "meshc.input"() {name = "x", kind = "features", classes = 2} : () -> !meshc.tensor<b=2, f32>
  return
}
