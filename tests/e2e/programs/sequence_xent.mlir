// A per-position classifier: softmax_xent with the class dim in the middle of 3-d logits
// (outer and inner both > 1), a parameter used twice in one einsum and a parameter multiplied
// by itself, a loss averaged over two dims, and meshes of 3 and 6 ranks (sizes that are not
// powers of two). pos:b,classes:c splits the logits on both axes.
// CASE: b=1
// CASE: b=3 batch:b
// CASE: c=3 classes:c => all_gather all_slice
// CASE: b=2,c=2 pos:b,classes:c => all_gather all_slice
// CASE: b=1,c=2 pos:b,classes:c
// CASE: b=2,c=1 pos:b,classes:c
// CASE: b=2,c=3 batch:b,d:c => all_reduce
// CASE: b=3,c=2 batch:b,classes:c
module {
  func.func @sequence_xent() {
    %x = meshc.input "x" features {classes = 6} : !meshc.tensor<batch=6, pos=4, d=6, f32>
    %y = meshc.input "y" labels {classes = 6} : !meshc.tensor<batch=6, pos=4, i32>
    %e = meshc.param "e" uniform {scale = 0.4} : !meshc.tensor<d=6, classes=6, f32>
    %g = meshc.param "g" normal {scale = 0.5} : !meshc.tensor<classes=6, pos=4, f32>
    %h = meshc.einsum %x, %e : !meshc.tensor<batch=6, pos=4, d=6, f32>, !meshc.tensor<d=6, classes=6, f32> -> !meshc.tensor<batch=6, classes=6, pos=4, f32>
    %h2 = meshc.mul %h, %g : !meshc.tensor<batch=6, classes=6, pos=4, f32>, !meshc.tensor<classes=6, pos=4, f32> -> !meshc.tensor<batch=6, classes=6, pos=4, f32>
    %gg = meshc.mul %g, %g : !meshc.tensor<classes=6, pos=4, f32>, !meshc.tensor<classes=6, pos=4, f32> -> !meshc.tensor<pos=4, classes=6, f32>
    %ee = meshc.einsum %e, %e : !meshc.tensor<d=6, classes=6, f32>, !meshc.tensor<d=6, classes=6, f32> -> !meshc.tensor<classes=6, f32>
    %h3 = meshc.add %h2, %gg : !meshc.tensor<batch=6, classes=6, pos=4, f32>, !meshc.tensor<pos=4, classes=6, f32> -> !meshc.tensor<batch=6, classes=6, pos=4, f32>
    %logits = meshc.sub %h3, %ee : !meshc.tensor<batch=6, classes=6, pos=4, f32>, !meshc.tensor<classes=6, f32> -> !meshc.tensor<batch=6, classes=6, pos=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=6, classes=6, pos=4, f32>, !meshc.tensor<batch=6, pos=4, i32> -> !meshc.tensor<batch=6, pos=4, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=6, pos=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.3} : !meshc.tensor<f32>
    return
  }
}
