// A mixture-of-experts layer with top-1 routing and expert capacity (2 here), in the Mesh-TensorFlow
// style: argmax → one_hot over experts → exclusive cumsum over the batch gives each token's
// position in its expert → one_hot over the capacity (positions beyond it give a zero row:
// the token is dropped) → dispatch and combine einsums. Split experts give one_hot a class
// offset (its sharding); the cumsum needs the batch whole.
// CASE: b=1
// CASE: m=2 experts:m
// CASE: b=2 batch:b => all_gather
// CASE: b=2,m=2 batch:b,experts:m
// CASE: b=1,m=2 batch:b,experts:m
// CASE: b=2,m=1 batch:b,experts:m
// CASE: m=2 capacity:m
// CASE: b=2,m=2 batch:b,h:m
module {
  func.func @moe_dispatch() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %wg = meshc.param "wg" uniform {scale = 1.0} : !meshc.tensor<d=4, experts=4, f32>
    %g = meshc.einsum %x, %wg : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, experts=4, f32> -> !meshc.tensor<batch=8, experts=4, f32>
    %top = meshc.argmax %g {dim = "experts"} : !meshc.tensor<batch=8, experts=4, f32> -> !meshc.tensor<batch=8, i32>
    %mask = meshc.one_hot %top : !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, experts=4, f32>
    %pos = meshc.cumsum %mask {dim = "batch", exclusive = true} : !meshc.tensor<batch=8, experts=4, f32>
    %slot = meshc.one_hot %pos : !meshc.tensor<batch=8, experts=4, f32> -> !meshc.tensor<batch=8, experts=4, capacity=2, f32>
    %dispatch = meshc.mul %slot, %mask : !meshc.tensor<batch=8, experts=4, capacity=2, f32>, !meshc.tensor<batch=8, experts=4, f32> -> !meshc.tensor<batch=8, experts=4, capacity=2, f32>
    %gate = meshc.mul %mask, %g : !meshc.tensor<batch=8, experts=4, f32>, !meshc.tensor<batch=8, experts=4, f32> -> !meshc.tensor<batch=8, experts=4, f32>
    %combine = meshc.mul %slot, %gate : !meshc.tensor<batch=8, experts=4, capacity=2, f32>, !meshc.tensor<batch=8, experts=4, f32> -> !meshc.tensor<batch=8, experts=4, capacity=2, f32>
    %xin = meshc.einsum %dispatch, %x : !meshc.tensor<batch=8, experts=4, capacity=2, f32>, !meshc.tensor<batch=8, d=4, f32> -> !meshc.tensor<experts=4, capacity=2, d=4, f32>
    %we = meshc.param "we" uniform {scale = 0.6} : !meshc.tensor<experts=4, d=4, h=6, f32>
    %eh = meshc.einsum %xin, %we : !meshc.tensor<experts=4, capacity=2, d=4, f32>, !meshc.tensor<experts=4, d=4, h=6, f32> -> !meshc.tensor<experts=4, capacity=2, h=6, f32>
    %er = meshc.relu %eh : !meshc.tensor<experts=4, capacity=2, h=6, f32>
    %wo = meshc.param "wo" uniform {scale = 0.6} : !meshc.tensor<experts=4, h=6, classes=4, f32>
    %eo = meshc.einsum %er, %wo : !meshc.tensor<experts=4, capacity=2, h=6, f32>, !meshc.tensor<experts=4, h=6, classes=4, f32> -> !meshc.tensor<experts=4, capacity=2, classes=4, f32>
    %out = meshc.einsum %combine, %eo : !meshc.tensor<batch=8, experts=4, capacity=2, f32>, !meshc.tensor<experts=4, capacity=2, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %ws = meshc.param "ws" uniform {scale = 0.5} : !meshc.tensor<d=4, classes=4, f32>
    %skip = meshc.einsum %x, %ws : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %logits = meshc.add %out, %skip : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %loss {learning_rate = 0.3} : !meshc.tensor<f32>
    return
  }
}
