// Layout overrides and renames between dense layers: the hidden activation is relayouted
// (batch onto m: an all_to_all from h on m), renamed h → g (the split follows the dim, then
// moves to g's own layout) and relayouted again (g onto b); backward, each relayout's adjoint
// is relayouted the same way. Every override names axes b and m, so every mesh has both.
// CASE: b=1,m=1
// CASE: b=1,m=4 h:m => all_to_all
// CASE: b=4,m=1 batch:b => all_to_all
// CASE: b=2,m=2 batch:b,h:m => all_to_all
// CASE: b=2,m=2 h:m,g:b => all_to_all
// CASE: b=2,m=2 batch:m,d:b,classes:b
// CASE: b=1,m=2 g:m
module {
  func.func @relayout() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.6} : !meshc.tensor<d=8, h=8, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<g=8, classes=4, f32>
    %xr = meshc.relayout %x {layout = #meshc.layout<"d:m">} : !meshc.tensor<batch=8, d=8, f32>
    %h0 = meshc.einsum %xr, %w1 : !meshc.tensor<batch=8, d=8, f32>, !meshc.tensor<d=8, h=8, f32> -> !meshc.tensor<batch=8, h=8, f32>
    %hr = meshc.relayout %h0 {layout = #meshc.layout<"batch:m">} : !meshc.tensor<batch=8, h=8, f32>
    %h = meshc.relu %hr : !meshc.tensor<batch=8, h=8, f32>
    %g = meshc.rename %h : !meshc.tensor<batch=8, h=8, f32> -> !meshc.tensor<batch=8, g=8, f32>
    %gr = meshc.relayout %g {layout = #meshc.layout<"g:b">} : !meshc.tensor<batch=8, g=8, f32>
    %logits = meshc.einsum %gr, %w2 : !meshc.tensor<batch=8, g=8, f32>, !meshc.tensor<g=8, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
