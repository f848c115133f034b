// RUN: meshc-opt --meshc-propagate-shardings --split-input-file %s | FileCheck %s

// Stage 1 of partitioning: every op is annotated with the sharding it needs each operand in,
// the one it produces each result in and, where they differ, the one its consumers get it in.
// Types stay global and nothing is inserted.

// Data parallel: the contraction over a replicated dim is local; the loss sums over the split
// batch: a partial sum, held complete (resolved right after the op) for the output.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"n:b">} {
  // CHECK-LABEL: func.func @data_parallel
  func.func @data_parallel() {
    // CHECK: meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]{{.*}} : !meshc.tensor<n=4, k=6, f32>
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, k=6, f32>
    // CHECK: meshc.param "w" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=6, h=3, f32>
    // CHECK: meshc.einsum {{.*}}{meshc.operand_shardings = [#meshc.sharding<{{\[\[}}b], []]>, #meshc.sharding<{{\[\[}}], []]>], meshc.sharding = [#meshc.sharding<{{\[\[}}b], []]>]}
    %y = meshc.einsum %x, %w : !meshc.tensor<n=4, k=6, f32>, !meshc.tensor<k=6, h=3, f32> -> !meshc.tensor<n=4, h=3, f32>
    // CHECK: meshc.reduce_sum {{.*}}{meshc.held_shardings = [#meshc.sharding<[]>], meshc.operand_shardings = [#meshc.sharding<{{\[\[}}b], []]>], meshc.sharding = [#meshc.sharding<[], partial = [b]>]}
    %l = meshc.reduce_sum %y : !meshc.tensor<n=4, h=3, f32> -> !meshc.tensor<f32>
    // CHECK: meshc.output "loss", {{.*}}{meshc.operand_shardings = [#meshc.sharding<[]>]}
    meshc.output "loss", %l : !meshc.tensor<f32>
    return
  }
}

// -----

// A partial sum whose one use is an add is held partial; the add of two such sums carries
// the sum (needs its operands as held) and is held complete for the relu.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"k:m">} {
  // CHECK-LABEL: func.func @partial_through_add
  func.func @partial_through_add() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=2, k=4, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=4, h=2, f32>
    // CHECK: meshc.einsum {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>]}
    // CHECK-NOT: held_shardings
    // CHECK: meshc.einsum
    %p = meshc.einsum %x, %w : !meshc.tensor<b=2, k=4, f32>, !meshc.tensor<k=4, h=2, f32> -> !meshc.tensor<b=2, h=2, f32>
    %q = meshc.einsum %x, %w : !meshc.tensor<b=2, k=4, f32>, !meshc.tensor<k=4, h=2, f32> -> !meshc.tensor<b=2, h=2, f32>
    // CHECK: meshc.add {{.*}}{meshc.held_shardings = [#meshc.sharding<{{\[\[}}], []]>], meshc.operand_shardings = [#meshc.sharding<{{\[\[}}], []], partial = [m]>, #meshc.sharding<{{\[\[}}], []], partial = [m]>], meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>]}
    %s = meshc.add %p, %q : !meshc.tensor<b=2, h=2, f32>, !meshc.tensor<b=2, h=2, f32> -> !meshc.tensor<b=2, h=2, f32>
    // CHECK: meshc.relu {{.*}}{meshc.operand_shardings = [#meshc.sharding<{{\[\[}}], []]>], meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]}
    %r = meshc.relu %s : !meshc.tensor<b=2, h=2, f32>
    return
  }
}

// -----

// A relayout's result is held in the override, and an elementwise chain after it runs there;
// the contraction that follows needs the layout's sharding (h on m) instead.
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"h:m">} {
  // CHECK-LABEL: func.func @override
  func.func @override() {
    // An input whose one use is a relayout is read in the override's sharding.
    // CHECK: meshc.input "x" {{.*}}meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, h=6, f32>
    // CHECK: meshc.relayout {{.*}}meshc.operand_shardings = [#meshc.sharding<{{\[\[}}m], []]>], meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]
    %y = meshc.relayout %x {layout = #meshc.layout<"n:m">} : !meshc.tensor<n=4, h=6, f32>
    // CHECK: meshc.relu {{.*}}{meshc.operand_shardings = [#meshc.sharding<{{\[\[}}m], []]>], meshc.sharding = [#meshc.sharding<{{\[\[}}m], []]>]}
    %z = meshc.relu %y : !meshc.tensor<n=4, h=6, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<h=6, o=2, f32>
    // CHECK: meshc.einsum {{.*}}{meshc.held_shardings = [#meshc.sharding<{{\[\[}}], []]>], meshc.operand_shardings = [#meshc.sharding<{{\[\[}}], [m]]>, #meshc.sharding<{{\[\[}}m], []]>], meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>]}
    %o = meshc.einsum %z, %w : !meshc.tensor<n=4, h=6, f32>, !meshc.tensor<h=6, o=2, f32> -> !meshc.tensor<n=4, o=2, f32>
    return
  }
}

// -----

// Two dims of one op on one axis (n and k both on b): the result dim keeps the axis, the
// operand holding only the summed dim is needed gathered, and the result is complete.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"n:b,k:b">} {
  // CHECK-LABEL: func.func @conflict
  func.func @conflict() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=4, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=4, f32>
    // CHECK: meshc.einsum {{.*}}{meshc.operand_shardings = [#meshc.sharding<{{\[\[}}b]]>, #meshc.sharding<{{\[\[}}]]>], meshc.sharding = [#meshc.sharding<{{\[\[}}b]]>]}
    %y = meshc.einsum %x, %w : !meshc.tensor<n=4, f32>, !meshc.tensor<k=4, f32> -> !meshc.tensor<n=4, f32>
    return
  }
}

// -----

// A rename runs on its operand as held: the renamed dim is produced where its source was,
// then held in its target (m2 is not in the layout: replicated).
module attributes {meshc.mesh = #meshc.mesh<"m=2">, meshc.layout = #meshc.layout<"h:m">} {
  // CHECK-LABEL: func.func @rename
  func.func @rename() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<n=2, h=4, f32>
    // CHECK: meshc.rename {{.*}}meshc.held_shardings = [#meshc.sharding<{{\[\[}}], []]>], meshc.operand_shardings = [#meshc.sharding<{{\[\[}}], [m]]>], meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>]
    %y = meshc.rename %x {from = ["h"], to = ["h2"]} : !meshc.tensor<n=2, h=4, f32> -> !meshc.tensor<n=2, h2=4, f32>
    return
  }
}
