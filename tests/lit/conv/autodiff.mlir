// RUN: meshc-opt %s --split-input-file --meshc-autodiff | FileCheck %s

// conv's adjoints: conv_transpose of dy with the filter (the input's) and conv_grad_filter of
// the input with dy (the filter's), both with the forward op's window attributes.
// CHECK-LABEL: func.func @conv
// CHECK: %[[X:.+]] = meshc.param "x"
// CHECK: %[[W:.+]] = meshc.param "w"
// CHECK: meshc.conv %[[X]], %[[W]] {[[ATTRS:.+]]} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=2, oh=3, f32>
// CHECK: %[[DX:.+]] = meshc.conv_transpose %[[DY:.+]], %[[W]] {[[ATTRS]]} : !meshc.tensor<n=2, f=2, oh=3, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, c=3, h=7, f32>
// CHECK-NEXT: %[[DW:.+]] = meshc.conv_grad_filter %[[X]], %[[DY]] {[[ATTRS]]} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=2, f=2, oh=3, f32> -> !meshc.tensor<f=2, c=3, kh=3, f32>
// CHECK-DAG: meshc.sgd_update %[[X]], %[[DX]]
// CHECK-DAG: meshc.sgd_update %[[W]], %[[DW]]
func.func @conv() {
  %x = meshc.param "x" normal {scale = 1.0} : !meshc.tensor<n=2, c=3, h=7, f32>
  %w = meshc.param "w" normal {scale = 1.0} : !meshc.tensor<f=2, c=3, kh=3, f32>
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 2>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=2, oh=3, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<n=2, f=2, oh=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// conv_transpose's adjoints: conv of dy with the filter (same attributes) for the input;
// conv_grad_filter with dy as the forward input and the operand as the forward output adjoint
// for the filter.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: %[[X:.+]] = meshc.param "x"
// CHECK: %[[W:.+]] = meshc.param "w"
// CHECK: meshc.conv_transpose %[[X]], %[[W]]
// CHECK: %[[DX:.+]] = meshc.conv %[[DY:.+]], %[[W]] {{.+}} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=2, oh=3, f32>
// CHECK-NEXT: %[[DW:.+]] = meshc.conv_grad_filter %[[DY]], %[[X]] {{.+}} -> !meshc.tensor<f=2, c=3, kh=3, f32>
func.func @conv_transpose() {
  %x = meshc.param "x" normal {scale = 1.0} : !meshc.tensor<n=2, f=2, oh=3, f32>
  %w = meshc.param "w" normal {scale = 1.0} : !meshc.tensor<f=2, c=3, kh=3, f32>
  %y = meshc.conv_transpose %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 2>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, f=2, oh=3, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, c=3, h=7, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<n=2, c=3, h=7, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// Pooling: max_pool's adjoint reads the forward input (to find each window's maximum),
// avg_pool's only dy.
// CHECK-LABEL: func.func @pools
// CHECK: %[[X:.+]] = meshc.param "x"
// CHECK: %[[M:.+]] = meshc.max_pool %[[X]]
// CHECK: %[[A:.+]] = meshc.avg_pool %[[M]]
// CHECK: %[[DM:.+]] = meshc.avg_pool_grad %{{.+}} {{.+}} : !meshc.tensor<n=2, c=1, q=2, f32> -> !meshc.tensor<n=2, c=1, p=4, f32>
// CHECK: meshc.max_pool_grad %[[X]], %[[DM]] {{.+}} : !meshc.tensor<n=2, c=1, h=8, f32>, !meshc.tensor<n=2, c=1, p=4, f32> -> !meshc.tensor<n=2, c=1, h=8, f32>
func.func @pools() {
  %x = meshc.param "x" normal {scale = 1.0} : !meshc.tensor<n=2, c=1, h=8, f32>
  %m = meshc.max_pool %x {input_spatial = ["h"], output_spatial = ["p"], window = array<i64: 2>, strides = array<i64: 2>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=1, h=8, f32> -> !meshc.tensor<n=2, c=1, p=4, f32>
  %a = meshc.avg_pool %m {input_spatial = ["p"], output_spatial = ["q"], window = array<i64: 2>, strides = array<i64: 2>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=1, p=4, f32> -> !meshc.tensor<n=2, c=1, q=2, f32>
  %l = meshc.reduce_sum %a : !meshc.tensor<n=2, c=1, q=2, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}

// -----

// batch_norm's adjoint is one batch_norm_grad giving all five operand adjoints.
// CHECK-LABEL: func.func @batch_norm
// CHECK: %[[X:.+]] = meshc.param "x"
// CHECK: %[[M:.+]] = meshc.param "m"
// CHECK: %[[V:.+]] = meshc.param "v"
// CHECK: %[[G:.+]] = meshc.param "g"
// CHECK: %[[B:.+]] = meshc.param "b"
// CHECK: %[[DX:.+]], %[[DM:.+]], %[[DV:.+]], %[[DG:.+]], %[[DB:.+]] = meshc.batch_norm_grad %[[X]], %[[M]], %[[V]], %[[G]], %{{.+}} {channel = "c", epsilon = 1.000000e-03 : f64}
// CHECK-DAG: meshc.sgd_update %[[X]], %[[DX]]
// CHECK-DAG: meshc.sgd_update %[[M]], %[[DM]]
// CHECK-DAG: meshc.sgd_update %[[V]], %[[DV]]
// CHECK-DAG: meshc.sgd_update %[[G]], %[[DG]]
// CHECK-DAG: meshc.sgd_update %[[B]], %[[DB]]
func.func @batch_norm() {
  %x = meshc.param "x" normal {scale = 1.0} : !meshc.tensor<n=2, c=3, f32>
  %m = meshc.param "m" normal {scale = 1.0} : !meshc.tensor<c=3, f32>
  %v = meshc.param "v" constant {scale = 1.0} : !meshc.tensor<c=3, f32>
  %g = meshc.param "g" normal {scale = 1.0} : !meshc.tensor<c=3, f32>
  %b = meshc.param "b" normal {scale = 1.0} : !meshc.tensor<c=3, f32>
  %y = meshc.batch_norm %x, %m, %v, %g, %b {channel = "c", epsilon = 1.0e-3} : !meshc.tensor<n=2, c=3, f32>, !meshc.tensor<c=3, f32>
  %l = meshc.reduce_sum %y : !meshc.tensor<n=2, c=3, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
