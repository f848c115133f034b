// A tiny language model: token embedding (+ position embedding), a ReLU layer and a softmax
// over the vocabulary. With the vocabulary split, the embedding is Megatron's vocab-parallel
// lookup (masked local rows, then an all_reduce of the partial rows) and the output
// projection's logits are gathered for the softmax. Synthetic token ids repeat along seq.
// CASE: b=1
// CASE: m=2 vocab:m => all_reduce
// CASE: b=2 batch:b
// CASE: b=2,m=2 batch:b,vocab:m => all_reduce
// CASE: b=1,m=2 batch:b,vocab:m
// CASE: b=2,m=1 batch:b,vocab:m
// CASE: m=4 vocab:m
// CASE: b=2,m=2 seq:b,hidden:m
// CASE: b=2,m=2 batch:b,d:m
module {
  func.func @tiny_lm() {
    %ids = meshc.input "ids" labels {classes = 16} : !meshc.tensor<batch=8, seq=4, i32>
    %y = meshc.input "y" labels {classes = 16} : !meshc.tensor<batch=8, seq=4, i32>
    %emb = meshc.param "emb" normal {scale = 0.5} : !meshc.tensor<vocab=16, d=8, f32>
    %pos = meshc.param "pos" normal {scale = 0.1} : !meshc.tensor<seq=4, d=8, f32>
    %e = meshc.embedding %emb, %ids {vocab_dim = "vocab"} : !meshc.tensor<vocab=16, d=8, f32>, !meshc.tensor<batch=8, seq=4, i32> -> !meshc.tensor<batch=8, seq=4, d=8, f32>
    %h0 = meshc.add %e, %pos : !meshc.tensor<batch=8, seq=4, d=8, f32>, !meshc.tensor<seq=4, d=8, f32> -> !meshc.tensor<batch=8, seq=4, d=8, f32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=8, hidden=12, f32>
    %h1 = meshc.einsum %h0, %w : !meshc.tensor<batch=8, seq=4, d=8, f32>, !meshc.tensor<d=8, hidden=12, f32> -> !meshc.tensor<batch=8, seq=4, hidden=12, f32>
    %h = meshc.relu %h1 : !meshc.tensor<batch=8, seq=4, hidden=12, f32>
    %wo = meshc.param "wo" uniform {scale = 0.4} : !meshc.tensor<hidden=12, vocab=16, f32>
    %logits = meshc.einsum %h, %wo : !meshc.tensor<batch=8, seq=4, hidden=12, f32>, !meshc.tensor<hidden=12, vocab=16, f32> -> !meshc.tensor<batch=8, seq=4, vocab=16, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "vocab"} : !meshc.tensor<batch=8, seq=4, vocab=16, f32>, !meshc.tensor<batch=8, seq=4, i32> -> !meshc.tensor<batch=8, seq=4, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, seq=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.5} : !meshc.tensor<f32>
    return
  }
}
