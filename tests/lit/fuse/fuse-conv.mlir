// RUN: meshc-opt --meshc-fuse-conv %s --split-input-file | FileCheck %s

// meshc-fuse-conv on hand-written programs: a conv whose only use is a per-channel bias add
// becomes meshc.conv_bias_act (with the relu when the sum's other readers are relu_grads, which
// then read the relu's value), and a conv_grad_filter with the reduce_sum of the same dy onto
// its out_channel becomes meshc.conv_grad_filter_bias.

// conv + bias + relu, the relu's gradient reading the sum: one conv_bias_act {relu} where the
// add was, the relu_grad reading it; the bias gradient (reduce_sum of the relu_grad) and the
// filter gradient of the same dy: one conv_grad_filter_bias.
// CHECK-LABEL: func.func @conv_bias_relu
func.func @conv_bias_relu() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=3, h=7, f32>
  %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<f=4, c=3, kh=3, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<f=4, f32>
  %da = meshc.input "da" features {classes = 2} : !meshc.tensor<n=2, f=4, h=7, f32>
  // CHECK: %[[A:.+]] = meshc.conv_bias_act %{{.+}}, %{{.+}}, %{{.+}} {dilations = array<i64: 1>, in_channel = "c", input_spatial = ["h"], kernel_spatial = ["kh"], out_channel = "f", output_spatial = ["h"], pad_hi = array<i64: 1>, pad_lo = array<i64: 1>, relu, strides = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32>, !meshc.tensor<f=4, f32> -> !meshc.tensor<n=2, f=4, h=7, f32>
  // CHECK-NOT: meshc.conv {{.*}}
  // CHECK-NOT: meshc.relu %
  // CHECK: %[[G:.+]] = meshc.relu_grad %[[A]], %{{.+}} :
  // CHECK-NEXT: %[[DW:.+]], %[[DB:.+]] = meshc.conv_grad_filter_bias %{{.+}}, %[[G]] {{.+}} -> !meshc.tensor<f=4, c=3, kh=3, f32>, !meshc.tensor<f=4, f32>
  // CHECK-NEXT: meshc.prediction "a", %[[A]]
  // CHECK-NEXT: meshc.prediction "dw", %[[DW]]
  // CHECK-NEXT: meshc.prediction "db", %[[DB]]
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, h=7, f32>
  %s = meshc.add %y, %b : !meshc.tensor<n=2, f=4, h=7, f32>, !meshc.tensor<f=4, f32> -> !meshc.tensor<n=2, f=4, h=7, f32>
  %a = meshc.relu %s : !meshc.tensor<n=2, f=4, h=7, f32>
  %g = meshc.relu_grad %s, %da : !meshc.tensor<n=2, f=4, h=7, f32>
  %db = meshc.reduce_sum %g : !meshc.tensor<n=2, f=4, h=7, f32> -> !meshc.tensor<f=4, f32>
  %dw = meshc.conv_grad_filter %x, %g {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=2, f=4, h=7, f32> -> !meshc.tensor<f=4, c=3, kh=3, f32>
  meshc.prediction "a", %a : !meshc.tensor<n=2, f=4, h=7, f32>
  meshc.prediction "dw", %dw : !meshc.tensor<f=4, c=3, kh=3, f32>
  meshc.prediction "db", %db : !meshc.tensor<f=4, f32>
  return
}

// -----

// The bias on the left, and the sum read by something other than a relu_grad: the conv and the
// bias fuse (no relu), the sum is the fused result and the relu stays.
// CHECK-LABEL: func.func @sum_kept
func.func @sum_kept() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=3, h=7, f32>
  %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<f=4, c=3, kh=3, f32>
  %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<f=4, f32>
  // CHECK: %[[S:.+]] = meshc.conv_bias_act
  // CHECK-NOT: relu,
  // CHECK-SAME: -> !meshc.tensor<n=2, f=4, h=7, f32>
  // CHECK-NEXT: %[[A:.+]] = meshc.relu %[[S]]
  // CHECK-NEXT: meshc.prediction "a", %[[A]]
  // CHECK-NEXT: meshc.prediction "s", %[[S]]
  %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=4, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=4, h=7, f32>
  %s = meshc.add %b, %y : !meshc.tensor<f=4, f32>, !meshc.tensor<n=2, f=4, h=7, f32> -> !meshc.tensor<n=2, f=4, h=7, f32>
  %a = meshc.relu %s : !meshc.tensor<n=2, f=4, h=7, f32>
  meshc.prediction "a", %a : !meshc.tensor<n=2, f=4, h=7, f32>
  meshc.prediction "s", %s : !meshc.tensor<n=2, f=4, h=7, f32>
  return
}

