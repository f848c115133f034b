// `meshc --explain` with sharded optimizer updates: the transformer example at its generator's
// defaults (Adam), data parallel on b=2, and the issue's 8-layer transformer on the 2x2 hybrid.
// The sharded parameters are named, their m and v count at half, and the state saved is the
// difference to --no-shard-updates; every parameter's all_reduce over b that was sharded is a
// reduce_scatter plus an all_gather of half its bytes (the same bytes sent).
// RUN: transformer_gen -o %t.lm.mlir
// RUN: meshc %t.lm.mlir --explain --mesh b=2 --layout batch:b | FileCheck %s
// RUN: meshc %t.lm.mlir --explain --mesh b=2 --layout batch:b --no-shard-updates | FileCheck %s --check-prefix=OFF
// RUN: transformer_gen --layers 8 --d-model 512 --heads 64 --d-ff 2048 --vocab 8192 --seq 64 --batch 512 -o %t.lm8.mlir
// RUN: meshc %t.lm8.mlir --explain --mesh b=2,m=2 --layout batch:b,heads:m,d_ff:m,vocab:m | FileCheck %s --check-prefix=LM8

// CHECK: optimizer state 59064320 (56.3 MiB) optimizer adam
// CHECK: total 218921024 (208.8 MiB) what the executable allocates
// CHECK: sharded optimizer updates (meshc-shard-updates): 11 of 25 parameters (wte over b, wpe over b, layer0_wqkv over b, {{.*}}, w_out over b): gradient reduce_scatter, slice update, parameter all_gather;
// CHECK-NEXT: optimizer state saved 58982400 (56.2 MiB) bytes per rank
// CHECK: reduce_scatter axes=b 11 calls 58982400 (56.2 MiB) bytes, ~29491200 (28.1 MiB) sent
// CHECK-NEXT: all_gather axes=b 11 calls 29491200 (28.1 MiB) bytes, ~29491200 (28.1 MiB) sent
// CHECK-NEXT: all 24 calls 88514564 (84.4 MiB) bytes, ~59023364 (56.3 MiB) sent

// OFF: optimizer state 118046720 (112.6 MiB) optimizer adam
// OFF: total 278966336 (266.0 MiB) what the executable allocates
// OFF: sharded optimizer updates (meshc-shard-updates): 0 of 25 parameters{{$}}
// OFF: all 13 calls 59023364 (56.3 MiB) bytes, ~59023364 (56.3 MiB) sent

// The 8-layer transformer: the wqkv and w1 of each layer and w_out (first dim whole) shard over
// b; the rest is split over m on its first dim. Unsharded: optimizer state 134717440, total
// 5025787904 (tests/lit/meshc/explain-memory-plan.mlir).
// LM8: optimizer state 96968704 (92.5 MiB)
// LM8: total 4988039168 (4.6 GiB)
// LM8: sharded optimizer updates (meshc-shard-updates): 17 of 85 parameters
// LM8-NEXT: optimizer state saved 37748736 (36.0 MiB) bytes per rank
