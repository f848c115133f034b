// The transformer example's per-rank program (2 layers; 2x2 mesh, data and tensor parallel)
// gets its residual adds before a layer norm as meshc.add_layer_norm (the sum before each
// block's second norm, before the next block's first and before the final norm) and elementwise
// chains as meshc.fused_elementwise (e.g. each norm's `· gamma + beta`); --no-fuse-elementwise
// leaves both out. The e2e layout tests (tests/e2e) run these programs against 1 rank.
// RUN: transformer_gen --layers 2 --batch 4 --seq 8 --d-model 16 --heads 4 --d-ff 32 --vocab 32 -o %t.mlir
// RUN: meshc %t.mlir --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m --emit=partitioned -o %t.fused.mlir
// RUN: FileCheck %s < %t.fused.mlir
// RUN: FileCheck %s --check-prefix=CHAIN < %t.fused.mlir
// RUN: meshc %t.mlir --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m --emit=partitioned --no-fuse-elementwise | FileCheck %s --check-prefix=OFF

// CHECK-COUNT-4: meshc.add_layer_norm
// CHECK-NOT: meshc.add_layer_norm
// CHECK-NOT: meshc.layer_norm %
// CHAIN: meshc.fused_elementwise {{.*}}ops = ["mul", "add"]
// OFF-NOT: meshc.fused_elementwise
// OFF-NOT: meshc.add_layer_norm
