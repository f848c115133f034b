// Batched einsums with operands in odd dim orders (the kernels need transposes on both sides),
// a result that comes out in yet another order, and softmax_xent with the class dim first.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: h=2 head:h
// CASE: b=2,h=2 batch:b,head:h
// CASE: b=1,h=2 batch:b,head:h
// CASE: b=2,h=1 batch:b,head:h
// CASE: b=2,h=2 batch:b,d_out:h
// CASE: b=2,h=2 d_in:b,classes:h => all_gather all_slice
// CASE: b=2,h=2 head:b,classes:h
// CASE: b=2,h=2 head:b,d_out:h => all_reduce
module {
  func.func @batched_einsum() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=6, head=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.4} : !meshc.tensor<head=4, d_out=8, d_in=6, f32>
    %b = meshc.param "b" constant {scale = 0.05} : !meshc.tensor<d_out=8, head=4, f32>
    %v = meshc.param "v" uniform {scale = 0.3} : !meshc.tensor<classes=4, d_out=8, head=4, f32>
    // head is a batch dim of the einsum, d_in is contracted  the result is [head, batch, d_out].
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=6, head=4, f32>, !meshc.tensor<head=4, d_out=8, d_in=6, f32> -> !meshc.tensor<head=4, batch=8, d_out=8, f32>
    %a = meshc.add %h, %b : !meshc.tensor<head=4, batch=8, d_out=8, f32>, !meshc.tensor<d_out=8, head=4, f32> -> !meshc.tensor<batch=8, head=4, d_out=8, f32>
    %r = meshc.relu %a : !meshc.tensor<batch=8, head=4, d_out=8, f32>
    // d_out and head are both contracted  the logits come out class dim first.
    %logits = meshc.einsum %v, %r : !meshc.tensor<classes=4, d_out=8, head=4, f32>, !meshc.tensor<batch=8, head=4, d_out=8, f32> -> !meshc.tensor<classes=4, batch=8, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<classes=4, batch=8, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.2} : !meshc.tensor<f32>
    return
  }
}
