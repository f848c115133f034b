// An MLP with GELU and dropout, trained with momentum: the dropout mask is a function of the
// seed, the step and the global element index, so every layout drops the same elements and
// reports the 1-rank losses; the velocity lives in each parameter's layout.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: b=4 batch:b
// CASE: m=2 hidden:m => all_reduce
// CASE: m=4 hidden:m
// CASE: b=1,m=2 batch:b,hidden:m
// CASE: b=2,m=1 batch:b,hidden:m
// CASE: b=2,m=2 batch:b,hidden:m => all_reduce
// CASE: b=2,m=2 hidden:b,batch:m
module {
  func.func @dropout_momentum() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d_in=8, hidden=16, f32>
    %b1 = meshc.param "b1" zeros {scale = 0.0} : !meshc.tensor<hidden=16, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<hidden=16, classes=4, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, d_in=8, f32>, !meshc.tensor<d_in=8, hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %hb = meshc.add %h, %b1 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %g = meshc.gelu %hb : !meshc.tensor<batch=8, hidden=16, f32>
    %d = meshc.dropout %g {rate = 0.25, key = 0} : !meshc.tensor<batch=8, hidden=16, f32>
    %logits = meshc.einsum %d, %w2 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize momentum %loss {learning_rate = 0.1, momentum = 0.9} : !meshc.tensor<f32>
    return
  }
}
