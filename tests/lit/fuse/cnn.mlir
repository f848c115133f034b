// The CNN example's per-rank programs get each conv + bias + relu as one meshc.conv_bias_act
// {relu} (its relu_grad reading that value) and each filter gradient with its bias gradient as
// one meshc.conv_grad_filter_bias, data parallel and spatial (halo rows on the convolutions'
// inputs) alike; channel parallel splits the second conv's input channels, so its result is a
// partial sum until its all_reduce and that conv stays unfused. --no-fuse-elementwise leaves
// all of them out. The e2e layout tests (tests/e2e) run these programs against 1 rank.
// RUN: cnn_gen --batch 8 --f1 4 --f2 4 --hidden 8 -o %t.mlir
// RUN: meshc %t.mlir --mesh b=2 --layout batch:b --emit=partitioned | FileCheck %s
// RUN: meshc %t.mlir --mesh m=2 --layout h:m,ph:m,qh:m --emit=partitioned | FileCheck %s
// RUN: meshc %t.mlir --mesh m=2 --layout f1:m --emit=partitioned | FileCheck %s --check-prefix=CHANNEL
// RUN: meshc %t.mlir --mesh b=2 --layout batch:b --emit=partitioned --no-fuse-elementwise | FileCheck %s --check-prefix=OFF

// CHECK: %[[A1:[^ ]+]] = meshc.conv_bias_act {{.*}}relu
// CHECK: %[[A2:[^ ]+]] = meshc.conv_bias_act {{.*}}relu
// CHECK-NOT: meshc.conv %
// CHECK: meshc.relu_grad %[[A2]],
// CHECK: meshc.conv_grad_filter_bias
// CHECK: meshc.relu_grad %[[A1]],
// CHECK: meshc.conv_grad_filter_bias
// CHECK-NOT: meshc.conv_grad_filter %
// CHECK-NOT: meshc.conv %

// CHANNEL: meshc.conv_bias_act {{.*}}relu
// CHANNEL: meshc.conv %
// CHANNEL-NEXT: meshc.all_reduce
// CHANNEL-COUNT-2: meshc.conv_grad_filter_bias

// OFF-NOT: meshc.conv_bias_act
// OFF-NOT: meshc.conv_grad_filter_bias
// OFF: meshc.conv %
