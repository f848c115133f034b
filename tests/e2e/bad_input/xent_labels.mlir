// A program whose softmax cross-entropy has 8 classes, so that a layout splitting the class
// dim gives it the vocab-parallel form (meshc-localize, LocalizeXent.cpp): xent_bad_labels.py
// trains it on a label file with a label outside [0, 8).
module {
  func.func @xent_labels() {
    %x = meshc.input "x" features {classes = 8} : !meshc.tensor<batch=8, d_in=6, f32>
    %y = meshc.input "y" labels {classes = 8} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.3} : !meshc.tensor<d_in=6, classes=8, f32>
    %logits = meshc.einsum %x, %w : !meshc.tensor<batch=8, d_in=6, f32>, !meshc.tensor<d_in=6, classes=8, f32> -> !meshc.tensor<batch=8, classes=8, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=8, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
