// The DSL's per-block marker: transformer_gen --remat-blocks 1 builds the first of two blocks in
// a RematScope. Without --remat, meshc recomputes only that block's cheap activations (its two
// layer norms with their scale and shift, and its gelu: 7 ops, fewer per rank where the fusion of elementwise chains merges them); with --remat, both blocks' and
// the final layer norm's (2 x 7 + 3 = 17). --explain shows the comparison for the marked program.
// RUN: transformer_gen --layers 2 --remat-blocks 1 --d-model 16 --heads 2 --d-ff 32 --vocab 32 --seq 8 --batch 4 -o %t.mlir
// RUN: meshc %t.mlir --emit=global | grep -c "meshc.remat" | FileCheck %s --check-prefix=SCOPE
// RUN: meshc %t.mlir --emit=global --remat | grep -c "meshc.remat" | FileCheck %s --check-prefix=ALL
// RUN: meshc %t.mlir --explain | FileCheck %s --check-prefix=EXPLAIN
// Without the scope and without --remat, nothing is recomputed.
// RUN: transformer_gen --layers 2 --d-model 16 --heads 2 --d-ff 32 --vocab 32 --seq 8 --batch 4 -o %t.plain.mlir
// RUN: meshc %t.plain.mlir --emit=global | not grep meshc.remat

// SCOPE: {{^}}7{{$}}
// ALL: {{^}}17{{$}}
// EXPLAIN: without remat {{[0-9]+}}
// EXPLAIN-NEXT: saved by remat {{[0-9]+}} ({{.*}})  {{[1-7]}} ops recomputed in the backward pass
