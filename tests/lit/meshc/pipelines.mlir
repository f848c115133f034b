// The registered pipelines run exactly what the meshc driver runs: meshc-opt with
// meshc-global-pipeline / meshc-partition-pipeline{mesh=... layout=...} / meshc-lower-pipeline
// prints the same module as meshc --emit=global / partitioned / llvm-mlir with the same
// --mesh/--layout. The program is the DSL's MLP (tests/frontend's generator), stored for mesh
// b=2,m=2 and layout batch:b,hidden:m.
// RUN: frontend_mlp_gen --batch 8 --d-in 4 --hidden 6 --hidden2 6 --classes 4 -o %t.mlir

// Options replace the module's mesh and layout, like the driver's flags.
// RUN: meshc %t.mlir --mesh m=2 --layout hidden:m --emit=partitioned -o %t.driver.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline='builtin.module(meshc-partition-pipeline{mesh=m=2 layout=hidden:m})' -o %t.opt.mlir
// RUN: diff %t.driver.mlir %t.opt.mlir
// RUN: FileCheck %s --check-prefix=FLAGS < %t.opt.mlir
// FLAGS: meshc.layout = #meshc.layout<"hidden:m">, meshc.mesh = #meshc.mesh<"m=2">
// FLAGS: meshc.all_reduce {{.*}}axes = ["m"]
// FLAGS-NOT: axes = ["b"]

// Without options, the module's own mesh and layout.
// RUN: meshc %t.mlir --emit=partitioned -o %t.stored-driver.mlir
// RUN: meshc-opt %t.mlir --meshc-partition-pipeline -o %t.stored-opt.mlir
// RUN: diff %t.stored-driver.mlir %t.stored-opt.mlir
// RUN: FileCheck %s --check-prefix=STORED < %t.stored-opt.mlir
// STORED: meshc.mesh = #meshc.mesh<"b=2,m=2">
// STORED: meshc.all_reduce {{.*}}axes = ["b"]

// The same spec with spaces, and an empty layout (quoted or not) that replicates everything.
// RUN: meshc %t.mlir --mesh b=2 --layout "" --emit=partitioned -o %t.empty-driver.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline="builtin.module(meshc-partition-pipeline{mesh='b = 2' layout=''})" -o %t.empty-opt.mlir
// RUN: diff %t.empty-driver.mlir %t.empty-opt.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline="builtin.module(meshc-partition-pipeline{mesh=b=2 layout=})" -o %t.empty-opt2.mlir
// RUN: diff %t.empty-driver.mlir %t.empty-opt2.mlir
// RUN: FileCheck %s --check-prefix=EMPTY < %t.empty-opt.mlir
// EMPTY: meshc.layout = #meshc.layout<"">, meshc.mesh = #meshc.mesh<"b=2">
// EMPTY-NOT: meshc.all_

// --emit=global is meshc-global-pipeline with the same options.
// RUN: meshc %t.mlir --mesh m=2 --emit=global -o %t.global-driver.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline='builtin.module(meshc-global-pipeline{mesh=m=2})' -o %t.global-opt.mlir
// RUN: diff %t.global-driver.mlir %t.global-opt.mlir

