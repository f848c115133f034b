// Batch norm with running statistics, as the DSL's batch_norm(..., RunningStats{"bn"}) builds
// it: the batch's mean and (biased) variance normalise in training; the state params bn_mean and
// bn_var (`state`: not trained) follow them, running -= 0.1 (running - batch) with the variance
// unbiased (x 32/31, 32 values per channel), by a meshc.sgd_update in the forward program; the
// train_or_eval ops give evaluation the running statistics instead. Layouts: split batch
// (synchronised statistics: the running ones agree on every rank), split channels, both, and a
// split non-channel dim. bn_running.py checks the statistics against NumPy.
// CASE: b=1
// CASE: b=2 n:b => all_reduce
// CASE: m=2 c:m
// CASE: b=2,m=2 n:b,c:m => all_reduce
// CASE: m=2 w:m => all_reduce
module {
  func.func @bn_running() {
    %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=8, w=4, c=4, f32>
    %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=8, i32>
    %gamma = meshc.param "gamma" constant {scale = 1.0} : !meshc.tensor<c=4, f32>
    %beta = meshc.param "beta" constant {scale = 0.1} : !meshc.tensor<c=4, f32>
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<w=4, c=4, classes=3, f32>
    %bn_mean = meshc.param "bn_mean" zeros {scale = 0.0, state} : !meshc.tensor<c=4, f32>
    %bn_var = meshc.param "bn_var" constant {scale = 1.0, state} : !meshc.tensor<c=4, f32>
    %0 = meshc.reduce_mean %x : !meshc.tensor<n=8, w=4, c=4, f32> -> !meshc.tensor<c=4, f32>
    %1 = meshc.sub %x, %0 : !meshc.tensor<n=8, w=4, c=4, f32>, !meshc.tensor<c=4, f32> -> !meshc.tensor<n=8, w=4, c=4, f32>
    %2 = meshc.mul %1, %1 : !meshc.tensor<n=8, w=4, c=4, f32>, !meshc.tensor<n=8, w=4, c=4, f32> -> !meshc.tensor<n=8, w=4, c=4, f32>
    %3 = meshc.reduce_mean %2 : !meshc.tensor<n=8, w=4, c=4, f32> -> !meshc.tensor<c=4, f32>
    %4 = meshc.sub %bn_mean, %0 : !meshc.tensor<c=4, f32>, !meshc.tensor<c=4, f32> -> !meshc.tensor<c=4, f32>
    meshc.sgd_update %bn_mean, %4 {learning_rate = 0.1} : !meshc.tensor<c=4, f32>, !meshc.tensor<c=4, f32>
    %5 = meshc.scale %3 {factor = 1.032258064516129} : !meshc.tensor<c=4, f32>
    %6 = meshc.sub %bn_var, %5 : !meshc.tensor<c=4, f32>, !meshc.tensor<c=4, f32> -> !meshc.tensor<c=4, f32>
    meshc.sgd_update %bn_var, %6 {learning_rate = 0.1} : !meshc.tensor<c=4, f32>, !meshc.tensor<c=4, f32>
    %7 = meshc.train_or_eval %0, %bn_mean : !meshc.tensor<c=4, f32>
    %8 = meshc.train_or_eval %3, %bn_var : !meshc.tensor<c=4, f32>
    %9 = meshc.batch_norm %x, %7, %8, %gamma, %beta {channel = "c", epsilon = 1.0e-05} : !meshc.tensor<n=8, w=4, c=4, f32>, !meshc.tensor<c=4, f32>
    %10 = meshc.relu %9 : !meshc.tensor<n=8, w=4, c=4, f32>
    %11 = meshc.einsum %10, %v : !meshc.tensor<n=8, w=4, c=4, f32>, !meshc.tensor<w=4, c=4, classes=3, f32> -> !meshc.tensor<n=8, classes=3, f32>
    %12 = meshc.softmax_xent %11, %y {class_dim = "classes"} : !meshc.tensor<n=8, classes=3, f32>, !meshc.tensor<n=8, i32> -> !meshc.tensor<n=8, f32>
    %13 = meshc.reduce_mean %12 : !meshc.tensor<n=8, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %13 {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
