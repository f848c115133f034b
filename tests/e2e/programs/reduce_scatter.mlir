// Two dims of one einsum on one mesh axis (i of x and k of w, both on a): gathering the small x
// and summing k over its slices leaves a partial sum that the result wants split along i, which
// meshc turns into a reduce_scatter (see tests/lit/partition/collectives.mlir). Six classes, so a
// split class dim j is gathered (all_slice after) rather than vocab-parallel (from 7 on).
// CASE: a=1
// CASE: a=2 i:a,k:a => all_gather reduce_scatter
// CASE: a=4 i:a,k:a
// CASE: a=2,m=2 i:a,k:a
// CASE: a=2,m=2 i:a,k:a,j:m => reduce_scatter all_slice
// CASE: a=2,m=2 i:m,k:m => reduce_scatter
// CASE: a=1,m=2 i:a,k:m
// CASE: a=2,m=1 i:a,k:a
module {
  func.func @reduce_scatter() {
    %x = meshc.input "x" features {classes = 6} : !meshc.tensor<i=8, j=6, f32>
    %y = meshc.input "y" labels {classes = 6} : !meshc.tensor<i=8, i32>
    %w = meshc.param "w" uniform {scale = 0.1} : !meshc.tensor<j=6, k=256, f32>
    %c = meshc.einsum %x, %w : !meshc.tensor<i=8, j=6, f32>, !meshc.tensor<j=6, k=256, f32> -> !meshc.tensor<i=8, j=6, f32>
    %l = meshc.softmax_xent %c, %y {class_dim = "j"} : !meshc.tensor<i=8, j=6, f32>, !meshc.tensor<i=8, i32> -> !meshc.tensor<i=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<i=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