// -----

// Not fused: the conv's result has another use; the bias is not a vector along out_channel (a
// vector along n, a full tensor); the sum of the filter gradient's dy is onto another dim.
// CHECK-LABEL: func.func @not_fused
func.func @not_fused() {
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=3, h=7, f32>
  %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<f=2, c=3, kh=3, f32>
  %bn = meshc.param "bn" zeros {scale = 0.0} : !meshc.tensor<n=2, f32>
  %bf = meshc.input "bf" features {classes = 2} : !meshc.tensor<n=2, f=2, h=7, f32>
  // CHECK-NOT: meshc.conv_bias_act
  // CHECK-NOT: meshc.conv_grad_filter_bias
  %y1 = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=2, h=7, f32>
  %s1 = meshc.add %y1, %bf : !meshc.tensor<n=2, f=2, h=7, f32>, !meshc.tensor<n=2, f=2, h=7, f32> -> !meshc.tensor<n=2, f=2, h=7, f32>
  %y2 = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=2, h=7, f32>
  %s2 = meshc.add %y2, %bn : !meshc.tensor<n=2, f=2, h=7, f32>, !meshc.tensor<n=2, f32> -> !meshc.tensor<n=2, f=2, h=7, f32>
  %y3 = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<f=2, c=3, kh=3, f32> -> !meshc.tensor<n=2, f=2, h=7, f32>
  %c = meshc.input "c" features {classes = 2} : !meshc.tensor<f=2, f32>
  %s3 = meshc.add %y3, %c : !meshc.tensor<n=2, f=2, h=7, f32>, !meshc.tensor<f=2, f32> -> !meshc.tensor<n=2, f=2, h=7, f32>
  %dn = meshc.reduce_sum %bf : !meshc.tensor<n=2, f=2, h=7, f32> -> !meshc.tensor<n=2, f32>
  %dw = meshc.conv_grad_filter %x, %bf {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=2, f=2, h=7, f32> -> !meshc.tensor<f=2, c=3, kh=3, f32>
  meshc.prediction "s1", %s1 : !meshc.tensor<n=2, f=2, h=7, f32>
  meshc.prediction "s2", %s2 : !meshc.tensor<n=2, f=2, h=7, f32>
  meshc.prediction "y3", %y3 : !meshc.tensor<n=2, f=2, h=7, f32>
  meshc.prediction "s3", %s3 : !meshc.tensor<n=2, f=2, h=7, f32>
  meshc.prediction "dn", %dn : !meshc.tensor<n=2, f32>
  meshc.prediction "dw", %dw : !meshc.tensor<f=2, c=3, kh=3, f32>
  return
}

// -----

// Partial sums (per-rank, in_channel split over m): the conv's result is partial until its
// all_reduce, so the bias add after it is not the conv's use and nothing fuses. The filter and
// bias gradients of a batch-split dy (next case) are partial results, which fuse, both keeping
// their shardings.
module attributes {meshc.mesh = #meshc.mesh<"m=2">} {
  // CHECK-LABEL: func.func @partial
  func.func @partial() attributes {meshc.per_rank = #meshc.mesh<"m=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[], [m], []]>]} : !meshc.tensor<n=2, c=2, h=7, f32>
    %w = meshc.param "w" uniform {scale = 0.5, meshc.sharding = [#meshc.sharding<[[], [m], []]>]} : !meshc.tensor<f=4, c=2, kh=3, f32>
    %b = meshc.param "b" zeros {scale = 0.0, meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<f=4, f32>
    // CHECK: meshc.conv %
    // CHECK-NEXT: meshc.all_reduce
    // CHECK-NEXT: meshc.add
    %y = meshc.conv %x, %w {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>, meshc.sharding = [#meshc.sharding<[[], [], []], partial = [m]>]} : !meshc.tensor<n=2, c=2, h=7, f32>, !meshc.tensor<f=4, c=2, kh=3, f32> -> !meshc.tensor<n=2, f=4, h=7, f32>
    %r = meshc.all_reduce %y {axes = ["m"], meshc.sharding = [#meshc.sharding<[[], [], []]>]} : !meshc.tensor<n=2, f=4, h=7, f32>
    %s = meshc.add %r, %b {meshc.sharding = [#meshc.sharding<[[], [], []]>]} : !meshc.tensor<n=2, f=4, h=7, f32>, !meshc.tensor<f=4, f32> -> !meshc.tensor<n=2, f=4, h=7, f32>
    meshc.prediction "s", %s : !meshc.tensor<n=2, f=4, h=7, f32>
    return
  }
}

// -----

module attributes {meshc.mesh = #meshc.mesh<"b=2">} {
  // CHECK-LABEL: func.func @partial_gradients
  func.func @partial_gradients() attributes {meshc.per_rank = #meshc.mesh<"b=2">} {
    %x = meshc.input "x" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [], []]>]} : !meshc.tensor<n=1, c=3, h=7, f32>
    %dy = meshc.input "dy" features {classes = 2, meshc.sharding = [#meshc.sharding<[[b], [], []]>]} : !meshc.tensor<n=1, f=4, h=7, f32>
    // CHECK: %[[DW:.+]], %[[DB:.+]] = meshc.conv_grad_filter_bias %{{.+}}, %{{.+}} {{{.+}}meshc.sharding = [#meshc.sharding<{{\[\[\], \[\], \[\]\], partial = \[b\]}}>, #meshc.sharding<{{\[\[\]\], partial = \[b\]}}>]{{.+}}}
    // CHECK-NEXT: meshc.all_reduce %[[DB]]
    // CHECK-NEXT: meshc.all_reduce %[[DW]]
    %db = meshc.reduce_sum %dy {meshc.sharding = [#meshc.sharding<[[]], partial = [b]>]} : !meshc.tensor<n=1, f=4, h=7, f32> -> !meshc.tensor<f=4, f32>
    %rdb = meshc.all_reduce %db {axes = ["b"], meshc.sharding = [#meshc.sharding<[[]]>]} : !meshc.tensor<f=4, f32>
    %dw = meshc.conv_grad_filter %x, %dy {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>, meshc.sharding = [#meshc.sharding<[[], [], []], partial = [b]>]} : !meshc.tensor<n=1, c=3, h=7, f32>, !meshc.tensor<n=1, f=4, h=7, f32> -> !meshc.tensor<f=4, c=3, kh=3, f32>
    %rdw = meshc.all_reduce %dw {axes = ["b"], meshc.sharding = [#meshc.sharding<[[], [], []]>]} : !meshc.tensor<f=4, c=3, kh=3, f32>
    meshc.prediction "db", %rdb : !meshc.tensor<f=4, f32>
    meshc.prediction "dw", %rdw : !meshc.tensor<f=4, c=3, kh=3, f32>
    return
  }
}

// -----

// The reduce_sum's result is read before the filter gradient and the filter gradient's input is
// made after the reduce_sum: no place for one op, nothing fuses.
// CHECK-LABEL: func.func @no_place
func.func @no_place() {
  %dy = meshc.input "dy" features {classes = 2} : !meshc.tensor<n=2, f=4, h=7, f32>
  // CHECK-NOT: meshc.conv_grad_filter_bias
  %db = meshc.reduce_sum %dy : !meshc.tensor<n=2, f=4, h=7, f32> -> !meshc.tensor<f=4, f32>
  meshc.prediction "db", %db : !meshc.tensor<f=4, f32>
  %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=2, c=3, h=7, f32>
  %dw = meshc.conv_grad_filter %x, %dy {input_spatial = ["h"], output_spatial = ["h"], kernel_spatial = ["kh"], in_channel = "c", out_channel = "f", strides = array<i64: 1>, dilations = array<i64: 1>, pad_lo = array<i64: 1>, pad_hi = array<i64: 1>} : !meshc.tensor<n=2, c=3, h=7, f32>, !meshc.tensor<n=2, f=4, h=7, f32> -> !meshc.tensor<f=4, c=3, kh=3, f32>
  meshc.prediction "dw", %dw : !meshc.tensor<f=4, c=3, kh=3, f32>
  return
}
