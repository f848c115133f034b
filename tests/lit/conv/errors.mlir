// RUN: meshc-opt %s --split-input-file -verify-diagnostics

// The verifiers of the Conv family (MeshcConvOps.cpp): one case per message.

// Convolution is f32 only.
func.func @conv_i32(%x: !meshc.tensor<n=2, c=3, h=7, i32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op the input must have element type f32, not 'i32'}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, i32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// At least one spatial dim.
func.func @conv_no_spatial(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op needs 1 to 3 spatial dims, not 0}}
  %y = meshc.conv %x, %w {input_spatial = [], output_spatial = [], kernel_spatial = [], in_channel = "c", out_channel = "f", strides = array<i64>, dilations = array<i64>, pad_lo = array<i64>, pad_hi = array<i64>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, f32> -> !meshc.tensor<n=2, f=4, f32>
  return
}

// -----

// At most three spatial dims.
func.func @conv_four_spatial(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op needs 1 to 3 spatial dims, not 4}}
  %y = meshc.conv %x, %w {input_spatial = ["h", "a", "b", "d"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// One entry per spatial dim in every array.
func.func @conv_array_length(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op 'strides' has 2 entries for 1 spatial dims}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// A spatial dim named twice.
func.func @conv_twice(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op input spatial dim 'h' appears twice}}
  %y = meshc.conv %x, %w {input_spatial = ["h", "h"], output_spatial = ["oh", "ow"], kernel_spatial = ["kh", "kw"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// A kernel dim named twice.
func.func @conv_kernel_twice(%x: !meshc.tensor<n=2, c=3, h=7, w=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op kernel dim 'kh' appears twice}}
  %y = meshc.conv %x, %w {input_spatial = ["h", "w"], output_spatial = ["oh", "ow"], kernel_spatial = ["kh", "kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pad_lo = array<i64: 0, 0>, pad_hi = array<i64: 0, 0>} : !meshc.tensor<n=2, c=3, h=7, w=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// Input and output channels are two dims.
func.func @conv_same_channels(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op in_channel and out_channel are both 'c'}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "c", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The input has the input channel.
func.func @conv_no_in_channel(%x: !meshc.tensor<n=2, d=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op the input '!meshc.tensor<n=2, d=3, h=7, f32>' has no in_channel 'c'}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, d=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The output channel is not a dim of the input.
func.func @conv_input_has_out_channel(%x: !meshc.tensor<n=2, c=3, h=7, f=1, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op out_channel 'f' is also a dimension of the input}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f=1, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The input has every input spatial dim.
func.func @conv_no_input_spatial(%x: !meshc.tensor<n=2, c=3, w=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op the input '!meshc.tensor<n=2, c=3, w=7, f32>' has no input spatial dim 'h'}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, w=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// Kernel dims belong to the filter alone.
func.func @conv_kernel_in_input(%x: !meshc.tensor<n=2, c=3, h=7, kh=3, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op kernel dim 'kh' is also a dimension of the input}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, kh=3, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The filter has exactly the channels and the kernel dims.
func.func @conv_filter_dims(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, g=2, f32>) {
  // expected-error @+1 {{'meshc.conv' op the filter '!meshc.tensor<f=4, c=3, kh=3, g=2, f32>' must have exactly the dims 'c' 'f' 'kh' (in_channel, out_channel, kernel)}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, g=2, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The result has the output channel.
func.func @conv_no_out_channel(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op the result '!meshc.tensor<n=2, g=4, oh=5, f32>' has no out_channel 'f'}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, g=4, oh=5, f32>
  return
}

// -----

// The input channel is summed away.
func.func @conv_result_in_channel(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op in_channel 'c' is also a dimension of the result}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, c=3, f32>
  return
}

// -----

// The result has every output spatial dim.
func.func @conv_no_output_spatial(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op the result '!meshc.tensor<n=2, f=4, ow=5, f32>' has no output spatial dim 'oh'}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, ow=5, f32>
  return
}

// -----

// An output spatial dim keeps only its own input dim's name.
func.func @conv_output_name(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op output spatial dim 'n' is a dimension of the input other than input spatial dim 'h'}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["n"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, f32>
  return
}

// -----

// Batch-like dims of the input reach the result.
func.func @conv_batch_missing(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op batch-like dim 'n' of the input is not a batch-like dim of the result}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<f=4, oh=5, f32>
  return
}

// -----

// Batch-like dims keep their size.
func.func @conv_batch_size(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op batch-like dim 'n' has size 2 in the input but 3 in the result}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=3, f=4, oh=5, f32>
  return
}

// -----

// The result has no dims from nowhere.
func.func @conv_extra_result_dim(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op dimension 'm' of the result is not a dimension of the input}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, m=2, f=4, oh=5, f32>
  return
}

// -----

// The filter's input channels are the input's.
func.func @conv_in_channel_size(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=2, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op in_channel 'c' has size 3 in the input but 2 in the filter}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=2, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The result's channels are the filter's output channels.
func.func @conv_out_channel_size(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op out_channel 'f' has size 4 in the filter but 5 in the result}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=5, oh=5, f32>
  return
}

