// meshc-remat after meshc-autodiff: cheap forward values the backward program reads are
// recomputed right before their first backward use (marked meshc.remat), from operands live
// there anyway; the forward op keeps only its forward uses.
// RUN: meshc-opt %s --split-input-file --meshc-autodiff --meshc-remat | FileCheck %s
// RUN: meshc-opt %s --split-input-file --meshc-autodiff --meshc-remat=all=false | FileCheck %s --check-prefix=MARKED

// gelu's result is read by the adjoint of the second einsum (dw2): recomputed from its operand
// %a, which gelu_grad reads later anyway. %a = %h + %b itself is kept: its operand %h (an
// einsum result) is dead in the backward program, and recomputing the einsum is not cheap.
// CHECK-LABEL: func.func @mlp
// MARKED-LABEL: func.func @mlp
// MARKED-NOT: meshc.remat
func.func @mlp() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=8, i=4, f32>
  %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<i=4, j=6, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<j=6, f32>
  %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<j=6, k=3, f32>
  // CHECK: %[[H:.+]] = meshc.einsum
  // CHECK: %[[A:.+]] = meshc.add %[[H]], {{.*}} : !meshc.tensor<n=8, j=6, f32>, !meshc.tensor<j=6, f32>
  // CHECK: %[[G:.+]] = meshc.gelu %[[A]] : !meshc.tensor<n=8, j=6, f32>
  // CHECK: meshc.einsum %[[G]]
  // CHECK: %[[SEED:.+]] = meshc.fill {value = 1.000000e+00 : f64}
  // CHECK-NOT: meshc.add %[[H]]
  // CHECK: %[[G2:.+]] = meshc.gelu %[[A]] {meshc.remat} : !meshc.tensor<n=8, j=6, f32>
  // CHECK-NEXT: meshc.einsum %{{.+}}, %[[G2]] : {{.*}} -> !meshc.tensor<j=6, k=3, f32>
  // CHECK: meshc.gelu_grad %[[A]]
  // CHECK-NOT: meshc.einsum %{{.+}}, %[[G]]
  // CHECK: return
  %h = meshc.einsum %x, %w1 : !meshc.tensor<n=8, i=4, f32>, !meshc.tensor<i=4, j=6, f32> -> !meshc.tensor<n=8, j=6, f32>
  %a = meshc.add %h, %b : !meshc.tensor<n=8, j=6, f32>, !meshc.tensor<j=6, f32> -> !meshc.tensor<n=8, j=6, f32>
  %g = meshc.gelu %a : !meshc.tensor<n=8, j=6, f32>
  %y = meshc.einsum %g, %w2 : !meshc.tensor<n=8, j=6, f32>, !meshc.tensor<j=6, k=3, f32> -> !meshc.tensor<n=8, k=3, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<n=8, k=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Layer norm with its scale and shift: the normalised value, the scaled one and the shifted one
// are all recomputed in the backward pass, as a chain, from the layer norm's input (read by
// layer_norm_grad later) and the parameters.
// CHECK-LABEL: func.func @layer_norm_chain
func.func @layer_norm_chain() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=8, d=4, f32>
  %w0 = meshc.param "w0" uniform {scale = 0.5} : !meshc.tensor<d=4, e=4, f32>
  %gamma = meshc.param "gamma" constant {scale = 1.0} : !meshc.tensor<e=4, f32>
  %beta = meshc.param "beta" zeros {scale = 0.0} : !meshc.tensor<e=4, f32>
  %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<e=4, k=3, f32>
  // CHECK: %[[H:.+]] = meshc.einsum
  // CHECK: %[[LN:.+]] = meshc.layer_norm %[[H]] {dim = "e", epsilon = 1.000000e-05 : f64}
  // CHECK: %[[SEED:.+]] = meshc.fill {value = 1.000000e+00 : f64}
  // CHECK: %[[LN2:.+]] = meshc.layer_norm %[[H]] {dim = "e", epsilon = 1.000000e-05 : f64, meshc.remat}
  // CHECK-NEXT: %[[S2:.+]] = meshc.mul %[[LN2]], %{{.+}} {meshc.remat}
  // CHECK-NEXT: %[[T2:.+]] = meshc.add %[[S2]], %{{.+}} {meshc.remat}
  // CHECK-NEXT: meshc.einsum %{{.+}}, %[[T2]] : {{.*}} -> !meshc.tensor<e=4, k=3, f32>
  // CHECK: meshc.mul %{{.+}}, %[[LN2]]
  // CHECK: meshc.layer_norm_grad %[[H]]
  %h = meshc.einsum %x, %w0 : !meshc.tensor<n=8, d=4, f32>, !meshc.tensor<d=4, e=4, f32> -> !meshc.tensor<n=8, e=4, f32>
  %ln = meshc.layer_norm %h {dim = "e", epsilon = 1.0e-5} : !meshc.tensor<n=8, e=4, f32>
  %s = meshc.mul %ln, %gamma : !meshc.tensor<n=8, e=4, f32>, !meshc.tensor<e=4, f32> -> !meshc.tensor<n=8, e=4, f32>
  %t = meshc.add %s, %beta : !meshc.tensor<n=8, e=4, f32>, !meshc.tensor<e=4, f32> -> !meshc.tensor<n=8, e=4, f32>
  %y = meshc.einsum %t, %w : !meshc.tensor<n=8, e=4, f32>, !meshc.tensor<e=4, k=3, f32> -> !meshc.tensor<n=8, k=3, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<n=8, k=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Dropout is recomputed with its key, hence the same mask; the adjoint's own dropout (same key)
