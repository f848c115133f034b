// RUN: meshc-opt %s --split-input-file --meshc-autodiff | FileCheck %s

// embedding: the table's gradient is a scatter-add of the rows' adjoint; the ids get none.
// CHECK-LABEL: func.func @embedding
func.func @embedding() {
  // CHECK: %[[T:.+]] = meshc.param "table"
  %t = meshc.param "table" normal {scale = 0.1} : !meshc.tensor<vocab=8, d=4, f32>
  // CHECK: %[[I:.+]] = meshc.input "ids"
  %i = meshc.input "ids" labels {classes = 8} : !meshc.tensor<b=2, s=3, i32>
  %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<vocab=8, d=4, f32>, !meshc.tensor<b=2, s=3, i32> -> !meshc.tensor<b=2, s=3, d=4, f32>
  %l = meshc.reduce_sum %e : !meshc.tensor<b=2, s=3, d=4, f32> -> !meshc.tensor<f32>
  // CHECK: %[[D:.+]] = meshc.broadcast %{{.+}} : !meshc.tensor<f32> -> !meshc.tensor<b=2, s=3, d=4, f32>
  // CHECK: %[[G:.+]] = meshc.embedding_grad %[[I]], %[[D]] {vocab_dim = "vocab"} : !meshc.tensor<b=2, s=3, i32>, !meshc.tensor<b=2, s=3, d=4, f32> -> !meshc.tensor<vocab=8, d=4, f32>
  // CHECK: meshc.sgd_update %[[T]], %[[G]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// reduce_max routes the adjoint to the first maximum; cumsum's adjoint is the reverse cumsum.
// CHECK-LABEL: func.func @max_and_cumsum
func.func @max_and_cumsum() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  %a = meshc.param "a" normal {scale = 1.0} : !meshc.tensor<i=2, t=5, f32>
  // CHECK: %[[C:.+]] = meshc.cumsum %[[A]] {dim = "t", exclusive = true}
  %c = meshc.cumsum %a {dim = "t", exclusive = true} : !meshc.tensor<i=2, t=5, f32>
  %m = meshc.reduce_max %c : !meshc.tensor<i=2, t=5, f32> -> !meshc.tensor<i=2, f32>
  %l = meshc.reduce_sum %m : !meshc.tensor<i=2, f32> -> !meshc.tensor<f32>
  // CHECK: %[[DM:.+]] = meshc.broadcast %{{.+}} : !meshc.tensor<f32> -> !meshc.tensor<i=2, f32>
  // CHECK: %[[DC:.+]] = meshc.reduce_max_grad %[[C]], %[[DM]]
  // CHECK: %[[DA:.+]] = meshc.cumsum %[[DC]] {dim = "t", exclusive = true, reverse = true}
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// concat's adjoints are slices of the result's; slice's is a pad; rename and reshape invert.
// CHECK-LABEL: func.func @shape_ops
func.func @shape_ops() {
  // CHECK: %[[A:.+]] = meshc.param "a"
  %a = meshc.param "a" normal {scale = 1.0} : !meshc.tensor<b=2, x=3, f32>
  // CHECK: %[[B:.+]] = meshc.param "b"
  %b = meshc.param "b" normal {scale = 1.0} : !meshc.tensor<b=2, y=1, f32>
  %c = meshc.concat %a, %b {dim = "d"} : !meshc.tensor<b=2, x=3, f32>, !meshc.tensor<b=2, y=1, f32> -> !meshc.tensor<b=2, d=4, f32>
  %r = meshc.reshape %c : !meshc.tensor<b=2, d=4, f32> -> !meshc.tensor<n=8, f32>
  %n = meshc.rename %r : !meshc.tensor<n=8, f32> -> !meshc.tensor<m=8, f32>
  %s = meshc.slice %n {dim = "m", start = 2} : !meshc.tensor<m=8, f32> -> !meshc.tensor<w=5, f32>
  %l = meshc.reduce_sum %s : !meshc.tensor<w=5, f32> -> !meshc.tensor<f32>
  // CHECK: %[[DS:.+]] = meshc.broadcast %{{.+}} : !meshc.tensor<f32> -> !meshc.tensor<w=5, f32>
  // CHECK: %[[DN:.+]] = meshc.pad %[[DS]] {dim = "m", start = 2 : i64} : !meshc.tensor<w=5, f32> -> !meshc.tensor<m=8, f32>
  // CHECK: %[[DR:.+]] = meshc.rename %[[DN]] : !meshc.tensor<m=8, f32> -> !meshc.tensor<n=8, f32>
  // CHECK: %[[DC:.+]] = meshc.reshape %[[DR]] : !meshc.tensor<n=8, f32> -> !meshc.tensor<b=2, d=4, f32>
  // CHECK: %[[DA:.+]] = meshc.slice %[[DC]] {dim = "d", start = 0 : i64} : !meshc.tensor<b=2, d=4, f32> -> !meshc.tensor<b=2, x=3, f32>
  // CHECK: %[[DB:.+]] = meshc.slice %[[DC]] {dim = "d", start = 3 : i64} : !meshc.tensor<b=2, d=4, f32> -> !meshc.tensor<b=2, y=1, f32>
  // CHECK: meshc.sgd_update %[[A]], %[[DA]]
  // CHECK: meshc.sgd_update %[[B]], %[[DB]]
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Integer-valued ops and stop_gradient on a path from a parameter give no gradient: the
// parameter behind them is not updated.
// CHECK-LABEL: func.func @no_gradient
func.func @no_gradient() {
  %a = meshc.param "a" normal {scale = 1.0} : !meshc.tensor<i=2, k=3, f32>
  // CHECK: %[[W:.+]] = meshc.param "w"
  %w = meshc.param "w" normal {scale = 1.0} : !meshc.tensor<i=2, k=3, f32>
  %am = meshc.argmax %a {dim = "k"} : !meshc.tensor<i=2, k=3, f32> -> !meshc.tensor<i=2, i32>
  %oh = meshc.one_hot %am : !meshc.tensor<i=2, i32> -> !meshc.tensor<i=2, k=3, f32>
  %sg = meshc.stop_gradient %a : !meshc.tensor<i=2, k=3, f32>
  %x = meshc.add %oh, %sg : !meshc.tensor<i=2, k=3, f32>, !meshc.tensor<i=2, k=3, f32> -> !meshc.tensor<i=2, k=3, f32>
  %y = meshc.mul %x, %w : !meshc.tensor<i=2, k=3, f32>, !meshc.tensor<i=2, k=3, f32> -> !meshc.tensor<i=2, k=3, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<i=2, k=3, f32> -> !meshc.tensor<f32>
  // CHECK-NOT: meshc.sgd_update
  // CHECK: meshc.sgd_update %[[W]],
  // CHECK-NOT: meshc.sgd_update
  // CHECK: meshc.output "loss"
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
