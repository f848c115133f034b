// Shape ops and max reductions between dense layers: slice and concat along a hidden dim,
// a reshape that splits it in two, reduce_max and cumsum along the new dims, a rename and a
// stop_gradient'ed reduce_max baseline. Ops along a split dim gather it first.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: m=2 h:m => all_gather
// CASE: b=2,m=2 batch:b,g:m => all_slice all_gather
// CASE: b=2,m=2 batch:b,classes:m
// CASE: b=1,m=2 batch:b,h:m
// CASE: b=2,m=1 batch:b,h:m
// CASE: m=4 batch:m
module {
  func.func @shape_ops() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=6, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.6} : !meshc.tensor<d=6, h=8, f32>
    %h0 = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, d=6, f32>, !meshc.tensor<d=6, h=8, f32> -> !meshc.tensor<batch=8, h=8, f32>
    %h = meshc.relu %h0 : !meshc.tensor<batch=8, h=8, f32>
    %hs = meshc.slice %h {dim = "h", start = 2} : !meshc.tensor<batch=8, h=8, f32> -> !meshc.tensor<batch=8, hs=4, f32>
    %c = meshc.concat %h, %hs {dim = "hc"} : !meshc.tensor<batch=8, h=8, f32>, !meshc.tensor<batch=8, hs=4, f32> -> !meshc.tensor<batch=8, hc=12, f32>
    %r = meshc.reshape %c : !meshc.tensor<batch=8, hc=12, f32> -> !meshc.tensor<batch=8, g=2, f=6, f32>
    %mx = meshc.reduce_max %r : !meshc.tensor<batch=8, g=2, f=6, f32> -> !meshc.tensor<batch=8, f=6, f32>
    %cs = meshc.cumsum %r {dim = "g"} : !meshc.tensor<batch=8, g=2, f=6, f32>
    %s = meshc.reduce_sum %cs : !meshc.tensor<batch=8, g=2, f=6, f32> -> !meshc.tensor<batch=8, f=6, f32>
    %base = meshc.reduce_max %s : !meshc.tensor<batch=8, f=6, f32> -> !meshc.tensor<batch=8, f32>
    %bs = meshc.stop_gradient %base : !meshc.tensor<batch=8, f32>
    %z0 = meshc.add %mx, %s : !meshc.tensor<batch=8, f=6, f32>, !meshc.tensor<batch=8, f=6, f32> -> !meshc.tensor<batch=8, f=6, f32>
    %z = meshc.sub %z0, %bs : !meshc.tensor<batch=8, f=6, f32>, !meshc.tensor<batch=8, f32> -> !meshc.tensor<batch=8, f=6, f32>
    %zr = meshc.rename %z : !meshc.tensor<batch=8, f=6, f32> -> !meshc.tensor<batch=8, f2=6, f32>
    %wo = meshc.param "wo" uniform {scale = 0.5} : !meshc.tensor<f2=6, classes=4, f32>
    %logits = meshc.einsum %zr, %wo : !meshc.tensor<batch=8, f2=6, f32>, !meshc.tensor<f2=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.2} : !meshc.tensor<f32>
    return
  }
}
