// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// Every op of the Index family prints and parses back.
// CHECK-LABEL: func.func @index_ops
func.func @index_ops() {
  %table = meshc.param "table" normal {scale = 0.1} : !meshc.tensor<vocab=16, d=4, f32>
  %ids = meshc.input "ids" labels {classes = 16} : !meshc.tensor<batch=2, seq=3, i32>
  // CHECK: %[[E:.+]] = meshc.embedding %{{.+}}, %{{.+}} {vocab_dim = "vocab"} : !meshc.tensor<vocab=16, d=4, f32>, !meshc.tensor<batch=2, seq=3, i32> -> !meshc.tensor<batch=2, seq=3, d=4, f32>
  %e = meshc.embedding %table, %ids {vocab_dim = "vocab"} : !meshc.tensor<vocab=16, d=4, f32>, !meshc.tensor<batch=2, seq=3, i32> -> !meshc.tensor<batch=2, seq=3, d=4, f32>
  // CHECK: meshc.embedding_grad %{{.+}}, %[[E]] {vocab_dim = "vocab"} : !meshc.tensor<batch=2, seq=3, i32>, !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<vocab=16, d=4, f32>
  %g = meshc.embedding_grad %ids, %e {vocab_dim = "vocab"} : !meshc.tensor<batch=2, seq=3, i32>, !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<vocab=16, d=4, f32>
  // CHECK: meshc.one_hot %{{.+}} : !meshc.tensor<batch=2, seq=3, i32> -> !meshc.tensor<batch=2, seq=3, k=5, f32>
  %oh = meshc.one_hot %ids : !meshc.tensor<batch=2, seq=3, i32> -> !meshc.tensor<batch=2, seq=3, k=5, f32>
  // CHECK: meshc.argmax %[[E]] {dim = "d"} : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, seq=3, i32>
  %am = meshc.argmax %e {dim = "d"} : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, seq=3, i32>
  // CHECK: meshc.reduce_max %[[E]] : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<d=4, batch=2, f32>
  %mx = meshc.reduce_max %e : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<d=4, batch=2, f32>
  // CHECK: meshc.reduce_max_grad %[[E]], %{{.+}} : !meshc.tensor<batch=2, seq=3, d=4, f32>, !meshc.tensor<d=4, batch=2, f32> -> !meshc.tensor<batch=2, seq=3, d=4, f32>
  %mg = meshc.reduce_max_grad %e, %mx : !meshc.tensor<batch=2, seq=3, d=4, f32>, !meshc.tensor<d=4, batch=2, f32> -> !meshc.tensor<batch=2, seq=3, d=4, f32>
  // CHECK: meshc.cumsum %[[E]] {dim = "seq"} : !meshc.tensor<batch=2, seq=3, d=4, f32>
  %cs = meshc.cumsum %e {dim = "seq"} : !meshc.tensor<batch=2, seq=3, d=4, f32>
  // CHECK: meshc.cumsum %[[E]] {dim = "seq", exclusive = true, reverse = true} : !meshc.tensor<batch=2, seq=3, d=4, f32>
  %cr = meshc.cumsum %e {dim = "seq", exclusive = true, reverse = true} : !meshc.tensor<batch=2, seq=3, d=4, f32>
  // CHECK: %[[S:.+]] = meshc.slice %[[E]] {dim = "d", start = 1 : i64} : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, seq=3, d_hi=3, f32>
  %s = meshc.slice %e {dim = "d", start = 1} : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, seq=3, d_hi=3, f32>
  // CHECK: meshc.pad %[[S]] {dim = "d", start = 1 : i64} : !meshc.tensor<batch=2, seq=3, d_hi=3, f32> -> !meshc.tensor<batch=2, seq=3, d=4, f32>
  %p = meshc.pad %s {dim = "d", start = 1} : !meshc.tensor<batch=2, seq=3, d_hi=3, f32> -> !meshc.tensor<batch=2, seq=3, d=4, f32>
  // CHECK: meshc.concat %[[E]], %[[S]] {dim = "d2"} : !meshc.tensor<batch=2, seq=3, d=4, f32>, !meshc.tensor<batch=2, seq=3, d_hi=3, f32> -> !meshc.tensor<batch=2, seq=3, d2=7, f32>
  %c = meshc.concat %e, %s {dim = "d2"} : !meshc.tensor<batch=2, seq=3, d=4, f32>, !meshc.tensor<batch=2, seq=3, d_hi=3, f32> -> !meshc.tensor<batch=2, seq=3, d2=7, f32>
  // CHECK: meshc.rename %[[E]] : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, seq_k=3, d=4, f32>
  %r = meshc.rename %e : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, seq_k=3, d=4, f32>
  // CHECK: meshc.reshape %[[E]] : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, heads=2, dh=6, f32>
  %rs = meshc.reshape %e : !meshc.tensor<batch=2, seq=3, d=4, f32> -> !meshc.tensor<batch=2, heads=2, dh=6, f32>
  // CHECK: meshc.stop_gradient %[[E]] : !meshc.tensor<batch=2, seq=3, d=4, f32>
  %sg = meshc.stop_gradient %e : !meshc.tensor<batch=2, seq=3, d=4, f32>
  return
}
