// Every function of the Math family in one trained network, an LSTM-style gated layer: gates
// sigmoid/tanh, a softplus-like log(exp(t) + s), sqrt and a division by it and by a broadcast
// parameter, a leaky relu, and a clamp by maximum/minimum against a broadcast parameter and
// another activation. Elementwise ops run on each rank's slice in every layout; a split d_in
// leaves a partial sum that is completed before sigmoid (not linear); on m=2 alone those sums
// are consecutive and form one all_reduce bucket (meshc-optimize-communication).
// CASE: b=1
// CASE: b=2 batch:b
// CASE: m=2 hidden:m
// CASE: b=1,m=2 batch:b,hidden:m
// CASE: b=2,m=1 batch:b,hidden:m
// CASE: b=2,m=2 batch:b,hidden:m
// CASE: b=2,m=2 hidden:b,batch:m
// CASE: m=2 d_in:m => all_reduce_bucket
// CASE: b=2,m=2 batch:b,d_in:m => all_reduce
module {
  func.func @math_functions() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=6, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %wg = meshc.param "wg" uniform {scale = 0.5} : !meshc.tensor<d_in=6, hidden=10, f32>
    %wc = meshc.param "wc" uniform {scale = 0.5} : !meshc.tensor<d_in=6, hidden=10, f32>
    %c = meshc.param "c" uniform {scale = 0.3} : !meshc.tensor<hidden=10, f32>
    %floor = meshc.param "floor" constant {scale = -0.2} : !meshc.tensor<hidden=10, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<hidden=10, classes=4, f32>
    %g0 = meshc.einsum %x, %wg : !meshc.tensor<batch=8, d_in=6, f32>, !meshc.tensor<d_in=6, hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %c0 = meshc.einsum %x, %wc : !meshc.tensor<batch=8, d_in=6, f32>, !meshc.tensor<d_in=6, hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %s = meshc.sigmoid %g0 : !meshc.tensor<batch=8, hidden=10, f32>
    %t = meshc.tanh %c0 : !meshc.tensor<batch=8, hidden=10, f32>
    %e = meshc.exp %t : !meshc.tensor<batch=8, hidden=10, f32>
    %u = meshc.add %e, %s : !meshc.tensor<batch=8, hidden=10, f32>, !meshc.tensor<batch=8, hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %lg = meshc.log %u : !meshc.tensor<batch=8, hidden=10, f32>
    %sq = meshc.sqrt %u : !meshc.tensor<batch=8, hidden=10, f32>
    %q = meshc.div %lg, %sq : !meshc.tensor<batch=8, hidden=10, f32>, !meshc.tensor<batch=8, hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %ec = meshc.exp %c : !meshc.tensor<hidden=10, f32>
    %qc = meshc.div %q, %ec : !meshc.tensor<batch=8, hidden=10, f32>, !meshc.tensor<hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %gated = meshc.mul %qc, %t : !meshc.tensor<batch=8, hidden=10, f32>, !meshc.tensor<batch=8, hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %lr = meshc.leaky_relu %gated {alpha = 0.1} : !meshc.tensor<batch=8, hidden=10, f32>
    %hi = meshc.maximum %lr, %floor : !meshc.tensor<batch=8, hidden=10, f32>, !meshc.tensor<hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %h = meshc.minimum %hi, %s : !meshc.tensor<batch=8, hidden=10, f32>, !meshc.tensor<batch=8, hidden=10, f32> -> !meshc.tensor<batch=8, hidden=10, f32>
    %logits = meshc.einsum %h, %w2 : !meshc.tensor<batch=8, hidden=10, f32>, !meshc.tensor<hidden=10, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %loss {learning_rate = 0.05} : !meshc.tensor<f32>
    return
  }
}
