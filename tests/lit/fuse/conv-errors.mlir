// RUN: meshc-opt %s --split-input-file --verify-diagnostics

// The verifiers of meshc-fuse-conv's ops, meshc.conv_bias_act and meshc.conv_grad_filter_bias:
// the bias (or its gradient) per channel, and the convolution's own geometry checked as for
// meshc.conv.

func.func @bias_dim(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=2, c=3, kh=3, f32>, %b: !meshc.tensor<c=2, f32>) -> !meshc.tensor<n=2, f=2, oh=5, f32> {
  // expected-error @+1 {{the bias '!meshc.tensor<c=2, f32>' must be f32 with exactly the dim 'f' of size 2 (the result's out_channel)}}
  %y = meshc.conv_bias_act %x, %w, %b {relu, input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32>, !meshc.tensor<c=2, f32> -> !meshc.tensor<n=2, f=2, oh=5, f32>
  return %y : !meshc.tensor<n=2, f=2, oh=5, f32>
}

// -----

func.func @bias_size(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=2, c=3, kh=3, f32>, %b: !meshc.tensor<f=3, f32>) -> !meshc.tensor<n=2, f=2, oh=5, f32> {
  // expected-error @+1 {{the bias '!meshc.tensor<f=3, f32>' must be f32 with exactly the dim 'f' of size 2 (the result's out_channel)}}
  %y = meshc.conv_bias_act %x, %w, %b {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32>, !meshc.tensor<f=3, f32> -> !meshc.tensor<n=2, f=2, oh=5, f32>
  return %y : !meshc.tensor<n=2, f=2, oh=5, f32>
}

// -----

func.func @bias_rank(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=2, c=3, kh=3, f32>, %b: !meshc.tensor<n=2, f=2, f32>) -> !meshc.tensor<n=2, f=2, oh=5, f32> {
  // expected-error @+1 {{the bias '!meshc.tensor<n=2, f=2, f32>' must be f32 with exactly the dim 'f' of size 2 (the result's out_channel)}}
  %y = meshc.conv_bias_act %x, %w, %b {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32>, !meshc.tensor<n=2, f=2, f32> -> !meshc.tensor<n=2, f=2, oh=5, f32>
  return %y : !meshc.tensor<n=2, f=2, oh=5, f32>
}

// -----

func.func @bias_element_type(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=2, c=3, kh=3, f32>, %b: !meshc.tensor<f=2, i32>) -> !meshc.tensor<n=2, f=2, oh=5, f32> {
  // expected-error @+1 {{the bias '!meshc.tensor<f=2, i32>' must be f32 with exactly the dim 'f' of size 2 (the result's out_channel)}}
  %y = meshc.conv_bias_act %x, %w, %b {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32>, !meshc.tensor<f=2, i32> -> !meshc.tensor<n=2, f=2, oh=5, f32>
  return %y : !meshc.tensor<n=2, f=2, oh=5, f32>
}

// -----

// The convolution's geometry: as meshc.conv's verifier checks it (here the output size).
func.func @geometry(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=2, c=3, kh=3, f32>, %b: !meshc.tensor<f=2, f32>) -> !meshc.tensor<n=2, f=2, oh=6, f32> {
  // expected-error @+1 {{output spatial dim 'oh' of the result has size 6 but the window along 'h' gives 5}}
  %y = meshc.conv_bias_act %x, %w, %b {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32>, !meshc.tensor<f=2, f32> -> !meshc.tensor<n=2, f=2, oh=6, f32>
  return %y : !meshc.tensor<n=2, f=2, oh=6, f32>
}

// -----

func.func @bias_grad_dim(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %dy: !meshc.tensor<n=2, f=2, oh=5, f32>) -> !meshc.tensor<n=2, f32> {
  // expected-error @+1 {{the bias gradient '!meshc.tensor<n=2, f32>' must be f32 with exactly the dim 'f' of size 2 (the grad's out_channel)}}
  %dw, %db = meshc.conv_grad_filter_bias %x, %dy {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=2, f=2, oh=5, f32> -> !meshc.tensor<f=2, c=3, kh=3, f32>, !meshc.tensor<n=2, f32>
  return %db : !meshc.tensor<n=2, f32>
}

// -----

func.func @filter_grad_dims(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %dy: !meshc.tensor<n=2, f=2, oh=5, f32>) -> !meshc.tensor<f=2, f32> {
  // expected-error @+1 {{the result '!meshc.tensor<f=2, kh=3, f32>' must have exactly the dims 'c' 'f' 'kh' (in_channel, out_channel, kernel)}}
  %dw, %db = meshc.conv_grad_filter_bias %x, %dy {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=2, f=2, oh=5, f32> -> !meshc.tensor<f=2, kh=3, f32>, !meshc.tensor<f=2, f32>
  return %db : !meshc.tensor<f=2, f32>
}
