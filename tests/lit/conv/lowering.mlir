// RUN: not meshc %s --mesh b=2 --layout n:b -o %t 2>&1 | FileCheck %s

// The Conv family has no lowering yet (the runtime's CNN kernels come first): compiling a program
// that uses it stops at the first such op with a located error, after partitioning, and writes
// no executable.
// CHECK: lowering.mlir:[[# @LINE + 6]]:{{[0-9]+}}: error: 'meshc.conv' op cannot be lowered to the runtime
// CHECK-NOT: error
func.func @cnn() {
  %x = meshc.input "x" features {classes = 3} : !meshc.tensor<n=4, c=2, h=6, f32>
  %y = meshc.input "y" labels {classes = 3} : !meshc.tensor<n=4, i32>
  %k = meshc.param "k" uniform {scale = 0.5} : !meshc.tensor<f=3, c=2, kh=3, f32>
  %a = meshc.conv %x, %k {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=4, c=2, h=6, f32>, !meshc.tensor<f=3, c=2, kh=3, f32> -> !meshc.tensor<n=4, f=3, oh=4, f32>
  %p = meshc.avg_pool %a {input_spatial = ["oh"], output_spatial = ["p"], window = array<i64: 4>, strides = array<i64: 4>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=4, f=3, oh=4, f32> -> !meshc.tensor<n=4, f=3, p=1, f32>
  %l = meshc.reshape %p : !meshc.tensor<n=4, f=3, p=1, f32> -> !meshc.tensor<n=4, classes=3, f32>
  %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<n=4, classes=3, f32>, !meshc.tensor<n=4, i32> -> !meshc.tensor<n=4, f32>
  %m = meshc.reduce_mean %e : !meshc.tensor<n=4, f32> -> !meshc.tensor<f32>
  meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
  return
}
