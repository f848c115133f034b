// RUN: meshc-opt %s --meshc-autodiff | FileCheck %s --check-prefix=AD
// RUN: meshc-opt %s --meshc-partition-pipeline="bucket-bytes=0 overlap=false" | FileCheck %s --check-prefix=PART
// RUN: meshc-opt %s --meshc-partition-pipeline="bucket-bytes=0 overlap=false" --meshc-lower-to-llvm | FileCheck %s --check-prefix=LOW

// clip_norm: autodiff puts one meshc.clip_global_norm over every gradient after the last
// adjoint op and before the first update, and the updates read its results; weight_decay
// reaches every adam_update. Partitioned on b=2,m=2 with hidden on m: the clip comes after the
// all_reduces over b that complete the gradients, keeps each gradient's layout, and counts
// the ranks holding each block: w [d_in, hidden/m] on the 2 ranks along b, v [hidden/m] on
// the 2 along b, u (a scalar) replicated on all 4.
module attributes {meshc.mesh = #meshc.mesh<"b=2,m=2">, meshc.layout = #meshc.layout<"batch:b,hidden:m">} {
  func.func @clipped() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=4, d_in=4, f32>
    %w = meshc.param "w" uniform {scale = 0.5} : !meshc.tensor<d_in=4, hidden=8, f32>
    %v = meshc.param "v" uniform {scale = 0.5} : !meshc.tensor<hidden=8, f32>
    %u = meshc.param "u" uniform {scale = 0.5} : !meshc.tensor<f32>
    %h = meshc.einsum %x, %w : !meshc.tensor<batch=4, d_in=4, f32>, !meshc.tensor<d_in=4, hidden=8, f32> -> !meshc.tensor<batch=4, hidden=8, f32>
    %s = meshc.einsum %h, %v : !meshc.tensor<batch=4, hidden=8, f32>, !meshc.tensor<hidden=8, f32> -> !meshc.tensor<batch=4, f32>
    %t = meshc.mul %s, %u : !meshc.tensor<batch=4, f32>, !meshc.tensor<f32> -> !meshc.tensor<batch=4, f32>
    %l = meshc.reduce_sum %t : !meshc.tensor<batch=4, f32> -> !meshc.tensor<f32>
    meshc.minimize adam %l {learning_rate = 0.01, weight_decay = 0.5, clip_norm = 1.0} : !meshc.tensor<f32>
    return
  }
}

// AD: %[[CLIP:.+]]:3 = meshc.clip_global_norm %{{.+}}, %{{.+}}, %{{.+}} {max_norm = 1.000000e+00 : f64} : !meshc.tensor<d_in=4, hidden=8, f32>, !meshc.tensor<hidden=8, f32>, !meshc.tensor<f32> -> !meshc.tensor<d_in=4, hidden=8, f32>, !meshc.tensor<hidden=8, f32>, !meshc.tensor<f32>
// AD-NEXT: meshc.adam_update %{{.+}}, %[[CLIP]]#0 {{{.*}}weight_decay = 5.000000e-01 : f64}
// AD-NEXT: meshc.adam_update %{{.+}}, %[[CLIP]]#1 {{{.*}}weight_decay = 5.000000e-01 : f64}
// AD-NEXT: meshc.adam_update %{{.+}}, %[[CLIP]]#2 {{{.*}}weight_decay = 5.000000e-01 : f64}
// AD-NEXT: meshc.output "loss"

// PART: %[[GW:.+]] = meshc.all_reduce %{{.+}} {axes = ["b"]{{.*}}} : !meshc.tensor<d_in=4, hidden=4, f32>
// PART-NOT: meshc.adam_update
// PART: %[[CLIP:.+]]:3 = meshc.clip_global_norm %[[GW]], %{{.+}}, %{{.+}} {max_norm = 1.000000e+00 : f64, meshc.sharding = [#meshc.sharding<{{\[\[}}], [m]]>, #meshc.sharding<{{\[\[}}m]]>, #meshc.sharding<[]>], replicas = array<i64: 2, 2, 4>} : !meshc.tensor<d_in=4, hidden=4, f32>, !meshc.tensor<hidden=4, f32>, !meshc.tensor<f32> -> !meshc.tensor<d_in=4, hidden=4, f32>, !meshc.tensor<hidden=4, f32>, !meshc.tensor<f32>
// PART-NOT: meshc.all_reduce
// PART: meshc.adam_update %{{.+}}, %[[CLIP]]#0

// The lowering: the collective's site, then one call over the three blocks (in place), with
// the max norm; the updates follow with the weight decay.
// LOW: llvm.call @meshrt_collective_site
// LOW: llvm.call @meshrt_clip_global_norm(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, f32) -> ()
// LOW: llvm.call @meshrt_adam_update
