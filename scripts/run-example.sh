#!/usr/bin/env bash
# The main job for a newcomer: install, build, compile examples/mlp for the 2x2 hybrid layout
# (batch split over mesh axis b, hidden over m) and train it on 4 ranks under mpirun.
#   scripts/run-example.sh [--steps N] [other flags of the executable]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages
build
echo "== compiling: meshc mlp.mlir --mesh b=2,m=2 --layout batch:b,hidden:m -o mlp"
cd "$BUILD_DIR/examples/mlp"
"$BUILD_DIR/bin/meshc" mlp.mlir --mesh b=2,m=2 --layout batch:b,hidden:m -o mlp
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--steps 20)
echo "== running: mpirun -n 4 ./mlp ${args[*]}"
exec mpirun -n 4 --oversubscribe --bind-to none ./mlp "${args[@]}"
