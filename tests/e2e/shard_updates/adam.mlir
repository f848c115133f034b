// An MLP trained with AdamW: each rank keeps its slices of m and v (meshc-shard-updates at
// --shard-update-min-bytes=0: every parameter whose first dim is whole and divisible is updated
// by slices over the axis that sums its gradient, then all-gathered). Every layout must report
// the 1-rank losses; "=> reduce_scatter" keeps each case on the sharded path.
// CASE: b=1
// CASE: b=2 batch:b => reduce_scatter
// CASE: b=4 batch:b => reduce_scatter
// CASE: b=2,m=2 batch:b,hidden:m => reduce_scatter
// CASE: b=2,m=2 batch:b,d_in:m => reduce_scatter
// CASE: b=2,m=2 hidden:b,batch:m => reduce_scatter
// CASE: b=1,m=4 batch:b,hidden:m
module {
  func.func @shard_adam() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d_in=8, hidden=16, f32>
    %b1 = meshc.param "b1" uniform {scale = 0.1} : !meshc.tensor<hidden=16, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<hidden=16, classes=4, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, d_in=8, f32>, !meshc.tensor<d_in=8, hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %hb = meshc.add %h, %b1 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %r = meshc.relu %hb : !meshc.tensor<batch=8, hidden=16, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %loss {learning_rate = 0.01, weight_decay = 0.01} : !meshc.tensor<f32>
    return
  }
}
