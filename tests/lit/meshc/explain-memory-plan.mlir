// The liveness plan of the examples at their generators' default sizes, and the issue's
// 8-layer transformer: --explain's arena stays within 1.2x the liveness bound (the ratio it
// prints), below the sum with one buffer per value.
// RUN: mlp_gen -o %t.mlp.mlir
// RUN: meshc %t.mlp.mlir --explain | FileCheck %s
// RUN: transformer_gen -o %t.lm.mlir
// RUN: meshc %t.lm.mlir --explain --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m,vocab:m | FileCheck %s
// RUN: moe_gen -o %t.moe.mlir
// RUN: meshc %t.moe.mlir --explain --mesh e=2,m=2 --layout groups:e,experts:e,d_ff:m | FileCheck %s
// RUN: cnn_gen -o %t.cnn.mlir
// RUN: meshc %t.cnn.mlir --explain --mesh b=2,m=2 --layout batch:b,h:m,ph:m,qh:m | FileCheck %s
// RUN: cosmoflow_gen -o %t.cf.mlir
// RUN: meshc %t.cf.mlir --explain --mesh a=2,b=2 --layout d0:a,d1:a,d2:a,d3:a,d4:a,h0:b,h1:b,h2:b,h3:b,h4:b | FileCheck %s
// RUN: transformer_gen --layers 8 --d-model 512 --heads 64 --d-ff 2048 --vocab 8192 --seq 64 --batch 512 -o %t.lm8.mlir
// RUN: meshc %t.lm8.mlir --explain --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m,vocab:m --no-shard-updates > %t.lm8.txt
// RUN: FileCheck %s --input-file=%t.lm8.txt
// RUN: FileCheck %s --input-file=%t.lm8.txt --check-prefix=LM8

// CHECK: activations (peak) {{[0-9]+}} ({{.*}})  gradients and every other tensor
// CHECK-NEXT: liveness bound {{[0-9]+}} ({{.*}})  the most bytes live at once; activations (peak) / bound = {{1\.[01][0-9]|1\.20}}{{$}}
// CHECK-NEXT: without reuse

// The issue's figures (before the plan: activations 22.5 GiB, total 24.8 GiB per rank): the
// arena takes what is live at once, the forward activations the backward pass reads. With the
// attention fused (meshc-fuse-attention) the backward pass no longer keeps each layer's
// [batch, heads, seq, seq_k] probabilities (128 MiB per layer and rank here): unfused, the
// figures were 5469569088 / 5469569028 / 25485352980 / 6250459200. With the vocab-parallel
// cross-entropy (LocalizeXent.cpp) the logits are no longer gathered ([256, 64, 8192] per rank)
// nor their gradient computed whole: with the gather they were 4412604480 / 4412604420 /
// 16895418388 / 5294157888; meshc-fuse-elementwise leaves fewer values "without reuse" (and
// with the sums of q's, k's and v's pads made one concat, 15654363156 became 14446403604; with
// each pre-LN norm's adjoint and its residual's one layer_norm_grad_add, 16 values of
// [256, 64, 512] fewer: 13909532692).
// (Without sharded optimizer updates:
// tests/lit/shard-updates/explain.mlir has the figures with them.)
// LM8: activations (peak) 4144234496 (3.9 GiB)
// LM8: liveness bound 4144234496 (3.9 GiB)
// LM8: without reuse 13909532692 (13.0 GiB)
// LM8: total 5025787904 (4.7 GiB)
