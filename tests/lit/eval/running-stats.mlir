// RUN: meshc-opt %s --meshc-partition-pipeline --meshc-lower-to-llvm | FileCheck %s
// RUN: meshc-opt %s --meshc-autodiff | FileCheck %s --check-prefix=AD
// RUN: meshc %s --explain | FileCheck %s --check-prefix=EXPLAIN

// Batch norm with running statistics (the DSL's batch_norm with RunningStats), batch split:
//  - autodiff trains gamma, beta and v, never the state params bn_mean and bn_var, and keeps
//    their updates by the batch statistics in the forward program;
//  - meshc_step computes the (all-reduced) batch statistics, updates the running ones, and
//    normalises with the batch's (train_or_eval copies its train operand);
//  - meshc_eval computes no statistics and updates nothing: it normalises with the running
//    ones;
//  - --explain counts the two state tensors apart from the parameters, and the optimizer is
//    the minimize's alone.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"n:b">} {
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
    meshc.minimize momentum %13 {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
// AD: %[[M:.*]] = meshc.param "bn_mean" zeros {scale = 0.000000e+00 : f64, state}
// AD: %[[V:.*]] = meshc.param "bn_var" constant {scale = 1.000000e+00 : f64, state}
// AD: meshc.sgd_update %[[M]], %{{.*}} {learning_rate = 1.000000e-01 : f64}
// AD: meshc.sgd_update %[[V]], %{{.*}} {learning_rate = 1.000000e-01 : f64}
// AD: %[[S:.*]] = meshc.train_or_eval %[[MEAN:.*]], %[[M]]
// AD: meshc.batch_norm_grad %{{.*}}, %[[S]],
// AD-NOT: meshc.momentum_update %[[M]]
// AD-NOT: meshc.momentum_update %[[V]]
// AD-COUNT-3: meshc.momentum_update
// AD-NOT: meshc.momentum_update
// AD: meshc.output "loss"
// AD-NOT: warning

// CHECK-LABEL: llvm.func @meshc_step(
// CHECK: llvm.call @meshrt_reduce_sum(
// CHECK: llvm.call @meshrt_allreduce_sum(
// CHECK: llvm.call @meshrt_sgd_update(
// CHECK: llvm.call @meshrt_sgd_update(
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_batch_norm(
// CHECK: llvm.call @meshrt_batch_norm_grad(
// CHECK-COUNT-3: llvm.call @meshrt_momentum_update(
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @meshc_eval(
// CHECK: llvm.call @meshrt_input(
// CHECK: llvm.call @meshrt_input(
// CHECK-NOT: @meshrt_reduce_sum
// CHECK-NOT: @meshrt_allreduce_sum
// CHECK-NOT: _update
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_batch_norm(
// CHECK-NOT: _update
// CHECK: llvm.return

// EXPLAIN: parameters {{.*}} 3 tensors
// EXPLAIN-NEXT: state {{.*}} 2 tensors not trained (batch norm running statistics)
// EXPLAIN: optimizer momentum (
