// meshc links against the libmeshrt of its own installation, found relative to its executable
// (lowering/Target/Link.cpp: <bindir>/../<libdir>, or the build tree's bin/../lib), and gives
// the executable that directory as its RUNPATH; $MESHC_RUNTIME_DIR overrides (made absolute).
// A copy of meshc in a folder of its own stands for an installation that was moved.
// RUN: rm -rf %t && mkdir -p %t/bin %t/lib %t/empty
// RUN: cp %meshc_bin_dir/meshc %t/bin/meshc
// RUN: not %t/bin/meshc %s -o %t/prog 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: cp -P %meshc_lib_dir/libmeshrt.so %meshc_lib_dir/libmeshrt.so.0.1 %meshc_lib_dir/libmeshrt.so.0.1.0 %t/lib/
// RUN: %t/bin/meshc %s -o %t/prog
// RUN: llvm-readelf -d %t/prog | FileCheck %s --check-prefix=RUNPATH -DDIR=%t/lib
// RUN: cd %t && env MESHC_RUNTIME_DIR=lib/../lib %t/bin/meshc %s -o %t/prog2
// RUN: llvm-readelf -d %t/prog2 | FileCheck %s --check-prefix=RUNPATH -DDIR=%t/lib
// RUN: env MESHC_RUNTIME_DIR=%t/empty not %t/bin/meshc %s -o %t/prog3 2>&1 | FileCheck %s --check-prefix=ENV-MISSING -DDIR=%t/empty
// RUN: not ls %t/prog3

// MISSING: meshc: error: cannot find libmeshrt.so in '{{.+}}' (beside meshc's own installation; set MESHC_RUNTIME_DIR)
// RUNPATH: (RUNPATH) Library runpath: {{\[}}[[DIR]]{{\]}}
// ENV-MISSING: meshc: error: cannot find libmeshrt.so in '[[DIR]]' (from MESHC_RUNTIME_DIR)

module attributes {meshc.mesh = #meshc.mesh<"b=1">, meshc.layout = #meshc.layout<"">} {
  func.func @tiny() {
    %x = meshc.input "x" features {classes = 2} : !meshc.tensor<batch=4, d=2, f32>
    %y = meshc.input "y" labels {classes = 2} : !meshc.tensor<batch=4, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=2, classes=2, f32>
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=4, d=2, f32>, !meshc.tensor<d=2, classes=2, f32> -> !meshc.tensor<batch=4, classes=2, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=4, classes=2, f32>, !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=4, f32> -> !meshc.tensor<f32>
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32>
    return
  }
}
