// An MLP trained with AdamW (decoupled weight decay) and gradient clipping by the global norm:
// clip_norm 0.05 is below the gradient's norm, so every step scales the gradients; the norm is
// over the whole global gradient (one all-reduce of a double over every rank, each block
// counted once), so every layout, including ones that split a parameter, reports the 1-rank
// losses, and the reference interpreter's clipping of the global gradients.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: m=2 hidden:m
// CASE: b=2,m=2 batch:b,hidden:m
// CASE: b=2,m=2 d_in:b,classes:m
// CASE: b=4 batch:b
module {
  func.func @adamw_clip() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d_in=8, hidden=16, f32>
    %b1 = meshc.param "b1" zeros {scale = 0.0} : !meshc.tensor<hidden=16, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<hidden=16, classes=4, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, d_in=8, f32>, !meshc.tensor<d_in=8, hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %hb = meshc.add %h, %b1 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %r = meshc.relu %hb : !meshc.tensor<batch=8, hidden=16, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %loss {learning_rate = 0.05, weight_decay = 0.1, clip_norm = 0.05} : !meshc.tensor<f32>
    return
  }
}
