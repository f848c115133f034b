// Sizes that are not multiples of any vector width (37, 21, 7) and slices of odd sizes (5, 7):
// kernel and generated-loop remainders, on 2-, 3-, 5- and 6-rank meshes.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: b=5 batch:b
// CASE: m=3 hidden:m
// CASE: b=2,m=3 batch:b,hidden:m
// CASE: b=1,m=3 batch:b,hidden:m
// CASE: b=2,m=1 batch:b,hidden:m
// CASE: b=3,m=2 hidden:b,batch:m
module {
  func.func @odd_sizes() {
    %x = meshc.input "x" features {classes = 7} : !meshc.tensor<batch=10, d_in=37, f32>
    %y = meshc.input "y" labels {classes = 7} : !meshc.tensor<batch=10, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.3} : !meshc.tensor<d_in=37, hidden=21, f32>
    %b1 = meshc.param "b1" constant {scale = 0.01} : !meshc.tensor<hidden=21, f32>
    %w2 = meshc.param "w2" normal {scale = 0.3} : !meshc.tensor<classes=7, hidden=21, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=10, d_in=37, f32>, !meshc.tensor<d_in=37, hidden=21, f32> -> !meshc.tensor<hidden=21, batch=10, f32>
    %a = meshc.add %h, %b1 : !meshc.tensor<hidden=21, batch=10, f32>, !meshc.tensor<hidden=21, f32> -> !meshc.tensor<batch=10, hidden=21, f32>
    %r = meshc.relu %a : !meshc.tensor<batch=10, hidden=21, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=10, hidden=21, f32>, !meshc.tensor<classes=7, hidden=21, f32> -> !meshc.tensor<batch=10, classes=7, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=10, classes=7, f32>, !meshc.tensor<batch=10, i32> -> !meshc.tensor<batch=10, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=10, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.2} : !meshc.tensor<f32>
    return
  }
}
