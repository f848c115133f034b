// RUN: meshc-opt --meshc-partition-pipeline='mesh=b=2 layout=batch:b shard-update-min-bytes=0' %s | FileCheck %s
// RUN: meshc-opt --meshc-partition-pipeline='mesh=b=2 layout=batch:b shard-update-min-bytes=0 shard-updates=false' %s | FileCheck %s --check-prefix=OFF
// RUN: meshc-opt --meshc-partition-pipeline='mesh=b=2 layout=batch:b' %s | FileCheck %s --check-prefix=OFF

// meshc-shard-updates in the partition pipeline (after CSE, before bucketing): on a
// data-parallel MLP trained with AdamW every gradient's all_reduce over b becomes a
// reduce_scatter of the parameter's first dim, and every update shards over b (at min-bytes 0;
// the default 256 KiB leaves these 0.5 KiB parameters alone, as does shard-updates=false).
// Bucketing then sees only the loss's all_reduce.

// CHECK-LABEL: func.func @shard_adam
// CHECK-DAG: meshc.reduce_scatter %{{.+}} {axis = "b", dim = "d_in"{{.*}}} : !meshc.tensor<d_in=8, hidden=16, f32> -> !meshc.tensor<d_in=4, hidden=16, f32>
// CHECK-DAG: meshc.reduce_scatter %{{.+}} {axis = "b", dim = "hidden"{{.*}}} : !meshc.tensor<hidden=16, f32> -> !meshc.tensor<hidden=8, f32>
// CHECK-DAG: meshc.reduce_scatter %{{.+}} {axis = "b", dim = "hidden"{{.*}}} : !meshc.tensor<hidden=16, classes=4, f32> -> !meshc.tensor<hidden=8, classes=4, f32>
// CHECK-NOT: meshc.all_reduce_bucket
// CHECK-COUNT-3: meshc.adam_update {{.*}}shard_axis = "b"
// CHECK: return

// OFF-LABEL: func.func @shard_adam
// OFF-NOT: reduce_scatter
// OFF-NOT: shard_axis
// OFF: return
module {
  func.func @shard_adam() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, d_in=8, f32>
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    %w1 = meshc.param "w1" uniform {scale = 0.5} : !meshc.tensor<d_in=8, hidden=16, f32>
    %b1 = meshc.param "b1" uniform {scale = 0.1} : !meshc.tensor<hidden=16, f32>
    %w2 = meshc.param "w2" uniform {scale = 0.5} : !meshc.tensor<hidden=16, classes=4, f32>
    %h = meshc.einsum %x, %w1 : !meshc.tensor<batch=8, d_in=8, f32>, !meshc.tensor<d_in=8, hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %hb = meshc.add %h, %b1 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, f32> -> !meshc.tensor<batch=8, hidden=16, f32>
    %r = meshc.relu %hb : !meshc.tensor<batch=8, hidden=16, f32>
    %logits = meshc.einsum %r, %w2 : !meshc.tensor<batch=8, hidden=16, f32>, !meshc.tensor<hidden=16, classes=4, f32> -> !meshc.tensor<batch=8, classes=4, f32>
    %l = meshc.softmax_xent %logits, %y {class_dim = "classes"} : !meshc.tensor<batch=8, classes=4, f32>, !meshc.tensor<batch=8, i32> -> !meshc.tensor<batch=8, f32>
    %loss = meshc.reduce_mean %l : !meshc.tensor<batch=8, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %loss {learning_rate = 0.01, weight_decay = 0.01} : !meshc.tensor<f32>
    return
  }
}
