// A relayout to a mesh axis the mesh lacks, on the path to the loss: autodiff copies it into
// the gradient program, and the error was printed twice (forward and adjoint).
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">} {
  func.func @bad_relayout() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=6, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d_in=6, classes=4, f32>
    %wr = meshc.relayout %w {layout = #meshc.layout<"classes:model">} : !meshc.tensor<d_in=6, classes=4, f32>
    %logits = meshc.einsum %x, %wr : !meshc.tensor<batch=8, d_in=6, f32>, !meshc.tensor<d_in=6, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