// is untouched. The relu before it is recomputed in the chain: its input, an einsum result, is
// live anyway (relu_grad reads it).
// CHECK-LABEL: func.func @dropout
// MARKED-LABEL: func.func @dropout
func.func @dropout() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=8, i=4, f32>
  %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<i=4, j=6, f32>
  %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<j=6, k=3, f32>
  // CHECK: %[[H:.+]] = meshc.einsum
  // CHECK: %[[R:.+]] = meshc.relu %[[H]]
  // CHECK: %[[D:.+]] = meshc.dropout %[[R]] {key = 7 : i64, rate = 2.500000e-01 : f64}
  // CHECK: meshc.fill {value = 1.000000e+00 : f64}
  // CHECK: %[[R2:.+]] = meshc.relu %[[H]] {meshc.remat}
  // CHECK-NEXT: %[[D2:.+]] = meshc.dropout %[[R2]] {key = 7 : i64, meshc.remat, rate = 2.500000e-01 : f64}
  // CHECK-NEXT: meshc.einsum %{{.+}}, %[[D2]]
  // CHECK: meshc.dropout %{{.+}} {key = 7 : i64, rate = 2.500000e-01 : f64}
  // CHECK: meshc.relu_grad %[[H]]
  // The DSL's mark (a RematScope) on the dropout alone: the dropout is recomputed, with the
  // cheap chain it needs (the relu, whose result is dead in the backward pass); the forward op
  // loses its mark.
  // MARKED: %[[D:.+]] = meshc.dropout %{{.+}} {key = 7 : i64, rate = 2.500000e-01 : f64}
  // MARKED: meshc.fill {value = 1.000000e+00 : f64}
  // MARKED: meshc.relu %{{.+}} {meshc.remat}
  // MARKED-NEXT: meshc.dropout %{{.+}} {key = 7 : i64, meshc.remat, rate = 2.500000e-01 : f64}
  // MARKED-NEXT: meshc.einsum
  %h = meshc.einsum %x, %w1 : !meshc.tensor<n=8, i=4, f32>, !meshc.tensor<i=4, j=6, f32> -> !meshc.tensor<n=8, j=6, f32>
  %r = meshc.relu %h : !meshc.tensor<n=8, j=6, f32>
  %d = meshc.dropout %r {rate = 0.25, key = 7, meshc.remat} : !meshc.tensor<n=8, j=6, f32>
  %y = meshc.einsum %d, %w2 : !meshc.tensor<n=8, j=6, f32>, !meshc.tensor<j=6, k=3, f32> -> !meshc.tensor<n=8, k=3, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<n=8, k=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// A residual stream (a chain of adds whose branches are einsum results, dead in the backward
// pass) is never recomputed: the chain reaches no operand that is live anyway.
// CHECK-LABEL: func.func @residual
func.func @residual() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=8, d=4, f32>
  %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d=4, e=4, f32>
  %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<e=4, d=4, f32>
  %e1 = meshc.einsum %x, %w1 : !meshc.tensor<n=8, d=4, f32>, !meshc.tensor<d=4, e=4, f32> -> !meshc.tensor<n=8, e=4, f32>
  %b1 = meshc.einsum %e1, %w2 : !meshc.tensor<n=8, e=4, f32>, !meshc.tensor<e=4, d=4, f32> -> !meshc.tensor<n=8, d=4, f32>
  %h1 = meshc.add %x, %b1 : !meshc.tensor<n=8, d=4, f32>, !meshc.tensor<n=8, d=4, f32> -> !meshc.tensor<n=8, d=4, f32>
  %e2 = meshc.einsum %h1, %w1 : !meshc.tensor<n=8, d=4, f32>, !meshc.tensor<d=4, e=4, f32> -> !meshc.tensor<n=8, e=4, f32>
  %b2 = meshc.einsum %e2, %w2 : !meshc.tensor<n=8, e=4, f32>, !meshc.tensor<e=4, d=4, f32> -> !meshc.tensor<n=8, d=4, f32>
  %h2 = meshc.add %h1, %b2 : !meshc.tensor<n=8, d=4, f32>, !meshc.tensor<n=8, d=4, f32> -> !meshc.tensor<n=8, d=4, f32>
  // CHECK-NOT: meshc.remat
  %l = meshc.reduce_sum %h2 : !meshc.tensor<n=8, d=4, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// A program without a loss has no backward pass: unchanged, and the DSL's marks are dropped.
// CHECK-LABEL: func.func @no_loss
// CHECK-NOT: meshc.remat
// MARKED-LABEL: func.func @no_loss
// MARKED-NOT: meshc.remat
func.func @no_loss() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=8, i=4, f32>
  %r = meshc.relu %x {meshc.remat} : !meshc.tensor<n=8, i=4, f32>
  meshc.prediction "r", %r : !meshc.tensor<n=8, i=4, f32>
  return
}