// --emit=llvm-mlir is the partition pipeline, then meshc-lower-pipeline.
// RUN: meshc %t.mlir --mesh m=2 --layout hidden:m --emit=llvm-mlir -o %t.llvm-driver.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline='builtin.module(meshc-partition-pipeline{mesh=m=2 layout=hidden:m}, meshc-lower-pipeline)' -o %t.llvm-opt.mlir
// RUN: diff %t.llvm-driver.mlir %t.llvm-opt.mlir
// RUN: FileCheck %s --check-prefix=LLVM < %t.llvm-opt.mlir
// LLVM: llvm.func @meshc_step(
// LLVM-NOT: .part0
// meshc --max-ops-per-function is the lowering pipeline's max-ops.
// RUN: meshc %t.mlir --mesh m=2 --layout hidden:m --emit=llvm-mlir --max-ops-per-function=50 -o %t.split-driver.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline='builtin.module(meshc-partition-pipeline{mesh=m=2 layout=hidden:m}, meshc-lower-pipeline{max-ops=50})' -o %t.split-opt.mlir
// RUN: diff %t.split-driver.mlir %t.split-opt.mlir
// RUN: not meshc %t.mlir --max-ops-per-function=0 2>&1 | FileCheck %s --check-prefix=BADMAX
// BADMAX: meshc: error: --max-ops-per-function must be at least 1, not 0
// A small max-ops splits the same program into parts.
// RUN: meshc-opt %t.mlir --pass-pipeline='builtin.module(meshc-partition-pipeline{mesh=m=2 layout=hidden:m}, meshc-lower-pipeline{max-ops=50})' | FileCheck %s --check-prefix=SPLIT
// SPLIT: llvm.call @meshc_step.part0(
// SPLIT: llvm.func internal @meshc_step.part0(

// A bad option is an error at the module, with the grammar's message.
// RUN: not meshc-opt %t.mlir --mlir-print-op-on-diagnostic=false --pass-pipeline='builtin.module(meshc-partition-pipeline{mesh=b=0})' 2>&1 | FileCheck %s --check-prefix=BADMESH
// BADMESH: error: mesh option: mesh axis 'b' has size 0 (sizes must be at least 1)
// RUN: not meshc-opt %t.mlir --mlir-print-op-on-diagnostic=false --pass-pipeline='builtin.module(meshc-partition-pipeline{layout=batch})' 2>&1 | FileCheck %s --check-prefix=BADLAYOUT
// BADLAYOUT: error: layout option: invalid layout rule 'batch' in layout 'batch' (expected dim:axis, like batch:b,hidden:m)

// --mlir-timing reports every stage of the compile, the passes of both pipelines included.
// RUN: meshc %t.mlir --emit=obj -o %t.o --mlir-timing 2>&1 | FileCheck %s --check-prefix=TIMING
// TIMING: Execution time report
// TIMING-DAG: parse
// TIMING-DAG: Autodiff
// TIMING-DAG: PropagateShardings
// TIMING-DAG: InsertReshards
// TIMING-DAG: Localize
// TIMING-DAG: OptimizeCommunication
// TIMING-DAG: LowerToLLVM
// TIMING-DAG: SplitFunctions
// TIMING-DAG: translate to LLVM IR and generate code
// TIMING: Total
// meshc --bucket-bytes is the partition pipeline's bucket-bytes (64: the 2x2 MLP's small
// gradients over b bucketed apart from its larger ones; 0: no bucket at all).
// RUN: meshc %t.mlir --bucket-bytes 64 --emit=partitioned -o %t.bucket-driver.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline='builtin.module(meshc-partition-pipeline{bucket-bytes=64})' -o %t.bucket-opt.mlir
// RUN: diff %t.bucket-driver.mlir %t.bucket-opt.mlir
// RUN: FileCheck %s --check-prefix=BUCKET < %t.bucket-opt.mlir
// BUCKET: meshc.all_reduce_bucket {{.*}}axes = ["b"]
// RUN: meshc %t.mlir --bucket-bytes 0 --emit=partitioned -o %t.nobucket-driver.mlir
// RUN: meshc-opt %t.mlir --pass-pipeline='builtin.module(meshc-partition-pipeline{bucket-bytes=0})' -o %t.nobucket-opt.mlir
// RUN: diff %t.nobucket-driver.mlir %t.nobucket-opt.mlir
// RUN: FileCheck %s --check-prefix=NOBUCKET < %t.nobucket-opt.mlir
// NOBUCKET-NOT: meshc.all_reduce_bucket
// RUN: not meshc %t.mlir --bucket-bytes -1 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: meshc: error: --bucket-bytes must be 0 (no buckets) or positive, not -1
