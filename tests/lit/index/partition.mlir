// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// Megatron's vocab-parallel embedding: with the vocabulary split, each rank looks up only its
// own rows (the table's sharding tells it which) and the partial rows are summed over the vocab's axis.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"vocab:m">} {
  // CHECK-LABEL: func.func @embedding_vocab_split
  func.func @embedding_vocab_split() {
    %t = meshc.param "table" normal {scale = 0.1} : !meshc.tensor<vocab=16, d=4, f32>
    %i = meshc.input "ids" labels {classes = 16} : !meshc.tensor<batch=8, i32>
    // CHECK: %[[E:.+]] = meshc.embedding %{{.+}}, %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>], vocab_dim = "vocab"} : !meshc.tensor<vocab=8, d=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, d=4, f32>
    // CHECK-NEXT: meshc.all_reduce %[[E]] {axes = ["m"]{{.*}}} : !meshc.tensor<batch=8, d=4, f32>
    %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<vocab=16, d=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, d=4, f32>
    return
  }
}

// -----

// Data parallel: ids split by batch, the table replicated: no collective in the forward
// lookup; the table gradient is a partial sum over the batch, all-reduced over b.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  // CHECK-LABEL: func.func @embedding_batch_split
  func.func @embedding_batch_split() {
    %t = meshc.param "table" normal {scale = 0.1} : !meshc.tensor<vocab=16, d=4, f32>
    %i = meshc.input "ids" labels {classes = 16} : !meshc.tensor<batch=8, i32>
    // CHECK-NOT: meshc.all_
    // CHECK: %[[E:.+]] = meshc.embedding %{{.+}}, %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>], vocab_dim = "vocab"} : !meshc.tensor<vocab=16, d=4, f32>, !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, d=4, f32>
    // CHECK-NOT: meshc.all_
    // CHECK: %[[G:.+]] = meshc.embedding_grad %{{.+}}, %[[E]] {{.*}} -> !meshc.tensor<vocab=16, d=4, f32>
    // CHECK-NEXT: meshc.all_reduce %[[G]] {axes = ["b"]{{.*}}}
    %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<vocab=16, d=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, d=4, f32>
    %g = meshc.embedding_grad %i, %e {vocab_dim = "vocab"} : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, d=4, f32> -> !meshc.tensor<vocab=16, d=4, f32>
    return
  }
}

// -----

// 2-D mesh, vocab on m and batch on b: the lookup's rows are summed over m only; the table
// gradient, split by vocab (its sharding), is summed over b.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,vocab:m">} {
  // CHECK-LABEL: func.func @embedding_2d
  func.func @embedding_2d() {
    %t = meshc.param "table" normal {scale = 0.1} : !meshc.tensor<vocab=16, d=4, f32>
    %i = meshc.input "ids" labels {classes = 16} : !meshc.tensor<batch=8, i32>
    // CHECK: %[[E:.+]] = meshc.embedding {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}b], []], partial = [m]>]{{.*}} -> !meshc.tensor<batch=4, d=4, f32>
    // CHECK-NEXT: meshc.all_reduce %[[E]] {axes = ["m"]{{.*}}}
    %e = meshc.embedding %t, %i {vocab_dim = "vocab"} : !meshc.tensor<vocab=16, d=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, d=4, f32>
    // CHECK: %[[G:.+]] = meshc.embedding_grad {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}m], []], partial = [b]>]{{.*}} -> !meshc.tensor<vocab=8, d=4, f32>
    // CHECK-NEXT: meshc.all_reduce %[[G]] {axes = ["b"]{{.*}}}
    %g = meshc.embedding_grad %i, %e {vocab_dim = "vocab"} : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, d=4, f32> -> !meshc.tensor<vocab=16, d=4, f32>
    return
  }
}

// -----

// one_hot with a split class dim: each rank builds its slice of the classes (its sharding gives
// the offset); no collective.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,experts:m">} {
  // CHECK-LABEL: func.func @one_hot_split
  func.func @one_hot_split() {
    %i = meshc.input "ids" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    // CHECK-NOT: meshc.all_
    // CHECK: meshc.one_hot %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}b], [m]]>]} : !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, experts=2, f32>
    // CHECK-NOT: meshc.all_
    %o = meshc.one_hot %i : !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, experts=4, f32>
    return
  }
}

// -----

