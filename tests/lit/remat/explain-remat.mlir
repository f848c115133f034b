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
// What remat recomputed, counted without --explain: meshc-remat marks each op it recomputes, so
// the per-rank program without fusion holds one mark per recomputation (MARKS); and --explain
// says the same with and without fusion.
// RUN: meshc %t.lm8.mlir --emit=partitioned --remat --no-fuse-elementwise --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m,vocab:m | grep -c "meshc.remat" | FileCheck %s --check-prefix=MARKS
// RUN: meshc %t.lm8.mlir --explain --remat --no-fuse-elementwise --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m,vocab:m | grep "saved by remat" > %t.unfused.saved
// RUN: grep "saved by remat" %t.remat.txt | diff - %t.unfused.saved
// MARKS: {{^}}59{{$}}

// Without remat there is nothing to compare with.
// PLAIN: activations (peak) 4144234496 (3.9 GiB)
// PLAIN-NOT: remat

// With remat: each layer's layer norms (normalised, scaled, shifted) and its gelu are recomputed
// in the backward pass; the arena still sits on the liveness bound. Per rank: 17 layer norms
// (2 per layer and the final one), their 17 scales (mul) and 17 shifts (add), each a
// [batch=256, seq=64, d_model=512] f32 value of 33554432 bytes, and 8 gelus of
// [256, 64, d_ff/2=1024], 67108864 bytes: 59 ops, 51 x 33554432 + 8 x 67108864 = 2248146944
// bytes. meshc-fuse-elementwise merges each scale and shift into one fused op (42 ops then
// carry the mark): the count is still what remat recomputed.
// REMAT: activations (peak) 2466512896 (2.3 GiB)
// REMAT-NEXT: liveness bound 2466512896 (2.3 GiB)  the most bytes live at once; activations (peak) / bound = 1.00
// REMAT-NEXT: without reuse
// REMAT-NEXT: without remat 4144234496 (3.9 GiB)  the activations (peak) with every forward value kept for the backward pass; bound 4144234496 (3.9 GiB)
// REMAT-NEXT: saved by remat 1677721600 (1.6 GiB)  59 ops recomputed in the backward pass (2248146944 (2.1 GiB)); peak x0.60
// REMAT: total {{[0-9]+}} ({{.*}})  what the executable allocates (meshrt_alloc), exactly
