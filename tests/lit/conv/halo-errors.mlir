// RUN: meshc-opt --meshc-partition --split-input-file --verify-diagnostics %s

// A split spatial dim whose windows do not line up with the split: a located error says why.

// "valid" padding shrinks the rows (8 -> 6): a rank's outputs do not read its own block.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"h:m,oh:m">} {
  func.func @valid() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=1, h=8, f32>
    %k = meshc.param "k" uniform {scale = 0.5} : !meshc.tensor<f=2, c=1, kh=3, f32>
    // expected-error @+1 {{'meshc.conv' op cannot split spatial dim 'h' (8) over mesh axis 'm' (2): each rank's outputs must read its own block of inputs, which needs input size = stride x output size (1 x 6 = 6); use 'same' padding, or gather 'h' first with a relayout}}
    %y = meshc.conv %x, %k {input_spatial = ["h"], output_spatial = ["oh"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 0>, pad_hi = array<i64: 0>} : !meshc.tensor<n=2, c=1, h=8, f32>, !meshc.tensor<f=2, c=1, kh=3, f32> -> !meshc.tensor<n=2, f=2, oh=6, f32>
    return
  }
}

// -----

// A 5-wide window on blocks of one row reaches past the neighbours.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"h:m">} {
  func.func @too_wide() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, h=4, f32>
    // expected-error @+1 {{'meshc.max_pool' op cannot split spatial dim 'h' (4) over mesh axis 'm' (4): its window reaches 2 and 2 rows beyond a rank's block of 1, further than its neighbours hold}}
    %p = meshc.max_pool %x {input_spatial = ["h"], output_spatial = ["h"], window = array<i64: 5>, strides = array<i64: 1>, pad_lo = array<i64: 2>, pad_hi = array<i64: 2>} : !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<n=2, h=4, f32>
    return
  }
}
