// RUN: meshc-opt %s --meshc-partition-pipeline --meshc-lower-to-llvm | FileCheck %s
// The two lines before each site call hold its operands (grep keeps them next to the call),
// and the string globals name the lines.
// RUN: meshc-opt %s --meshc-partition-pipeline --meshc-lower-to-llvm \
// RUN:   | grep -B2 -e 'llvm.call @meshrt_collective_site' -e '__meshc_str_[0-9]*("model' \
// RUN:   | FileCheck %s --check-prefix=SITE

// Each collective call is preceded by meshrt_collective_site with its number in program order
// (as meshc --explain counts them) and the DSL line that caused it, for the runtime's
// collective watchdog: here the loss all_reduce (from the mean, line 8) and the weight
// gradient's (from the einsum, line 6); a collective the eval pass runs keeps its number.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  func.func @dp() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32> loc("model.cpp":3:9)
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32> loc("model.cpp":4:9)
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, classes=4, f32> loc("model.cpp":5:9)
    %l = meshc.einsum %x, %w : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32> loc("model.cpp":6:13)
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32> loc("model.cpp":7:13)
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32> loc("model.cpp":8:13)
    meshc.minimize sgd %m {learning_rate = 0.1} : !meshc.tensor<f32> loc("model.cpp":9:5)
    return
  }
}
// CHECK-DAG: llvm.mlir.global internal constant @__meshc_str_{{[0-9]+}}("model.cpp:8:13\00")
// CHECK-DAG: llvm.mlir.global internal constant @__meshc_str_{{[0-9]+}}("model.cpp:6:13\00")
// The loss's all_reduce is started early (meshc-optimize-communication's overlap): its start
// call takes its number as the request (0) and its wait, after the gradient's blocking
// all_reduce, names the same request; a wait has no site of its own.
// CHECK-LABEL: llvm.func @meshc_step(
// CHECK: llvm.call @meshrt_collective_site(
// CHECK: %[[R0:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %{{.+}} = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @meshrt_allreduce_sum_start(%{{.+}}, %[[R0]],
// CHECK: llvm.call @meshrt_collective_site(
// CHECK: llvm.call @meshrt_allreduce_sum(
// CHECK-NOT: llvm.call @meshrt_collective_site(
// CHECK: %[[W0:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @meshrt_collective_wait(%{{.+}}, %[[W0]])
// CHECK-NOT: llvm.call @meshrt_collective_site(
// The eval pass runs only the loss's all_reduce (the forward one), under the same number.
// CHECK-LABEL: llvm.func @meshc_eval(
// CHECK: llvm.call @meshrt_collective_site(
// CHECK: llvm.call @meshrt_allreduce_sum_start(
// CHECK: llvm.call @meshrt_collective_wait(
// CHECK-NOT: llvm.call @meshrt_collective_site(
// CHECK-LABEL: llvm.func @meshc_init(

// SITE-DAG: llvm.mlir.global internal constant @__meshc_str_[[MEAN:[0-9]+]]("model.cpp:8:13\00")
// SITE-DAG: llvm.mlir.global internal constant @__meshc_str_[[EINSUM:[0-9]+]]("model.cpp:6:13\00")
// SITE: %[[I0:.+]] = llvm.mlir.constant(0 : i32) : i32
// SITE-NEXT: %[[S0:.+]] = llvm.mlir.addressof @__meshc_str_[[MEAN]] : !llvm.ptr
// SITE-NEXT: llvm.call @meshrt_collective_site(%{{.+}}, %[[I0]], %[[S0]])
// SITE: %[[I1:.+]] = llvm.mlir.constant(1 : i32) : i32
// SITE-NEXT: %[[S1:.+]] = llvm.mlir.addressof @__meshc_str_[[EINSUM]] : !llvm.ptr
// SITE-NEXT: llvm.call @meshrt_collective_site(%{{.+}}, %[[I1]], %[[S1]])
// SITE: %[[E0:.+]] = llvm.mlir.constant(0 : i32) : i32
// SITE-NEXT: %[[ES0:.+]] = llvm.mlir.addressof @__meshc_str_[[MEAN]] : !llvm.ptr
// SITE-NEXT: llvm.call @meshrt_collective_site(%{{.+}}, %[[E0]], %[[ES0]])