// Ops along a dim need it whole: argmax, reduce_max and cumsum over a split dim gather it
// first; the other dims stay split.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,k:m">} {
  // CHECK-LABEL: func.func @along_split_dim
  func.func @along_split_dim() {
    // CHECK: %[[X:.+]] = meshc.input "x" {{.*}} : !meshc.tensor<batch=4, k=2, f32>
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, k=4, f32>
    // CHECK: %[[G1:.+]] = meshc.all_gather %[[X]] {axis = "m", dim = "k"{{.*}}}
    // CHECK-NEXT: meshc.argmax %[[G1]] {dim = "k"{{.*}}} : !meshc.tensor<batch=4, k=4, f32> -> !meshc.tensor<batch=4, i32>
    %a = meshc.argmax %x {dim = "k"} : !meshc.tensor<batch=8, k=4, f32> -> !meshc.tensor<batch=8, i32>
    // CHECK: %[[G2:.+]] = meshc.all_gather %[[X]] {axis = "m", dim = "k"{{.*}}}
    // CHECK-NEXT: meshc.reduce_max %[[G2]]{{.*}} : !meshc.tensor<batch=4, k=4, f32> -> !meshc.tensor<batch=4, f32>
    %m = meshc.reduce_max %x : !meshc.tensor<batch=8, k=4, f32> -> !meshc.tensor<batch=8, f32>
    // CHECK: %[[G3:.+]] = meshc.all_gather %[[X]] {axis = "m", dim = "k"{{.*}}}
    // CHECK-NEXT: %[[C:.+]] = meshc.cumsum %[[G3]] {dim = "k"{{.*}}} : !meshc.tensor<batch=4, k=4, f32>
    // CHECK-NEXT: meshc.all_slice %[[C]] {axis = "m", dim = "k"{{.*}}}
    %c = meshc.cumsum %x {dim = "k"} : !meshc.tensor<batch=8, k=4, f32>
    // Along batch (on b) the batch is gathered; k stays split.
    // CHECK: %[[G4:.+]] = meshc.all_gather %[[X]] {axis = "b", dim = "batch"{{.*}}}
    // CHECK-NEXT: %[[D:.+]] = meshc.cumsum %[[G4]] {dim = "batch"{{.*}}} : !meshc.tensor<batch=8, k=2, f32>
    // CHECK-NEXT: meshc.all_slice %[[D]] {axis = "b", dim = "batch"{{.*}}}
    %d = meshc.cumsum %x {dim = "batch"} : !meshc.tensor<batch=8, k=4, f32>
    return
  }
}

// -----

// Shape ops keep the other dims split: concat and slice along a replicated dim of batch-split
// tensors need no collective; reshape keeps the split of a dim it leaves in place.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  // CHECK-LABEL: func.func @shape_ops_batch_split
  func.func @shape_ops_batch_split() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %y = meshc.input "y" features {classes = 4} : !meshc.tensor<batch=8, e=2, f32>
    // CHECK-NOT: meshc.all_
    // CHECK: meshc.concat {{.*}} : !meshc.tensor<batch=4, d=4, f32>, !meshc.tensor<batch=4, e=2, f32> -> !meshc.tensor<batch=4, de=6, f32>
    %c = meshc.concat %x, %y {dim = "de"} : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<batch=8, e=2, f32> -> !meshc.tensor<batch=8, de=6, f32>
    // CHECK: meshc.slice {{.*}} : !meshc.tensor<batch=4, de=6, f32> -> !meshc.tensor<batch=4, w=3, f32>
    %s = meshc.slice %c {dim = "de", start = 2} : !meshc.tensor<batch=8, de=6, f32> -> !meshc.tensor<batch=8, w=3, f32>
    // CHECK: meshc.reshape {{.*}} : !meshc.tensor<batch=4, de=6, f32> -> !meshc.tensor<batch=4, h=2, dh=3, f32>
    %r = meshc.reshape %c : !meshc.tensor<batch=8, de=6, f32> -> !meshc.tensor<batch=8, h=2, dh=3, f32>
    // CHECK-NOT: meshc.all_
    // CHECK: return
    return
  }
}

// -----

// A reshape that moves a split dim's elements (batch no longer first) needs it whole.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  // CHECK-LABEL: func.func @reshape_moves_split_dim
  func.func @reshape_moves_split_dim() {
    // CHECK: %[[X:.+]] = meshc.input "x"
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    // CHECK: %[[G:.+]] = meshc.all_gather %[[X]] {axis = "b", dim = "batch"{{.*}}}
    // CHECK-NEXT: meshc.reshape %[[G]]{{.*}} : !meshc.tensor<batch=8, d=4, f32> -> !meshc.tensor<d=4, batch=8, f32>
    %r = meshc.reshape %x : !meshc.tensor<batch=8, d=4, f32> -> !meshc.tensor<d=4, batch=8, f32>
    return
  }
}
