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
// PLAIN: activations (peak) 4412604480 (4.1 GiB)
// PLAIN-NOT: remat

// With remat: each layer's layer norms (normalised, scaled, shifted) and its gelu are recomputed
// in the backward pass; the arena still sits on the liveness bound.
// REMAT: activations (peak) 2734882880 (2.5 GiB)
// REMAT-NEXT: liveness bound 2734882820 (2.5 GiB)  the most bytes live at once; activations (peak) / bound = 1.00
// REMAT-NEXT: without reuse
// REMAT-NEXT: without remat 4412604480 (4.1 GiB)  the activations (peak) with every forward value kept for the backward pass; bound 4412604420 (4.1 GiB)
// REMAT-NEXT: saved by remat 1677721600 (1.6 GiB)  59 ops recomputed in the backward pass ({{.*}}); peak x0.62
// REMAT: total {{[0-9]+}} ({{.*}})  what the executable allocates (meshrt_alloc), exactly
