// RUN: meshc-opt --meshc-partition %s > %t.partitioned.mlir
// RUN: meshc-opt --meshc-optimize-communication %t.partitioned.mlir > %t.optimized.mlir
// RUN: meshc-opt %t.partitioned.mlir | diff - %t.optimized.mlir
// RUN: FileCheck %s < %t.optimized.mlir

// meshc-optimize-communication holds the pipeline's place for rewriting collectives (after
// partitioning and CSE). It changes nothing yet: the per-rank program, its collectives and
// their order come out as they went in.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"n:b,k:m">} {
  // CHECK-LABEL: func.func @f
  func.func @f() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<n=4, k=4, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=4, h=2, f32>
    // CHECK: meshc.einsum
    // CHECK-NEXT: meshc.all_reduce {{.*}}axes = ["m"]
    %y = meshc.einsum %x, %w : !meshc.tensor<n=4, k=4, f32>, !meshc.tensor<k=4, h=2, f32> -> !meshc.tensor<n=4, h=2, f32>
    // CHECK: meshc.reduce_sum
    // CHECK-NEXT: meshc.all_reduce {{.*}}axes = ["b"]
    %l = meshc.reduce_sum %y : !meshc.tensor<n=4, h=2, f32> -> !meshc.tensor<f32>
    meshc.output "loss", %l : !meshc.tensor<f32>
    return
  }
}
