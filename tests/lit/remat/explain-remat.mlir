// meshc --explain --remat: the activation peak with remat, beside the peak without it (the same
// program compiled without remat: the figures of meshc --explain alone) and what remat saves.
// The issue's 8-layer transformer on the 2x2 hybrid layout, per rank.
// RUN: transformer_gen --layers 8 --d-model 512 --heads 64 --d-ff 2048 --vocab 8192 --seq 64 --batch 512 -o %t.lm8.mlir
// RUN: meshc %t.lm8.mlir --explain --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m,vocab:m > %t.plain.txt
// RUN: meshc %t.lm8.mlir --explain --remat --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m,vocab:m > %t.remat.txt
// RUN: FileCheck %s --input-file=%t.plain.txt --check-prefix=PLAIN
// RUN: FileCheck %s --input-file=%t.remat.txt --check-prefix=REMAT
// Remat recomputes, it does not communicate more: the same collectives, line for line.
// RUN: grep "^  collective " %t.plain.txt > %t.plain.coll
// RUN: grep "^  collective " %t.remat.txt > %t.remat.coll
// RUN: diff %t.plain.coll %t.remat.coll

// Without remat there is nothing to compare with.
// PLAIN: activations (peak) 4144234496 (3.9 GiB)
// PLAIN-NOT: remat

// With remat: each layer's layer norms (normalised, scaled, shifted) and its gelu are recomputed
// in the backward pass (59 ops in the global program; fewer per rank, where
// meshc-fuse-elementwise merges recomputed chains); the arena still sits on the liveness bound.
// REMAT: activations (peak) 2466512896 (2.3 GiB)
// REMAT-NEXT: liveness bound 2466512896 (2.3 GiB)  the most bytes live at once; activations (peak) / bound = 1.00
// REMAT-NEXT: without reuse
// REMAT-NEXT: without remat 4144234496 (3.9 GiB)  the activations (peak) with every forward value kept for the backward pass; bound 4144234496 (3.9 GiB)
// REMAT-NEXT: saved by remat 1677721600 (1.6 GiB)  {{[0-9]+}} ops recomputed in the backward pass ({{.*}}); peak x0.60
// REMAT: total {{[0-9]+}} ({{.*}})  what the executable allocates (meshrt_alloc), exactly
