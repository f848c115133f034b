// RUN: meshc-opt %s | meshc-opt | FileCheck %s

// Every op of the Conv family prints and parses back.
// CHECK-LABEL: func.func @conv_ops
func.func @conv_ops() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>
  %k = meshc.param "k" normal {scale = 0.1} : !meshc.tensor<f=4, c=3, kh=3, kw=2, f32>
  // CHECK: %[[Y:.+]] = meshc.conv %{{.+}}, %{{.+}} {dilations = array<i64: 1, 2>, in_channel = "c", input_spatial = ["h", "w"], kernel_spatial = ["kh", "kw"], out_channel = "f", output_spatial = ["oh", "ow"], pad_hi = array<i64: 1, 0>, pad_lo = array<i64: 1, 0>, strides = array<i64: 2, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<f=4, c=3, kh=3, kw=2, f32> -> !meshc.tensor<n=2, f=4, oh=4, ow=4, f32>
  %y = meshc.conv %x, %k {input_spatial = ["h", "w"], output_spatial = ["oh", "ow"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, pad_lo = array<i64: 1, 0>, pad_hi = array<i64: 1, 0>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<f=4, c=3, kh=3, kw=2, f32> -> !meshc.tensor<n=2, f=4, oh=4, ow=4, f32>
  // CHECK: meshc.conv_transpose %[[Y]], %{{.+}} {{.+}} : !meshc.tensor<n=2, f=4, oh=4, ow=4, f32>, !meshc.tensor<f=4, c=3, kh=3, kw=2, f32> -> !meshc.tensor<n=2, c=3, h=7, w=6, f32>
  %dx = meshc.conv_transpose %y, %k {input_spatial = ["h", "w"], output_spatial = ["oh", "ow"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, pad_lo = array<i64: 1, 0>, pad_hi = array<i64: 1, 0>} : !meshc.tensor<n=2, f=4, oh=4, ow=4, f32>, !meshc.tensor<f=4, c=3, kh=3, kw=2, f32> -> !meshc.tensor<n=2, c=3, h=7, w=6, f32>
  // CHECK: meshc.conv_grad_filter %{{.+}}, %[[Y]] {{.+}} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<n=2, f=4, oh=4, ow=4, f32> -> !meshc.tensor<f=4, c=3, kh=3, kw=2, f32>
  %dk = meshc.conv_grad_filter %x, %y {input_spatial = ["h", "w"], output_spatial = ["oh", "ow"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, pad_lo = array<i64: 1, 0>, pad_hi = array<i64: 1, 0>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<n=2, f=4, oh=4, ow=4, f32> -> !meshc.tensor<f=4, c=3, kh=3, kw=2, f32>
  // CHECK: %[[P:.+]] = meshc.max_pool %{{.+}} {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], pad_hi = array<i64: 0, 1>, pad_lo = array<i64: 0, 1>, strides = array<i64: 2, 1>, window = array<i64: 2, 3>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=3, w=6, f32>
  %p = meshc.max_pool %x {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=3, w=6, f32>
  // CHECK: meshc.max_pool_grad %{{.+}}, %[[P]] {{.+}} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<n=2, c=3, ph=3, w=6, f32> -> !meshc.tensor<n=2, c=3, h=7, w=6, f32>
  %pg = meshc.max_pool_grad %x, %p {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<n=2, c=3, ph=3, w=6, f32> -> !meshc.tensor<n=2, c=3, h=7, w=6, f32>
  // CHECK: %[[A:.+]] = meshc.avg_pool %{{.+}} {{.+}} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=3, w=6, f32>
  %a = meshc.avg_pool %x {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=3, w=6, f32>
  // CHECK: meshc.avg_pool_grad %[[A]] {{.+}} : !meshc.tensor<n=2, c=3, ph=3, w=6, f32> -> !meshc.tensor<n=2, c=3, h=7, w=6, f32>
  %ag = meshc.avg_pool_grad %a {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, ph=3, w=6, f32> -> !meshc.tensor<n=2, c=3, h=7, w=6, f32>
  %m = meshc.param "m" zeros {scale = 0.0} : !meshc.tensor<c=3, f32>
  // CHECK: %[[B:.+]] = meshc.batch_norm %{{.+}}, %[[M:.+]], %[[M]], %[[M]], %[[M]] {channel = "c", epsilon = 1.000000e-05 : f64} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<c=3, f32>
  %b = meshc.batch_norm %x, %m, %m, %m, %m {channel = "c", epsilon = 1.0e-5} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<c=3, f32>
  // CHECK: %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} = meshc.batch_norm_grad %{{.+}}, %[[M]], %[[M]], %[[M]], %[[B]] {channel = "c", epsilon = 1.000000e-05 : f64} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<c=3, f32>
  %bg:5 = meshc.batch_norm_grad %x, %m, %m, %m, %b {channel = "c", epsilon = 1.0e-5} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<c=3, f32>
  return
}
