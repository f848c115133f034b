// A dim summed out of one einsum operand only, a result laid out [N, M], single-operand einsums
// (a transpose and a sum), broadcasting add/sub/mul with operands in reordered dims, an
// elementwise einsum (no contraction), reduce_sum over one dim and over several, and a loss that
// adds scalars. batch:b,n:m splits [batch, n] tensors on both axes of the mesh.
// CASE: b=1
// CASE: b=2 batch:b
// CASE: m=2 n:m
// CASE: b=2,m=2 batch:b,n:m
// CASE: b=1,m=2 batch:b,n:m
// CASE: b=2,m=1 batch:b,n:m
// CASE: b=2,m=2 k:b,j:m
// CASE: b=2,m=2 batch:b,classes:m
// CASE: b=2,m=2 n:b,j:m
module {
  func.func @reductions_broadcast() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, k=4, j=6, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %p = meshc.param "p" uniform {scale = 0.3} : !meshc.tensor<n=8, j=6, f32>
    %q = meshc.param "q" normal {scale = 0.2} : !meshc.tensor<j=6, n=8, f32>
    %b = meshc.param "b" constant {scale = 0.1} : !meshc.tensor<n=8, f32>
    %h = meshc.param "h" uniform {scale = 0.2} : !meshc.tensor<n=8, f32>
    %c = meshc.param "c" uniform {scale = 0.5} : !meshc.tensor<classes=4, n=8, f32>
    // k is summed out of x alone, j is contracted; the result is [n, batch].
    %e = meshc.einsum %x, %p : !meshc.tensor<batch=8, k=4, j=6, f32>, !meshc.tensor<n=8, j=6, f32> -> !meshc.tensor<n=8, batch=8, f32>
    %t = meshc.einsum %e : !meshc.tensor<n=8, batch=8, f32> -> !meshc.tensor<batch=8, n=8, f32>
    %s = meshc.einsum %x : !meshc.tensor<batch=8, k=4, j=6, f32> -> !meshc.tensor<j=6, batch=8, f32>
    %u = meshc.einsum %s, %q : !meshc.tensor<j=6, batch=8, f32>, !meshc.tensor<j=6, n=8, f32> -> !meshc.tensor<batch=8, n=8, f32>
    %a1 = meshc.add %t, %b : !meshc.tensor<batch=8, n=8, f32>, !meshc.tensor<n=8, f32> -> !meshc.tensor<n=8, batch=8, f32>
    %a2 = meshc.mul %a1, %u : !meshc.tensor<n=8, batch=8, f32>, !meshc.tensor<batch=8, n=8, f32> -> !meshc.tensor<batch=8, n=8, f32>
    %r = meshc.relu %a2 : !meshc.tensor<batch=8, n=8, f32>
    %d = meshc.sub %h, %r : !meshc.tensor<n=8, f32>, !meshc.tensor<batch=8, n=8, f32> -> !meshc.tensor<n=8, batch=8, f32>
    // No contraction: an elementwise product with broadcasts, [batch, classes, n].
    %z = meshc.einsum %d, %c : !meshc.tensor<n=8, batch=8, f32>, !meshc.tensor<classes=4, n=8, f32> -> !meshc.tensor<batch=8, classes=4, n=8, f32>
    %logits = meshc.reduce_sum %z : !meshc.tensor<batch=8, classes=4, n=8, f32> -> !meshc.tensor<classes=4, batch=8, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<classes=4, batch=8, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %xent = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    // Penalties bounded below: the sum of r over both of its dims, and of q*q over both of its.
    %rs = meshc.reduce_sum %r : !meshc.tensor<batch=8, n=8, f32> -> !meshc.tensor<f32>
    %q2 = meshc.mul %q, %q : !meshc.tensor<j=6, n=8, f32>, !meshc.tensor<j=6, n=8, f32> -> !meshc.tensor<n=8, j=6, f32>
    %qs = meshc.reduce_sum %q2 : !meshc.tensor<n=8, j=6, f32> -> !meshc.tensor<f32>
    %pen = meshc.add %rs, %qs : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
    %loss = meshc.add %xent, %pen : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.05} : !meshc.tensor<f32>
    return
  }
}
