// What one rank holds or computes must fit int64 in all (each tensor does on its own, the
// verifier sees to that): --explain refuses a program whose sums overflow, located at the op
// that overflows, rather than printing wrapped figures.
// RUN: not meshc %s --explain 2>&1 | FileCheck %s --check-prefix=MEMORY
// MEMORY: explain-overflow.mlir:[[# @LINE + 13]]:{{[0-9]+}}: error: the parameter bytes of one rank per step overflow int64 here: no machine can run this program
// MEMORY-NOT: error
// Without the two huge parameters, the einsum's FLOPs overflow:
// RUN: grep -v -e "%%w" -e "%%s" %s | sed -e "s/minimize sgd %%l/minimize sgd %%m/" > %t.flops.mlir
// RUN: not meshc %t.flops.mlir --explain 2>&1 | FileCheck %s --check-prefix=FLOPS
// FLOPS: flops.mlir:{{[0-9]+}}:{{[0-9]+}}: error: the einsum FLOPs of one rank per step overflow int64 here: no machine can run this program
// FLOPS-NOT: error

// Two parameters of 2^61 - 1 elements (2^63 - 4 bytes each); an einsum of three dims of 2^21
// (each operand 2^42 elements, the product 2 x 2^63 FLOPs).
module attributes {meshc.mesh = #meshc.mesh<"b=1">, meshc.layout = #meshc.layout<"">} {
  func.func @huge() {
    %w1 = meshc.param "w1" zeros {scale = 0.0} : !meshc.tensor<a=2305843009213693951, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0} : !meshc.tensor<b=2305843009213693951, f32>
    %s1 = meshc.reduce_sum %w1 : !meshc.tensor<a=2305843009213693951, f32> -> !meshc.tensor<f32>
    %s2 = meshc.reduce_sum %w2 : !meshc.tensor<b=2305843009213693951, f32> -> !meshc.tensor<f32>
    %s = meshc.add %s1, %s2 : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<i=2097152, k=2097152, f32>
    %v = meshc.param "v" zeros {scale = 0.0} : !meshc.tensor<k=2097152, j=2097152, f32>
    %y = meshc.einsum %x, %v : !meshc.tensor<i=2097152, k=2097152, f32>, !meshc.tensor<k=2097152, j=2097152, f32> -> !meshc.tensor<i=2097152, j=2097152, f32>
    %m = meshc.reduce_sum %y : !meshc.tensor<i=2097152, j=2097152, f32> -> !meshc.tensor<f32>
    %l = meshc.add %m, %s : !meshc.tensor<f32>, !meshc.tensor<f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %l {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
