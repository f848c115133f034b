// RUN: meshc-opt %s --split-input-file --meshc-partition-pipeline --meshc-lower-to-llvm | FileCheck %s
// The role passed with each name: the string globals and, in meshc_init, each name's line and
// the one before it (the role is the argument built just before the name).
// RUN: meshc-opt %s --split-input-file --meshc-partition-pipeline --meshc-lower-to-llvm \
// RUN:   | sed -n -e '/global internal constant @__meshc_str/p' -e '/llvm.func @meshc_init/,/llvm.return/p' \
// RUN:   | grep -B1 -e 'addressof @__meshc_str' -e 'global internal constant' \
// RUN:   | FileCheck %s --check-prefix=REG

// Three passes over one buffer plan. Classes are split on m, so the accuracy's argmax and the
// probabilities' softmax need the logits gathered.
//  - meshc_step (train): inputs, dropout, forward, backward, Adam; none of the metric's or the
//    output's ops (no argmax, equal or softmax);
//  - meshc_eval: what the loss and the accuracy need: both inputs, dropout as a copy, no
//    gradient, no update, returns the loss;
//  - meshc_predict: what the probabilities need: x only (no labels), returns 0;
//  - meshc_init registers x (input 0), y (input 1), w, w/adam_m, w/adam_v, accuracy and probs,
//    with their global shapes and the mesh axis of each dim.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,classes:m">} {
  func.func @cls() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, classes=4, f32>
    %xd = meshc.dropout %x {rate = 0.25, key = 0} : !meshc.tensor<batch=8, d=4, f32>
    %l = meshc.einsum %xd, %w : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %e = meshc.softmax_xent %l, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %m = meshc.reduce_mean %e : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    %a = meshc.argmax %l {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32> -> !meshc.tensor<batch=8, i32>
    %c = meshc.equal %a, %y : !meshc.tensor<batch=8, i32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    meshc.metric "accuracy", %c : !meshc.tensor<batch=8, f32>
    %p = meshc.softmax %l {dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>
    meshc.prediction "probs", %p : !meshc.tensor<batch=8, classes=4, f32>
    meshc.minimize adam %m {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
}
// CHECK-NOT: meshc.
// CHECK-DAG: llvm.mlir.global internal constant @[[X:__meshc_str_[0-9]+]]("x\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[Y:__meshc_str_[0-9]+]]("y\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[W:__meshc_str_[0-9]+]]("w\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[WM:__meshc_str_[0-9]+]]("w/adam_m\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[WV:__meshc_str_[0-9]+]]("w/adam_v\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[ACC:__meshc_str_[0-9]+]]("accuracy\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[PROBS:__meshc_str_[0-9]+]]("probs\00")
// Global shapes and dim axes: probs [8, 4] on axes [b, m]; accuracy [8] on [b]; w [4, 4] on [-, m].
// CHECK-DAG: llvm.mlir.global internal constant @[[S84:__meshc_array_[0-9]+]](dense<[8, 4]> : tensor<2xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[A01:__meshc_array_[0-9]+]](dense<[0, 1]> : tensor<2xi32>)
// CHECK-DAG: llvm.mlir.global internal constant @[[S8:__meshc_array_[0-9]+]](dense<8> : tensor<1xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[A0:__meshc_array_[0-9]+]](dense<0> : tensor<1xi32>)
// CHECK-DAG: llvm.mlir.global internal constant @[[S44:__meshc_array_[0-9]+]](dense<4> : tensor<2xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @[[AW:__meshc_array_[0-9]+]](dense<[-1, 1]> : tensor<2xi32>)

// CHECK-LABEL: llvm.func @meshc_step(
// CHECK: llvm.call @meshrt_input(
// CHECK: llvm.call @meshrt_input(
// CHECK: llvm.call @meshrt_dropout(
// CHECK-NOT: @meshrt_argmax
// CHECK-NOT: @meshrt_equal
// CHECK-NOT: @meshrt_softmax(
// CHECK: llvm.call @meshrt_softmax_xent_grad(
// CHECK: llvm.call @meshrt_adam_update(
// CHECK: llvm.return

// CHECK-LABEL: llvm.func @meshc_eval(
// CHECK: llvm.call @meshrt_input(
// CHECK: llvm.call @meshrt_input(
// CHECK-NOT: @meshrt_dropout
// CHECK-NOT: _grad
// CHECK-NOT: _update
// CHECK-NOT: @meshrt_all_slice
// CHECK: llvm.call @meshrt_strided_copy(
// CHECK: llvm.call @meshrt_matmul(
// CHECK: llvm.call @meshrt_softmax_xent(
// CHECK: llvm.call @meshrt_argmax(
// CHECK: llvm.call @meshrt_equal(
// CHECK-NOT: _grad
// CHECK-NOT: _update
// CHECK: %[[LOSS:.+]] = llvm.call @meshrt_load_f32(
// CHECK-NEXT: llvm.return %[[LOSS]] : f32

// CHECK-LABEL: llvm.func @meshc_predict(
// CHECK: %[[XID:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @meshrt_input(%{{.+}}, %[[XID]], %{{.+}})
// CHECK-NOT: @meshrt_input
// CHECK-NOT: @meshrt_softmax_xent
// CHECK-NOT: _update
// CHECK: llvm.call @meshrt_softmax(
// CHECK: llvm.call @meshrt_all_slice(
// CHECK: %[[ZERO:.+]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: llvm.return %[[ZERO]] : f32

// Registrations: role, name, dtype, rank, global shape, dim axes, buffer, synthetic kind, classes.
// CHECK-LABEL: llvm.func @meshc_init(
// CHECK: llvm.call @meshrt_init_param(
// CHECK: %[[R0:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[N0:.+]] = llvm.mlir.addressof @[[X]]
// CHECK: llvm.call @meshrt_register_tensor(%{{[^,]+}}, %[[R0]], %[[N0]],
// CHECK: %[[R1:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[N1:.+]] = llvm.mlir.addressof @[[Y]]
// CHECK-NEXT: %[[T1:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[S1:.+]] = llvm.mlir.addressof @[[S8]]
// CHECK-NEXT: %[[D1:.+]] = llvm.mlir.addressof @[[A0]]
// CHECK-NEXT: %[[K1:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[C1:.+]] = llvm.mlir.constant(4 : i32) : i32
// CHECK-NEXT: llvm.call @meshrt_register_tensor(%{{[^,]+}}, %[[R1]], %[[N1]], %[[T1]], %{{[^,]+}}, %[[S1]], %[[D1]], %{{[^,]+}}, %[[K1]], %[[C1]])
// The roles of the others (REG below): 1 param, 2 optimizer state, 3 metric, 4 output.
// CHECK: llvm.mlir.addressof @[[WM]]
// CHECK-NEXT: llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: llvm.mlir.addressof @[[S44]]
// CHECK-NEXT: llvm.mlir.addressof @[[AW]]
// CHECK: llvm.mlir.addressof @[[ACC]]
// CHECK-NEXT: llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.mlir.addressof @[[S8]]
// CHECK-NEXT: llvm.mlir.addressof @[[A0]]
// CHECK: llvm.mlir.addressof @[[PROBS]]
// CHECK-NEXT: llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: llvm.mlir.addressof @[[S84]]
// CHECK-NEXT: llvm.mlir.addressof @[[A01]]
// CHECK: llvm.call @meshrt_register_tensor(
// CHECK-NOT: @meshrt_register_tensor
// CHECK: llvm.return

// REG-DAG: llvm.mlir.global internal constant @[[X:__meshc_str_[0-9]+]]("x\00")
// REG-DAG: llvm.mlir.global internal constant @[[Y:__meshc_str_[0-9]+]]("y\00")
// REG-DAG: llvm.mlir.global internal constant @[[W:__meshc_str_[0-9]+]]("w\00")
// REG-DAG: llvm.mlir.global internal constant @[[WM:__meshc_str_[0-9]+]]("w/adam_m\00")
// REG-DAG: llvm.mlir.global internal constant @[[WV:__meshc_str_[0-9]+]]("w/adam_v\00")
// REG-DAG: llvm.mlir.global internal constant @[[ACC:__meshc_str_[0-9]+]]("accuracy\00")
// REG-DAG: llvm.mlir.global internal constant @[[PROBS:__meshc_str_[0-9]+]]("probs\00")
// REG: llvm.mlir.constant(0 : i32) : i32
// REG-NEXT: llvm.mlir.addressof @[[X]]
// REG: llvm.mlir.constant(0 : i32) : i32
// REG-NEXT: llvm.mlir.addressof @[[Y]]
// REG: llvm.mlir.constant(1 : i32) : i32
// REG-NEXT: llvm.mlir.addressof @[[W]]
// REG: llvm.mlir.constant(2 : i32) : i32
// REG-NEXT: llvm.mlir.addressof @[[WM]]
// REG: llvm.mlir.constant(2 : i32) : i32
// REG-NEXT: llvm.mlir.addressof @[[WV]]
// REG: llvm.mlir.constant(3 : i32) : i32
// REG-NEXT: llvm.mlir.addressof @[[ACC]]
// REG: llvm.mlir.constant(4 : i32) : i32
// REG-NEXT: llvm.mlir.addressof @[[PROBS]]

// main hands the three passes to the runtime.
// CHECK-LABEL: llvm.func @main(
// CHECK: %[[STEP:.+]] = llvm.mlir.addressof @meshc_step
// CHECK-NEXT: %[[EVAL:.+]] = llvm.mlir.addressof @meshc_eval
// CHECK-NEXT: %[[PREDICT:.+]] = llvm.mlir.addressof @meshc_predict
// CHECK: llvm.call @meshrt_main({{.*}}, %[[STEP]], %[[EVAL]], %[[PREDICT]], %{{[^,]+}})

// -----

// Without outputs there is no predict pass: main passes NULL. Momentum's velocity is
// registered as "<param>/momentum"; a parameter read twice is registered once.
module attributes {meshc.mesh = #meshc.mesh<"b=1">} {
  func.func @no_outputs() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d=4, f32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, f32>
    %w2 = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d=4, f32>
    %ww = meshc.mul %w, %w2 : !meshc.tensor<d=4, f32>, !meshc.tensor<d=4, f32> -> !meshc.tensor<d=4, f32>
    %l = meshc.einsum %x, %ww : !meshc.tensor<batch=8, d=4, f32>, !meshc.tensor<d=4, f32> -> !meshc.tensor<f32>
    meshc.minimize momentum %l {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
}
// CHECK-DAG: llvm.mlir.global internal constant @[[VEL:__meshc_str_[0-9]+]]("w/momentum\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[W2:__meshc_str_[0-9]+]]("w\00")
// CHECK-NOT: llvm.func @meshc_predict
// CHECK-LABEL: llvm.func @meshc_eval(
// CHECK-NOT: _update
// CHECK-LABEL: llvm.func @meshc_init(
// CHECK: llvm.mlir.addressof @[[W2]]
// CHECK-NEXT: llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @meshrt_register_tensor(
// CHECK-NOT: llvm.mlir.addressof @[[W2]]
// CHECK: llvm.mlir.addressof @[[VEL]]
// CHECK-LABEL: llvm.func @main(
// CHECK: %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[EVAL2:.+]] = llvm.mlir.addressof @meshc_eval
// CHECK: llvm.call @meshrt_main({{.*}}, %[[EVAL2]], %[[NULL]], %{{[^,]+}})
