// RUN: meshc-opt %s --meshc-partition-pipeline | FileCheck %s
// RUN: meshc-opt %s --meshc-partition-pipeline --meshc-lower-to-llvm | FileCheck %s --check-prefix=LOW

// The default threshold (256 KiB of optimizer state saved per rank) and the lowering of a
// sharded update. Data parallel on b=2 with Adam: w (256 x 256 f32 = 256 KiB; m and v keep half
// each, saving 256 KiB) is sharded over b, the bias (saving 1 KiB) is not (its all_reduce is left
// to bucketing). The lowered update runs the kernel on this rank's slice of w, at
// meshrt_mesh_coord(b) x 32768 elements, and then all-gathers w in place.
module attributes {meshc.mesh = #meshc.mesh<"b=2">, meshc.layout = #meshc.layout<"batch:b">} {
  // CHECK-LABEL: func.func @default_threshold
  // LOW-LABEL: llvm.func @meshc_step(
  func.func @default_threshold() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=4, d_in=256, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=4, i32>
    %w = meshc.param "w" uniform {scale = 0.1} : !meshc.tensor<d_in=256, hidden=256, f32>
    %b = meshc.param "b" zeros {scale = 0.0} : !meshc.tensor<hidden=256, f32>
    %v = meshc.param "v" uniform {scale = 0.1} : !meshc.tensor<hidden=256, classes=4, f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=4, d_in=256, f32>, !meshc.tensor<d_in=256, hidden=256, f32> -> !meshc.tensor<batch=4, hidden=256, f32>
    %hb = meshc.add %h, %b : !meshc.tensor<batch=4, hidden=256, f32>, !meshc.tensor<hidden=256, f32> -> !meshc.tensor<batch=4, hidden=256, f32>
    %logits = meshc.einsum %hb, %v : !meshc.tensor<batch=4, hidden=256, f32>, !meshc.tensor<hidden=256, classes=4, f32> -> !meshc.tensor<batch=4, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=4, classes=4, f32>, !meshc.tensor<batch=4, i32> -> !meshc.tensor<batch=4, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=4, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %loss {learning_rate = 0.01} : !meshc.tensor<f32>
    return
  }
  // CHECK: %[[S:.+]] = meshc.reduce_scatter %{{.+}} {axis = "b", dim = "d_in"{{.*}}} : !meshc.tensor<d_in=256, hidden=256, f32> -> !meshc.tensor<d_in=128, hidden=256, f32>
  // CHECK-NOT: shard_axis
  // CHECK: meshc.adam_update %{{.+}}, %[[S]] {{.*}}shard_axis = "b"{{.*}} : !meshc.tensor<d_in=256, hidden=256, f32>, !meshc.tensor<d_in=128, hidden=256, f32>
  // CHECK-NOT: shard_axis
  // CHECK: return

  // LOW: %[[COORD:.+]] = llvm.call @meshrt_mesh_coord(%{{.+}}, %{{.+}}) : (!llvm.ptr, i32) -> i64
  // LOW: %[[OFF:.+]] = llvm.mul %[[COORD]], %{{.+}} : i64
  // LOW: %[[SLICE:.+]] = llvm.getelementptr %{{.+}}[%[[OFF]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
  // LOW: llvm.call @meshrt_adam_update(%{{.+}}, %{{.+}}, %[[SLICE]],
  // LOW: llvm.call @meshrt_collective_site
  // LOW: llvm.call @meshrt_allgather(%{{.+}}, %{{.+}}, %[[SLICE]], %{{.+}}
}
