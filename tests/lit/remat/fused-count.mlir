// meshc-fuse-elementwise keeps what meshc-remat recomputed countable: a fused op that absorbs
// recomputations is marked with how many (meshc.remat = N : i64), not with the unit mark of one
// op, and --explain counts those, so its "ops recomputed" is what the pass recomputed, fused or
// not.
// RUN: meshc-opt %s --meshc-partition-pipeline='remat=true' | FileCheck %s
// RUN: meshc %s --explain --remat | FileCheck %s --check-prefix=EXPLAIN
// RUN: meshc %s --explain --remat --no-fuse-elementwise | FileCheck %s --check-prefix=EXPLAIN
// The figures from the unfused per-rank program: 2 ops carry the mark (the recomputed mul and
// exp), each of one [n=8, j=6] f32 value, 192 bytes.
// RUN: meshc-opt %s --meshc-partition-pipeline='remat=true fuse-elementwise=false' | grep -c "meshc.remat" | FileCheck %s --check-prefix=MARKS
// MARKS: {{^}}2{{$}}

// exp(x * w) is recomputed in the backward pass (x * w too: its value is dead there) and its
// only backward use, d(x * w) = dy * v * exp(x * w), and the weight gradient of the mul are
// fused with the recomputation: 5 ops, 2 of them recomputed. Counted as the fused op (1) or
// its members (5), --explain was wrong either way.
// CHECK-LABEL: func.func @mixed
// CHECK: meshc.fused_elementwise {{.*}}meshc.remat = 2 : i64{{.*}}ops = ["mul", "mul", "exp", "mul", "mul"]
// CHECK-NOT: meshc.remat
// EXPLAIN: 2 ops recomputed in the backward pass (384);
module attributes {meshc.mesh = #meshc.mesh<"b=1">, meshc.layout = #meshc.layout<"">} {
  func.func @mixed() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=8, j=6, f32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<n=8, j=6, f32>
    %v = meshc.input "v" features {classes = 2} : !meshc.tensor<n=8, j=6, f32>
    %a = meshc.mul %x, %w : !meshc.tensor<n=8, j=6, f32>, !meshc.tensor<n=8, j=6, f32> -> !meshc.tensor<n=8, j=6, f32>
    %t = meshc.exp %a : !meshc.tensor<n=8, j=6, f32>
    %y = meshc.mul %t, %v : !meshc.tensor<n=8, j=6, f32>, !meshc.tensor<n=8, j=6, f32> -> !meshc.tensor<n=8, j=6, f32>
    %l = meshc.reduce_sum %y : !meshc.tensor<n=8, j=6, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
