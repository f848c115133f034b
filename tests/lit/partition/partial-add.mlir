// RUN: meshc-opt --meshc-partition --split-input-file %s | FileCheck %s

// Partial sums carried through linear ops (add, sub, scale): k is split on m, so each einsum
// contracting k leaves a partial sum over m. An add of two such sums runs on the partial
// values and one all_reduce follows it, instead of one per operand before it.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"k:m">} {
  // CHECK-LABEL: func.func @add
  func.func @add() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, k=8, f32>
    %w1 = meshc.param "w1" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    %w2 = meshc.param "w2" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    // CHECK: %[[P1:.+]] = meshc.einsum {{.*}}partial = [m]>]} {{.*}} -> !meshc.tensor<b=8, h=8, f32>
    // CHECK-NEXT: %[[P2:.+]] = meshc.einsum {{.*}}partial = [m]>]} {{.*}} -> !meshc.tensor<b=8, h=8, f32>
    // CHECK-NEXT: %[[S:.+]] = meshc.add %[[P1]], %[[P2]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], []], partial = [m]>]}
    // CHECK-NEXT: %[[R:.+]] = meshc.all_reduce %[[S]] {axes = ["m"], meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]}
    // CHECK-NEXT: meshc.relu %[[R]]
    // CHECK-NOT: meshc.all_reduce
    %p1 = meshc.einsum %x, %w1 : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %p2 = meshc.einsum %x, %w2 : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %s = meshc.add %p1, %p2 : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %y = meshc.relu %s : !meshc.tensor<b=8, h=8, f32>
    return
  }

  // A chain of linear ops (the unfused q, k, v input gradient: add, add; then sub and scale)
  // carries the sum to its end: one all_reduce for three partial sums.
  // CHECK-LABEL: func.func @chain
  func.func @chain() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    // CHECK-COUNT-4: meshc.einsum {{.*}}partial = [m]>]}
    // CHECK-NEXT: meshc.add {{.*}}partial = [m]>]}
    // CHECK-NEXT: meshc.add {{.*}}partial = [m]>]}
    // CHECK-NEXT: meshc.sub {{.*}}partial = [m]>]}
    // CHECK-NEXT: %[[C:.+]] = meshc.scale {{.*}}partial = [m]>]}
    // CHECK-NEXT: %[[R:.+]] = meshc.all_reduce %[[C]] {axes = ["m"]
    // CHECK-NEXT: meshc.relu %[[R]]
    // CHECK-NOT: meshc.all_reduce
    %q = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %k = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %v = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %u = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %qk = meshc.add %q, %k : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %qkv = meshc.add %qk, %v : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %d = meshc.sub %qkv, %u : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %c = meshc.scale %d {factor = 0.5} : !meshc.tensor<b=8, h=8, f32>
    %y = meshc.relu %c : !meshc.tensor<b=8, h=8, f32>
    return
  }
}

// -----

// Mixed operands: a partial sum and a complete value. Carrying the sum would count the
// complete one once per rank of m, so the partial operand is all-reduced before the add.
module attributes {meshc.mesh = #meshc.mesh<"m=4">, meshc.layout = #meshc.layout<"k:m">} {
  // CHECK-LABEL: func.func @mixed
  func.func @mixed() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    %c = meshc.param "c" zeros {scale = 0.0} : !meshc.tensor<b=8, h=8, f32>
    // CHECK: %[[P:.+]] = meshc.einsum {{.*}}partial = [m]>]}
    // CHECK-NEXT: %[[R:.+]] = meshc.all_reduce %[[P]] {axes = ["m"]
    // CHECK-NEXT: meshc.add %[[R]], %{{.+}} {meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]}
    // CHECK-NOT: meshc.all_reduce
    %p = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %s = meshc.add %p, %c : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %y = meshc.relu %s : !meshc.tensor<b=8, h=8, f32>
    return
  }

  // A partial sum used twice is resolved at once (carrying it would cost one collective per
  // use); the add then mixes it with a partial sum, which is resolved before the add.
  // CHECK-LABEL: func.func @shared
  func.func @shared() {
    %x = meshc.param "x" zeros {scale = 0.0} : !meshc.tensor<b=8, k=8, f32>
    %w = meshc.param "w" zeros {scale = 0.0} : !meshc.tensor<k=8, h=8, f32>
    // CHECK: %[[P1:.+]] = meshc.einsum {{.*}}partial = [m]>]}
    // CHECK-NEXT: %[[R1:.+]] = meshc.all_reduce %[[P1]] {axes = ["m"]
    // CHECK-NEXT: %[[P2:.+]] = meshc.einsum {{.*}}partial = [m]>]}
    // CHECK-NEXT: %[[R2:.+]] = meshc.all_reduce %[[P2]] {axes = ["m"]
    // CHECK-NEXT: meshc.add %[[R1]], %[[R2]] {meshc.sharding = [#meshc.sharding<{{\[\[}}], []]>]}
    %p1 = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %p2 = meshc.einsum %x, %w : !meshc.tensor<b=8, k=8, f32>, !meshc.tensor<k=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %s = meshc.add %p1, %p2 : !meshc.tensor<b=8, h=8, f32>, !meshc.tensor<b=8, h=8, f32> -> !meshc.tensor<b=8, h=8, f32>
    %y = meshc.relu %p1 : !meshc.tensor<b=8, h=8, f32>
    return
  }
}
