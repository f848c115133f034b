#!/usr/bin/env bash
# The main job for a newcomer: install, build, convert Debian's Fashion-MNIST to .npy, compile
# examples/fashion_mnist (an MLP) for the 2x2 hybrid layout (batch split over mesh axis b,
# hidden over m), train it on 4 ranks under mpirun and print its test accuracy after each epoch.
#   scripts/run-example.sh [--epochs N] [other flags of the executable]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages
build
work="$BUILD_DIR/examples/fashion_mnist"
data="$work/data"
src=/usr/share/datasets/fashion-mnist
mkdir -p "$data"
for pair in train:train t10k:test; do
  from=${pair%%:*} to=${pair##*:}
  [ -f "$data/${to}_x.npy" ] || "$BUILD_DIR/bin/meshc-data" convert "$src/$from-images-idx3-ubyte.gz" "$data/${to}_x.npy"
  [ -f "$data/${to}_y.npy" ] || "$BUILD_DIR/bin/meshc-data" convert "$src/$from-labels-idx1-ubyte.gz" "$data/${to}_y.npy"
done
echo "== compiling: meshc fashion_mnist.mlir --mesh b=2,m=2 --layout batch:b,hidden:m -o fashion_mnist"
cd "$work"
"$BUILD_DIR/bin/meshc" fashion_mnist.mlir --mesh b=2,m=2 --layout batch:b,hidden:m -o fashion_mnist
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--epochs 10)
cmd=(mpirun -n 4 --oversubscribe --bind-to none ./fashion_mnist
     --data x=data/train_x.npy,y=data/train_y.npy --eval-data x=data/test_x.npy,y=data/test_y.npy
     --save checkpoints "${args[@]}")
echo "== running (in $work): ${cmd[*]}"
exec "${cmd[@]}"