// -----

// Strides are at least 1.
func.func @conv_stride(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op stride 0 along 'h' must be at least 1}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 0>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// Dilations are at least 1.
func.func @conv_dilation(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op dilation 0 along 'h' must be at least 1}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 0>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// Paddings are not negative.
func.func @conv_negative_pad(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op pad_hi -1 along 'h' must not be negative}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: -1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The dilated kernel fits the padded input.
func.func @conv_window_too_large(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op the window along 'h' (size 3, dilation 4) is larger than the padded input (7 + 0 + 0)}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 4>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// The output size is the window's.
func.func @conv_output_size(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv' op output spatial dim 'oh' of the result has size 5 but the window along 'h' gives 3}}
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 2>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, oh=5, f32>
  return
}

// -----

// conv_transpose's result is the forward input: its size must map onto the operand's.
func.func @conv_transpose_size(%y: !meshc.tensor<n=2, f=4, oh=5, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv_transpose' op output spatial dim 'oh' of the input has size 5 but the window along 'h' gives 6}}
  %r = meshc.conv_transpose %y, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, f=4, oh=5, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, c=3, h=8, f32>
  return
}

// -----

// conv_transpose names its operand as the forward result.
func.func @conv_transpose_names(%y: !meshc.tensor<n=2, g=4, oh=5, f32>, %w: !meshc.tensor<f=4, c=3, kh=3, f32>) {
  // expected-error @+1 {{'meshc.conv_transpose' op the input '!meshc.tensor<n=2, g=4, oh=5, f32>' has no out_channel 'f'}}
  %r = meshc.conv_transpose %y, %w {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, g=4, oh=5, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, c=3, h=7, f32>
  return
}

// -----

// conv_grad_filter's result is the filter.
func.func @conv_grad_filter_result(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %y: !meshc.tensor<n=2, f=4, oh=5, f32>) {
  // expected-error @+1 {{'meshc.conv_grad_filter' op the result '!meshc.tensor<f=4, c=3, f32>' must have exactly the dims 'c' 'f' 'kh' (in_channel, out_channel, kernel)}}
  %r = meshc.conv_grad_filter %x, %y {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=2, f=4, oh=5, f32> -> !meshc.tensor<f=4, c=3, f32>
  return
}

// -----

// conv_grad_filter's gradient has the forward result's dims.
func.func @conv_grad_filter_grad(%x: !meshc.tensor<n=2, c=3, h=7, f32>, %y: !meshc.tensor<n=1, f=4, oh=5, f32>) {
  // expected-error @+1 {{'meshc.conv_grad_filter' op batch-like dim 'n' has size 2 in the input but 1 in the grad}}
  %r = meshc.conv_grad_filter %x, %y {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=1, f=4, oh=5, f32> -> !meshc.tensor<f=4, c=3, kh=3, f32>
  return
}

// -----

// Pooling: one window size per spatial dim.
func.func @pool_window_length(%x: !meshc.tensor<n=2, c=3, h=7, w=6, f32>) {
  // expected-error @+1 {{'meshc.max_pool' op 'window' has 1 entries for 2 spatial dims}}
  %y = meshc.max_pool %x {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=3, w=6, f32>
  return
}

// -----

// Pooling: output spatial dims are distinct.
func.func @pool_output_twice(%x: !meshc.tensor<n=2, c=3, h=7, w=6, f32>) {
  // expected-error @+1 {{'meshc.max_pool' op output spatial dim 'w' appears twice}}
  %y = meshc.max_pool %x {input_spatial = ["h", "w"], output_spatial = ["w", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, w=6, f32>
  return
}

// -----

// Pooling: windows are at least 1.
func.func @pool_window(%x: !meshc.tensor<n=2, c=3, h=7, w=6, f32>) {
  // expected-error @+1 {{'meshc.max_pool' op window 0 along 'h' must be at least 1}}
  %y = meshc.max_pool %x {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 0, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=3, w=6, f32>
  return
}

// -----

// Pooling: no window lies wholly in the padding.
func.func @pool_pad_window(%x: !meshc.tensor<n=2, c=3, h=7, w=6, f32>) {
  // expected-error @+1 {{'meshc.avg_pool' op pad_lo 3 along 'w' must be smaller than the window 3 (a window would lie wholly in the padding)}}
  %y = meshc.avg_pool %x {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 3>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=3, w=6, f32>
  return
}

// -----

// Pooling keeps every other dim, channels included.
func.func @pool_channels_kept(%x: !meshc.tensor<n=2, c=3, h=7, w=6, f32>) {
  // expected-error @+1 {{'meshc.max_pool' op batch-like dim 'c' of the input is not a batch-like dim of the result}}
  %y = meshc.max_pool %x {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, ph=3, w=6, f32>
  return
}

// -----

// Pooling: the output size is the window's.
func.func @pool_size(%x: !meshc.tensor<n=2, c=3, h=7, w=6, f32>) {
  // expected-error @+1 {{'meshc.max_pool' op output spatial dim 'ph' of the result has size 4 but the window along 'h' gives 3}}
  %y = meshc.max_pool %x {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32> -> !meshc.tensor<n=2, c=3, ph=4, w=6, f32>
  return
}

// -----

// max_pool_grad's result has the input's type.
func.func @max_pool_grad_type(%x: !meshc.tensor<n=2, c=3, h=7, w=6, f32>, %y: !meshc.tensor<n=2, c=3, ph=3, w=6, f32>) {
  // expected-error @+1 {{'meshc.max_pool_grad' op the result '!meshc.tensor<n=2, c=3, h=7, w=5, f32>' must have the input's type '!meshc.tensor<n=2, c=3, h=7, w=6, f32>'}}
  %r = meshc.max_pool_grad %x, %y {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, h=7, w=6, f32>, !meshc.tensor<n=2, c=3, ph=3, w=6, f32> -> !meshc.tensor<n=2, c=3, h=7, w=5, f32>
  return
}

// -----

// avg_pool_grad's result is the forward input.
func.func @avg_pool_grad_size(%y: !meshc.tensor<n=2, c=3, ph=3, w=6, f32>) {
  // expected-error @+1 {{'meshc.avg_pool_grad' op output spatial dim 'ph' of the grad has size 3 but the window along 'h' gives 4}}
  %r = meshc.avg_pool_grad %y {input_spatial = ["h", "w"], output_spatial = ["ph", "w"], window = array<i64: 2, 3>, strides = array<i64: 2, 1>, pad_lo = array<i64: 0, 1>, pad_hi = array<i64: 0, 1>} : !meshc.tensor<n=2, c=3, ph=3, w=6, f32> -> !meshc.tensor<n=2, c=3, h=9, w=6, f32>
  return
}

// -----

// Batch norm: the channel is a dim of the input.
func.func @bn_channel(%x: !meshc.tensor<n=2, c=3, h=5, f32>, %s: !meshc.tensor<c=3, f32>) {
  // expected-error @+1 {{'meshc.batch_norm' op the input '!meshc.tensor<n=2, c=3, h=5, f32>' has no channel dim 'd'}}
  %r = meshc.batch_norm %x, %s, %s, %s, %s {channel = "d", epsilon = 1.0e-5} : !meshc.tensor<n=2, c=3, h=5, f32>, !meshc.tensor<c=3, f32>
  return
}

// -----

// Batch norm: statistics are exactly [channel].
func.func @bn_stats(%x: !meshc.tensor<n=2, c=3, h=5, f32>, %s: !meshc.tensor<c=3, h=5, f32>) {
  // expected-error @+1 {{'meshc.batch_norm' op the statistics '!meshc.tensor<c=3, h=5, f32>' must be f32 with exactly the dim 'c' of size 3 (the input's channel)}}
  %r = meshc.batch_norm %x, %s, %s, %s, %s {channel = "c", epsilon = 1.0e-5} : !meshc.tensor<n=2, c=3, h=5, f32>, !meshc.tensor<c=3, h=5, f32>
  return
}

// -----

// Batch norm: statistics have the input's channel size.
func.func @bn_stats_size(%x: !meshc.tensor<n=2, c=3, h=5, f32>, %s: !meshc.tensor<c=4, f32>) {
  // expected-error @+1 {{'meshc.batch_norm_grad' op the statistics '!meshc.tensor<c=4, f32>' must be f32 with exactly the dim 'c' of size 3 (the input's channel)}}
  %r:5 = meshc.batch_norm_grad %x, %s, %s, %s, %x {channel = "c", epsilon = 1.0e-5} : !meshc.tensor<n=2, c=3, h=5, f32>, !meshc.tensor<c=4, f32>
  return
}

// -----

// Batch norm: epsilon is positive.
func.func @bn_epsilon(%x: !meshc.tensor<n=2, c=3, h=5, f32>, %s: !meshc.tensor<c=3, f32>) {
  // expected-error @+1 {{'meshc.batch_norm' op epsilon must be positive and finite, not 0.000000}}
  %r = meshc.batch_norm %x, %s, %s, %s, %s {channel = "c", epsilon = 0.0} : !meshc.tensor<n=2, c=3, h=5, f32>, !meshc.tensor<c=3, f32>
  return
}

// -----

// Batch norm is f32 only.
func.func @bn_i32(%x: !meshc.tensor<n=2, c=3, h=5, i32>, %s: !meshc.tensor<c=3, f32>) {
  // expected-error @+1 {{'meshc.batch_norm' op the input must have element type f32, not 'i32'}}
  %r = meshc.batch_norm %x, %s, %s, %s, %s {channel = "c", epsilon = 1.0e-5} : !meshc.tensor<n=2, c=3, h=5, i32>, !meshc.tensor<c=3, f32>
  return
}
