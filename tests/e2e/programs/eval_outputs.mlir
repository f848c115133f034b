// A classifier with an accuracy metric and two outputs (probabilities and the predicted class),
// trained with Adam through dropout: the metric's and the outputs' ops (argmax, equal, softmax,
// and the gathers a split class dim needs for them) are not part of training, so every layout
// still reports the 1-rank losses; Adam's m and v are registered tensors in the parameter's
// layout.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: m=2 classes:m
// CASE: b=1,m=2 batch:b,classes:m
// CASE: b=2,m=1 batch:b,classes:m
// CASE: b=2,m=2 batch:b,classes:m => all_gather all_slice
// CASE: b=2,m=2 batch:b,hidden:m => all_reduce
module {
  func.func @eval_outputs() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d_in=8, hidden=16, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<hidden=16, classes=4, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, d_in=8, f32>, !meshc.tensor<d_in=8, hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %r = meshc.relu %h : !meshc.tensor<batch=8, hidden=16, f32>
    %d = meshc.dropout %r {rate = 0.25, key = 0} : !meshc.tensor<batch=8, hidden=16, f32>
    %logits = meshc.einsum %d, %w2 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    %top = meshc.argmax %logits {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<batch=8, i32>
    %ok = meshc.equal %top, %y : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    meshc.metric "accuracy", %ok : !meshc.tensor<batch=8, f32>
    %p = meshc.softmax %logits {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>
    meshc.prediction "probs", %p : !meshc.tensor<batch=8, classes=4, f32>
    meshc.prediction "class", %top : !meshc.tensor<batch=8, i32>
    meshc.minimize adam %loss {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
}
