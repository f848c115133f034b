// RUN: meshc-opt %s --split-input-file | FileCheck %s
// RUN: meshc-opt %s --split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: meshc-opt %s --split-input-file --mlir-print-op-generic | meshc-opt --split-input-file | FileCheck %s

// The optimizer, initialiser and input kind are enum attributes: printed as bare words in
// the custom form, as #meshc<...> attributes in the generic form, and the two read back the
// same.

// CHECK-LABEL: func.func @every_word
// CHECK: meshc.input "x" features {classes = 4 : i64} : !meshc.tensor<b=2, d=3, f32>
// CHECK: meshc.input "y" labels {classes = 4 : i64} : !meshc.tensor<b=2, i32>
// CHECK: meshc.param "u" uniform {scale
// CHECK: meshc.param "n" normal {scale
// CHECK: meshc.param "z" zeros {scale
// CHECK: meshc.param "c" constant {scale
// GENERIC-LABEL: sym_name = "every_word"
// GENERIC: kind = #meshc<input_kind features>
// GENERIC: kind = #meshc<input_kind labels>
// GENERIC: init = #meshc<init uniform>
// GENERIC: init = #meshc<init normal>
// GENERIC: init = #meshc<init zeros>
// GENERIC: init = #meshc<init constant>
func.func @every_word() {
  %x = meshc.input "x" features {classes = 4} : !meshc.tensor<b=2, d=3, f32>
  %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<b=2, i32>
  %u = meshc.param "u" uniform {scale = 0.5} : !meshc.tensor<d=3, f32>
  %n = meshc.param "n" normal {scale = 0.1} : !meshc.tensor<d=3, f32>
  %z = meshc.param "z" zeros {scale = 0.0} : !meshc.tensor<d=3, f32>
  %c = meshc.param "c" constant {scale = -2.0} : !meshc.tensor<d=3, f32>
  return
}

// -----

// CHECK-LABEL: func.func @sgd
// CHECK: meshc.minimize sgd %{{.+}} {learning_rate = 1.000000e-01 : f64} : !meshc.tensor<f32>
// GENERIC-LABEL: sym_name = "sgd"
// GENERIC: optimizer = #meshc<optimizer sgd>
func.func @sgd(%l: !meshc.tensor<f32>) {
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// CHECK-LABEL: func.func @momentum
// CHECK: meshc.minimize momentum %{{.+}} {learning_rate = 1.000000e-01 : f64, momentum = 5.000000e-01 : f64}
// GENERIC-LABEL: sym_name = "momentum"
// GENERIC: optimizer = #meshc<optimizer momentum>
func.func @momentum(%l: !meshc.tensor<f32>) {
  meshc.minimize momentum %l {learning_rate = 0.1, momentum = 0.5} : !meshc.tensor<f32>
  return
}

// -----

// CHECK-LABEL: func.func @adam
// CHECK: meshc.minimize adam %{{.+}} {beta1 = 8.000000e-01 : f64, learning_rate = 1.000000e-01 : f64}
// GENERIC-LABEL: sym_name = "adam"
// GENERIC: optimizer = #meshc<optimizer adam>
func.func @adam(%l: !meshc.tensor<f32>) {
  meshc.minimize adam %l {learning_rate = 0.1, beta1 = 0.8} : !meshc.tensor<f32>
  return
}
