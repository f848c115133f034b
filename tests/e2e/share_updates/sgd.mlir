// A sequence MLP trained with plain SGD, every weight updated inside its gradient GEMM in storage
// shared by the ranks that sum its gradient (meshc-share-updates at --share-update-min-bytes=0):
// over b alone (1xN, Nx1, 2x2 with the hidden dim split over m, 4 ranks), over b and m at once
// (batch and seq split: groups of 4), and over m (batch split over m). Every layout must report
// the 1-rank losses; "=> sgd_update_einsum" keeps each case on the shared path.
// CASE: b=1
// CASE: b=2 batch:b => sgd_update_einsum
// CASE: b=4 batch:b => sgd_update_einsum
// CASE: b=1,m=2 batch:b,hidden:m
// CASE: b=2,m=1 batch:b,hidden:m => sgd_update_einsum
// CASE: b=2,m=2 batch:b,hidden:m => sgd_update_einsum
// CASE: b=2,m=2 batch:b,seq:m => sgd_update_einsum
// CASE: b=2,m=2 hidden:b,batch:m => sgd_update_einsum
module {
  func.func @share_sgd() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, seq=4, d_in=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, seq=4, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d_in=8, hidden=16, f32>
    %b1 = meshc.param "b1" uniform {scale = 0.1} : !meshc.tensor<hidden=16, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<hidden=16, classes=4, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, seq=4, d_in=8, f32>, !meshc.tensor<d_in=8, hidden=16, f32> -> !meshc.tensor<batch=8, seq=4, hidden=16, f32>
    %hb = meshc.add %h, %b1 : !meshc.tensor<batch=8, seq=4, hidden=16, f32>, !meshc.tensor<hidden=16, f32> -> !meshc.tensor<batch=8, seq=4, hidden=16, f32>
    %r = meshc.relu %hb : !meshc.tensor<batch=8, seq=4, hidden=16, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, seq=4, hidden=16, f32>, !meshc.tensor<hidden=16, classes=4, f32> -> !meshc.tensor<batch=8, seq=4, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, seq=4, classes=4, f32>, !meshc.tensor<batch=8, seq=4, i32> -> !meshc.tensor<batch=8, seq=4, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, seq=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.5} : !meshc.tensor<f32>
    return
  }
}
