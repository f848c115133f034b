// RUN: meshc-opt %s --split-input-file --meshc-split-functions=max-ops=3 | FileCheck %s
// RUN: meshc-opt %s --split-input-file --meshc-split-functions=max-ops=100 | FileCheck %s --check-prefix=SMALL
// RUN: not meshc-opt %s --split-input-file --meshc-split-functions=max-ops=0 2>&1 | FileCheck %s --check-prefix=BAD

// meshc-split-functions: a single-block function longer than max-ops becomes internal parts of
// at least max-ops operations, called in order by the parent with its arguments. It never cuts
// between a value and its use (%v and its use stay together), and constants and addresses are
// cloned into each part that uses them instead of being passed.
llvm.mlir.global internal constant @dims(dense<[1, 2]> : tensor<2xi64>) : !llvm.array<2 x i64>
llvm.func @use(!llvm.ptr, i64)
llvm.func @make(!llvm.ptr) -> i64
llvm.func @step(%ctx: !llvm.ptr, %n: i64) -> i64 {
  %c = llvm.mlir.constant(7 : i64) : i64
  %a = llvm.mlir.addressof @dims : !llvm.ptr
  llvm.call @use(%a, %n) : (!llvm.ptr, i64) -> ()
  %v = llvm.call @make(%ctx) : (!llvm.ptr) -> i64
  llvm.call @use(%ctx, %v) : (!llvm.ptr, i64) -> ()
  llvm.call @use(%a, %c) : (!llvm.ptr, i64) -> ()
  llvm.call @use(%ctx, %c) : (!llvm.ptr, i64) -> ()
  llvm.call @use(%a, %n) : (!llvm.ptr, i64) -> ()
  %r = llvm.call @make(%a) : (!llvm.ptr) -> i64
  llvm.return %r : i64
}
// CHECK-LABEL: llvm.func @step(
// CHECK-SAME:    %[[CTX:.+]]: !llvm.ptr, %[[N:.+]]: i64) -> i64 {
// CHECK-NEXT:    llvm.call @step.part0(%[[CTX]], %[[N]]) : (!llvm.ptr, i64) -> ()
// CHECK-NEXT:    llvm.call @step.part1(%[[CTX]], %[[N]]) : (!llvm.ptr, i64) -> ()
// CHECK-DAG:     %[[C:.+]] = llvm.mlir.constant(7 : i64) : i64
// CHECK-DAG:     %[[A:.+]] = llvm.mlir.addressof @dims : !llvm.ptr
// CHECK:         llvm.call @use(%[[CTX]], %[[C]])
// CHECK-NEXT:    llvm.call @use(%[[A]], %[[N]])
// CHECK-NEXT:    %[[R:.+]] = llvm.call @make(%[[A]])
// CHECK-NEXT:    llvm.return %[[R]] : i64
// CHECK-NEXT:  }
// CHECK-LABEL: llvm.func internal @step.part0(
// CHECK-SAME:    %{{.+}}: !llvm.ptr, %[[N0:.+]]: i64) {
// CHECK-NEXT:    llvm.mlir.constant(7 : i64) : i64
// CHECK-NEXT:    %[[A0:.+]] = llvm.mlir.addressof @dims : !llvm.ptr
// CHECK-NEXT:    llvm.call @use(%[[A0]], %[[N0]])
// CHECK-NEXT:    llvm.return
// CHECK-NEXT:  }
// CHECK-LABEL: llvm.func internal @step.part1(
// CHECK-SAME:    %[[CTX1:.+]]: !llvm.ptr, %{{.+}}: i64) {
// CHECK-DAG:     %[[A1:.+]] = llvm.mlir.addressof @dims : !llvm.ptr
// CHECK-DAG:     %[[C1:.+]] = llvm.mlir.constant(7 : i64) : i64
// CHECK:         %[[V:.+]] = llvm.call @make(%[[CTX1]])
// CHECK-NEXT:    llvm.call @use(%[[CTX1]], %[[V]])
// CHECK-NEXT:    llvm.call @use(%[[A1]], %[[C1]])
// CHECK-NEXT:    llvm.return
// CHECK-NEXT:  }
// SMALL-NOT: part
// BAD: error: meshc-split-functions: max-ops must be at least 1, not 0

// -----

// A function with more than one block is left as it is (its values may cross blocks).
llvm.func @use(i64)
llvm.func @loop(%n: i64) {
  llvm.call @use(%n) : (i64) -> ()
  llvm.call @use(%n) : (i64) -> ()
  llvm.br ^next
^next:
  llvm.call @use(%n) : (i64) -> ()
  llvm.call @use(%n) : (i64) -> ()
  llvm.return
}
// CHECK-LABEL: llvm.func @loop(
// CHECK-NOT: part
