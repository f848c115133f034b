// RUN: meshc-opt %s --split-input-file --meshc-autodiff | FileCheck %s

// sigmoid' = y (1 - y) and tanh' = 1 - y^2 reuse the forward result: dy y - (dy y) y and
// dy - (dy y) y.
// CHECK-LABEL: func.func @sigmoid_tanh
// CHECK: %[[S:.+]] = meshc.sigmoid %{{.+}}
// CHECK: %[[T:.+]] = meshc.tanh %[[S]]
// CHECK: %[[DY:.+]] = meshc.broadcast
// CHECK-NEXT: %[[A:.+]] = meshc.mul %[[DY]], %[[T]]
// CHECK-NEXT: %[[B:.+]] = meshc.mul %[[A]], %[[T]]
// CHECK-NEXT: %[[DS:.+]] = meshc.sub %[[DY]], %[[B]]
// CHECK-NEXT: %[[C:.+]] = meshc.mul %[[DS]], %[[S]]
// CHECK-NEXT: %[[D:.+]] = meshc.mul %[[C]], %[[S]]
// CHECK-NEXT: %[[DX:.+]] = meshc.sub %[[C]], %[[D]]
// CHECK-NEXT: meshc.sgd_update %{{.+}}, %[[DX]]
func.func @sigmoid_tanh() {
  %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, d=8, f32>
  %s = meshc.sigmoid %x : !meshc.tensor<s=4, d=8, f32>
  %t = meshc.tanh %s : !meshc.tensor<s=4, d=8, f32>
  %l = meshc.reduce_sum %t : !meshc.tensor<s=4, d=8, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// exp' = y, log' = 1 / x, sqrt' = 1 / (2 y): mul, div, and div then scale by 0.5.
// CHECK-LABEL: func.func @exp_log_sqrt
// CHECK: %[[X:.+]] = meshc.param "x"
// CHECK: %[[E:.+]] = meshc.exp %[[X]]
// CHECK: %[[L:.+]] = meshc.log %[[E]]
// CHECK: %[[Q:.+]] = meshc.sqrt %[[L]]
// CHECK: %[[DY:.+]] = meshc.broadcast
// CHECK-NEXT: %[[A:.+]] = meshc.div %[[DY]], %[[Q]]
// CHECK-NEXT: %[[DL:.+]] = meshc.scale %[[A]] {factor = 5.000000e-01 : f64}
// CHECK-NEXT: %[[DE:.+]] = meshc.div %[[DL]], %[[E]]
// CHECK-NEXT: %[[DX:.+]] = meshc.mul %[[DE]], %[[E]]
// CHECK-NEXT: meshc.sgd_update %[[X]], %[[DX]]
func.func @exp_log_sqrt() {
  %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, f32>
  %e = meshc.exp %x : !meshc.tensor<s=4, f32>
  %l = meshc.log %e : !meshc.tensor<s=4, f32>
  %q = meshc.sqrt %l : !meshc.tensor<s=4, f32>
  %o = meshc.reduce_sum %q : !meshc.tensor<s=4, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %o {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// leaky_relu' = 1 above 0, else alpha: alpha dy + (1 - alpha) relu_grad(x, dy); with alpha = 0
// it is relu_grad alone.
// CHECK-LABEL: func.func @leaky_relu
// CHECK: %[[X:.+]] = meshc.param "x"
// CHECK: %[[R:.+]] = meshc.leaky_relu %[[X]] {alpha = 2.000000e-01 : f64}
// CHECK: %[[Z:.+]] = meshc.leaky_relu %[[R]] {alpha = 0.000000e+00 : f64}
// CHECK: %[[DY:.+]] = meshc.broadcast
// CHECK-NEXT: %[[DR:.+]] = meshc.relu_grad %[[R]], %[[DY]]
// CHECK-NEXT: %[[P:.+]] = meshc.relu_grad %[[X]], %[[DR]]
// CHECK-NEXT: %[[A:.+]] = meshc.scale %[[DR]] {factor = 2.000000e-01 : f64}
// CHECK-NEXT: %[[B:.+]] = meshc.scale %[[P]] {factor = 8.000000e-01 : f64}
// CHECK-NEXT: %[[DX:.+]] = meshc.add %[[A]], %[[B]]
// CHECK-NEXT: meshc.sgd_update %[[X]], %[[DX]]
func.func @leaky_relu() {
  %x = meshc.param "x" uniform {scale = 1.0} : !meshc.tensor<s=4, f32>
  %r = meshc.leaky_relu %x {alpha = 0.2} : !meshc.tensor<s=4, f32>
  %z = meshc.leaky_relu %r {alpha = 0.0} : !meshc.tensor<s=4, f32>
  %o = meshc.reduce_sum %z : !meshc.tensor<s=4, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %o {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// y = a / b with b broadcast along s: da = dy / b, db = -sum_s((dy / b) y), negated after the
// sum.
// CHECK-LABEL: func.func @div
// CHECK: %[[A:.+]] = meshc.param "a"
// CHECK: %[[B:.+]] = meshc.param "b"
// CHECK: %[[Y:.+]] = meshc.div %[[A]], %[[B]]
// CHECK: %[[DY:.+]] = meshc.broadcast
// CHECK-NEXT: %[[Q:.+]] = meshc.div %[[DY]], %[[B]] : !meshc.tensor<s=4, d=3, f32>, !meshc.tensor<d=3, f32> -> !meshc.tensor<s=4, d=3, f32>
// CHECK-NEXT: %[[QY:.+]] = meshc.mul %[[Q]], %[[Y]]
// CHECK-NEXT: %[[S:.+]] = meshc.reduce_sum %[[QY]] : !meshc.tensor<s=4, d=3, f32> -> !meshc.tensor<d=3, f32>
// CHECK-NEXT: %[[DB:.+]] = meshc.scale %[[S]] {factor = -1.000000e+00 : f64} : !meshc.tensor<d=3, f32>
// CHECK-DAG: meshc.sgd_update %[[A]], %[[Q]]
// CHECK-DAG: meshc.sgd_update %[[B]], %[[DB]]
func.func @div() {
  %a = meshc.param "a" uniform {scale = 1.0} : !meshc.tensor<s=4, d=3, f32>
  %b = meshc.param "b" uniform {scale = 1.0} : !meshc.tensor<d=3, f32>
  %y = meshc.div %a, %b : !meshc.tensor<s=4, d=3, f32>, !meshc.tensor<d=3, f32> -> !meshc.tensor<s=4, d=3, f32>
  %o = meshc.reduce_sum %y : !meshc.tensor<s=4, d=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %o {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// maximum selects with lhs >= rhs (ties to the first operand), minimum with rhs >= lhs (the
// operands swapped): the first operand gets dy * mask, the second dy - dy * mask, each summed
// over the dims it was broadcast along.
// CHECK-LABEL: func.func @maximum_minimum
// CHECK: %[[A:.+]] = meshc.param "a"
// CHECK: %[[B:.+]] = meshc.param "b"
// CHECK: %[[MX:.+]] = meshc.maximum %[[A]], %[[B]]
// CHECK: %[[MN:.+]] = meshc.minimum %[[MX]], %[[B]]
// CHECK: %[[DY:.+]] = meshc.broadcast
// CHECK-NEXT: %[[M1:.+]] = meshc.greater_equal %[[B]], %[[MX]] : !meshc.tensor<d=3, f32>, !meshc.tensor<s=4, d=3, f32> -> !meshc.tensor<s=4, d=3, f32>
// CHECK-NEXT: %[[L1:.+]] = meshc.mul %[[DY]], %[[M1]]
// CHECK-NEXT: %[[R1:.+]] = meshc.sub %[[DY]], %[[L1]]
// CHECK-NEXT: %[[DB1:.+]] = meshc.reduce_sum %[[R1]] : !meshc.tensor<s=4, d=3, f32> -> !meshc.tensor<d=3, f32>
// CHECK-NEXT: %[[M2:.+]] = meshc.greater_equal %[[A]], %[[B]] : !meshc.tensor<s=4, d=3, f32>, !meshc.tensor<d=3, f32> -> !meshc.tensor<s=4, d=3, f32>
// CHECK-NEXT: %[[L2:.+]] = meshc.mul %[[L1]], %[[M2]]
// CHECK-NEXT: %[[R2:.+]] = meshc.sub %[[L1]], %[[L2]]
// CHECK-NEXT: %[[DB2:.+]] = meshc.reduce_sum %[[R2]] : !meshc.tensor<s=4, d=3, f32> -> !meshc.tensor<d=3, f32>
// CHECK-NEXT: %[[DB:.+]] = meshc.add %[[DB1]], %[[DB2]]
// CHECK-DAG: meshc.sgd_update %[[A]], %[[L2]]
// CHECK-DAG: meshc.sgd_update %[[B]], %[[DB]]
func.func @maximum_minimum() {
  %a = meshc.param "a" uniform {scale = 1.0} : !meshc.tensor<s=4, d=3, f32>
  %b = meshc.param "b" uniform {scale = 1.0} : !meshc.tensor<d=3, f32>
  %mx = meshc.maximum %a, %b : !meshc.tensor<s=4, d=3, f32>, !meshc.tensor<d=3, f32> -> !meshc.tensor<s=4, d=3, f32>
  %mn = meshc.minimum %mx, %b : !meshc.tensor<s=4, d=3, f32>, !meshc.tensor<d=3, f32> -> !meshc.tensor<s=4, d=3, f32>
  %o = meshc.reduce_sum %mn : !meshc.tensor<s=4, d=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %o {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
