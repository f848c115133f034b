// A small attention block trained with Adam: layer_norm (with gain and bias) → per-head query,
// key and value einsums → scores over heads → causal_mask → softmax over the keys → weighted
// values → output projection and residual → layer_norm → GELU MLP and residual (the adjoint of
// the first residual's sum is the second residual's plus its layer norm's: per rank, one
// meshc.layer_norm_grad_add) → per-position softmax cross-entropy. Queries come from x and keys/values from xk, so the query and key sequence
// dims have their own names (seq, seq_k). Layouts split the batch, the heads (Megatron: an
// all_reduce after the output projection), the query positions (the causal mask works on
// global positions), the key positions and d_model (whole dims gathered), on 1-D and 2-D meshes.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: m=2 heads:m => all_reduce
// CASE: m=2 seq:m
// CASE: m=4 seq:m
// CASE: m=2 seq_k:m => all_gather
// CASE: m=2 d_model:m => all_gather
// CASE: b=1,m=2 batch:b,heads:m
// CASE: b=2,m=1 batch:b,heads:m
// CASE: b=2,m=2 batch:b,heads:m => all_reduce
// CASE: b=2,m=2 seq:b,seq_k:m => all_gather
// CASE: b=2,m=2 batch:b,d_ff:m
// CASE: b=2,m=2 seq:b,heads:m
module {
  func.func @attention() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %xk = meshc.input "xk" features {classes = 4} : !meshc.tensor<batch=4, seq_k=8, d_model=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=4, seq=8, i32>
    %gamma = meshc.param "gamma" constant {scale = 1.0} : !meshc.tensor<d_model=8, f32>
    %beta = meshc.param "beta" zeros {scale = 0.0} : !meshc.tensor<d_model=8, f32>
    %wq = meshc.param "wq" uniform {scale = 0.4} : !meshc.tensor<d_model=8, heads=2, e=4, f32>
    %wk = meshc.param "wk" uniform {scale = 0.4} : !meshc.tensor<d_model=8, heads=2, e=4, f32>
    %wv = meshc.param "wv" uniform {scale = 0.4} : !meshc.tensor<d_model=8, heads=2, e=4, f32>
    %wo = meshc.param "wo" uniform {scale = 0.4} : !meshc.tensor<heads=2, e=4, d_model=8, f32>
    %w1 = meshc.param "w1" uniform {scale = 0.4} : !meshc.tensor<d_model=8, d_ff=16, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.4} : !meshc.tensor<d_ff=16, d_model=8, f32>
    %w3 = meshc.param "w3" uniform {scale = 0.4} : !meshc.tensor<d_model=8, classes=4, f32>
    %n = meshc.layer_norm %x {dim = "d_model", epsilon = 1.0e-5} : !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %ng = meshc.mul %n, %gamma : !meshc.tensor<batch=4, seq=8, d_model=8, f32>, !meshc.tensor<d_model=8, f32> -> !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %nb = meshc.add %ng, %beta : !meshc.tensor<batch=4, seq=8, d_model=8, f32>, !meshc.tensor<d_model=8, f32> -> !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %q = meshc.einsum %nb, %wq : !meshc.tensor<batch=4, seq=8, d_model=8, f32>, !meshc.tensor<d_model=8, heads=2, e=4, f32> -> !meshc.tensor<batch=4, seq=8, heads=2, e=4, f32>
    %k = meshc.einsum %xk, %wk : !meshc.tensor<batch=4, seq_k=8, d_model=8, f32>, !meshc.tensor<d_model=8, heads=2, e=4, f32> -> !meshc.tensor<batch=4, seq_k=8, heads=2, e=4, f32>
    %v = meshc.einsum %xk, %wv : !meshc.tensor<batch=4, seq_k=8, d_model=8, f32>, !meshc.tensor<d_model=8, heads=2, e=4, f32> -> !meshc.tensor<batch=4, seq_k=8, heads=2, e=4, f32>
    %s = meshc.einsum %q, %k : !meshc.tensor<batch=4, seq=8, heads=2, e=4, f32>, !meshc.tensor<batch=4, seq_k=8, heads=2, e=4, f32> -> !meshc.tensor<batch=4, heads=2, seq=8, seq_k=8, f32>
    %m = meshc.causal_mask %s {query_dim = "seq", key_dim = "seq_k"} : !meshc.tensor<batch=4, heads=2, seq=8, seq_k=8, f32>
    %p = meshc.softmax %m {dim = "seq_k"} : !meshc.tensor<batch=4, heads=2, seq=8, seq_k=8, f32>
    %o = meshc.einsum %p, %v : !meshc.tensor<batch=4, heads=2, seq=8, seq_k=8, f32>, !meshc.tensor<batch=4, seq_k=8, heads=2, e=4, f32> -> !meshc.tensor<batch=4, seq=8, heads=2, e=4, f32>
    %a = meshc.einsum %o, %wo : !meshc.tensor<batch=4, seq=8, heads=2, e=4, f32>, !meshc.tensor<heads=2, e=4, d_model=8, f32> -> !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %r = meshc.add %a, %x : !meshc.tensor<batch=4, seq=8, d_model=8, f32>, !meshc.tensor<batch=4, seq=8, d_model=8, f32> -> !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %n2 = meshc.layer_norm %r {dim = "d_model", epsilon = 1.0e-5} : !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %h = meshc.einsum %n2, %w1 : !meshc.tensor<batch=4, seq=8, d_model=8, f32>, !meshc.tensor<d_model=8, d_ff=16, f32> -> !meshc.tensor<batch=4, seq=8, d_ff=16, f32>
    %g = meshc.gelu %h : !meshc.tensor<batch=4, seq=8, d_ff=16, f32>
    %f = meshc.einsum %g, %w2 : !meshc.tensor<batch=4, seq=8, d_ff=16, f32>, !meshc.tensor<d_ff=16, d_model=8, f32> -> !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %r2 = meshc.add %f, %r : !meshc.tensor<batch=4, seq=8, d_model=8, f32>, !meshc.tensor<batch=4, seq=8, d_model=8, f32> -> !meshc.tensor<batch=4, seq=8, d_model=8, f32>
    %logits = meshc.einsum %r2, %w3 : !meshc.tensor<batch=4, seq=8, d_model=8, f32>, !meshc.tensor<d_model=8, classes=4, f32> -> !meshc.tensor<batch=4, seq=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=4, seq=8, classes=4, f32>, !meshc.tensor<batch=4, seq=8, i32> -> !meshc.tensor<batch=4, seq=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=4, seq=8, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %loss {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
}
