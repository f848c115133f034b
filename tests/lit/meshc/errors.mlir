// Bad command lines and bad programs: one located line, a non-zero exit.
// RUN: not meshc %s --mesh b=two 2>&1 | FileCheck %s --check-prefix=MESH
// MESH: meshc: error: --mesh: invalid mesh axis 'b=two' in mesh 'b=two' (expected name=size, like b=2,m=4)
// RUN: not meshc %s --mesh b=0 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: meshc: error: --mesh: mesh axis 'b' has size 0 (sizes must be at least 1)
// RUN: not meshc %s --layout batch=b 2>&1 | FileCheck %s --check-prefix=LAYOUT
// LAYOUT: meshc: error: --layout: invalid layout rule 'batch=b'
// RUN: not meshc %s --layout batch:q 2>&1 | FileCheck %s --check-prefix=AXIS
// AXIS: error: layout maps dimension 'batch' to mesh axis 'q', which mesh 'b=2' does not have
// RUN: not meshc %s --mesh b=3 2>&1 | FileCheck %s --check-prefix=DIVIDE
// DIVIDE: errors.mlir:[[# @LINE + 12]]:{{[0-9]+}}: error: dimension 'batch' of size 8 is not divisible by mesh axis 'b' of size 3
// RUN: not meshc %s.missing 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: meshc: error: cannot open input file '{{.*}}errors.mlir.missing'
// RUN: echo 'module { func.func @f() { %0 = meshc.relu } }' > %t.bad.mlir
// RUN: not meshc %t.bad.mlir 2>&1 | FileCheck %s --check-prefix=MALFORMED
// MALFORMED: bad.mlir:1:{{[0-9]+}}: error:
// RUN: echo 'module { func.func @f() { %0 = meshc.input "x" features {classes = 2} : !meshc.tensor<b=2, b=2, f32> return } }' > %t.dup.mlir
// RUN: not meshc %t.dup.mlir 2>&1 | FileCheck %s --check-prefix=DUP
// DUP: dup.mlir:1:{{[0-9]+}}: error: dimension 'b' appears twice in one tensor

module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  func.func @f() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %s = meshc.reduce_sum %x : !meshc.tensor<batch=8, d=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %s {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}

// Meshes the runtime would refuse are refused here (dialect/IR/Limits.h):
// RUN: not meshc %s --mesh a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1 2>&1 | FileCheck %s --check-prefix=AXES
// AXES: meshc: error: --mesh: mesh 'a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1' has 10 axes, more than the 8 the runtime supports
// RUN: not meshc %s --mesh b=4294967296,m=4294967296 2>&1 | FileCheck %s --check-prefix=AXIS_SIZE
// AXIS_SIZE: meshc: error: --mesh: mesh axis 'b' has size 4294967296, more than the 16777216 the runtime supports
// RUN: not meshc %s --mesh b=65536,m=65536 2>&1 | FileCheck %s --check-prefix=RANKS
// RANKS: meshc: error: --mesh: mesh 'b=65536,m=65536' has more than 1073741824 ranks (the most the runtime supports)
// A model's C++ source instead of the program its generator prints, by extension or content:
// RUN: cp %s %t.cpp && not meshc %t.cpp 2>&1 | FileCheck %s --check-prefix=CXX
// CXX: meshc: error: {{.*}}errors.mlir.tmp.cpp is C++ source (a model generator), not a meshc program: compile it with the DSL library (libmeshc_frontend) and run it to print the program (./errors.mlir.tmp_gen -o errors.mlir.tmp.mlir), or use meshc_add_model() in CMake
// RUN: printf '// a model\n#include "meshc/dsl.h"\nint main() {}\n' > %t.model
// RUN: not meshc %t.model 2>&1 | FileCheck %s --check-prefix=CXX_CONTENT
// CXX_CONTENT: meshc: error: {{.*}}.tmp.model is C++ source (a model generator), not a meshc program
// A layout with a misspelt dimension:
// RUN: not meshc %s --layout btach:b 2>&1 | FileCheck %s --check-prefix=SPELLING
// SPELLING: error: layout names dimension 'btach', which no tensor in the program has; did you mean 'batch'?
// An output that cannot be written is refused before compiling, not by the linker afterwards:
// RUN: not meshc %s -o %t.no/such/dir/exe 2>&1 | FileCheck %s --check-prefix=OUTDIR
// OUTDIR: meshc: error: -o {{.*}}.no/such/dir/exe: directory '{{.*}}.no/such/dir' does not exist
// RUN: mkdir -p %t.dir && not meshc %s -o %t.dir 2>&1 | FileCheck %s --check-prefix=OUTISDIR
// OUTISDIR: meshc: error: -o {{.*}}.dir: is a directory; give a file name
// RUN: not meshc %s -o - 2>&1 | FileCheck %s --check-prefix=EXESTDOUT
// EXESTDOUT: meshc: error: -o -: an executable cannot be written to stdout; give a file name
// A program without a loss, also when only the global program is asked for:
// RUN: grep -v minimize %s > %t.noloss.mlir
// RUN: not meshc %t.noloss.mlir --emit=global 2>&1 | FileCheck %s --check-prefix=NOLOSS
// NOLOSS: noloss.mlir:{{[0-9]+}}:{{[0-9]+}}: error: program 'f' minimizes no loss, so it would train nothing
