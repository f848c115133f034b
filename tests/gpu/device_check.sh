#!/usr/bin/env bash
# device_check.sh — the runtime's GPU tests (tests/gpu, meshrt_gpu_tests) carried to a GPU
# machine that has no Open MPI, oneDNN or HDF5 and can install nothing (the lent H200), and run
# there. The build machines have no GPU, where every gpu test skips: this is how they get run.
#
#   bash tests/gpu/device_check.sh pack [BUILD_DIR]   # here, after building: BUILD_DIR/gpu-check.tar.gz
#   bash tests/gpu/device_check.sh run [BUILD_DIR]    # there, with that archive carried
#
# (With the sessions' device tool: carry ["build/gpu-check.tar.gz"], command
# `bash tests/gpu/device_check.sh run`; the logs come back from $OUT.)
#
# pack: a device-kit bundle (../shared/tools/device-kit, or $DEVICE_KIT: Open MPI, oneDNN) plus
#   libmeshrt, its CUDA plugin, the test binaries and every library of theirs that neither the
#   kit nor a bare glibc system has (HDF5 and what it needs), as one archive (~20 MiB). The CUDA
#   libraries (cudart, cuBLAS, cuDNN, NCCL) come from the GPU machine's own CUDA install.
# run: unpacks the archive, prints the GPUs the runtime sees and any library the plugin cannot
#   resolve, then runs the gtest cases of the ctest gpu.* entries, the non-blocking collectives
#   (gpu.device_started.*) first, on 1 and 2 ranks with the ctest filters. Logs go to $OUT (the
#   device tool's result folder) when set. Exits 0 when every case passed on a GPU, 77 when the
#   runtime sees no GPU (the cases skip), 1 otherwise.
set -euo pipefail

mode=${1:-}
build=$(cd "${2:-build}" && pwd -P)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
archive=$build/gpu-check.tar.gz
say() { printf 'device_check: %s\n' "$*" >&2; }

# Libraries every x86-64 glibc system has; a copy of Debian's would only get in the way.
system_lib() {
  case $1 in
    libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|libutil.so.*|libresolv.so.*|\
    ld-linux-x86-64.so.*|libstdc++.so.*|libgcc_s.so.*|libz.so.*) return 0;;
    libcuda.so.*|libcudart.so.*|libcublas*.so.*|libcudnn*.so.*|libnccl.so.*) return 0;;
  esac
  return 1
}

pack() {
  local tool=${DEVICE_KIT:-$here/../../../shared/tools/device-kit}
  [ -x "$tool" ] || { say "no device-kit at $tool (set DEVICE_KIT)"; exit 1; }
  local kit=$build/gpu-check lib name
  for f in lib/libmeshrt.so.0.1 lib/libmeshrt_cuda.so bin/meshrt_gpu_tests bin/meshrt_device_count; do
    [ -f "$build/$f" ] || { say "missing $build/$f: build first (cmake --build $build)"; exit 1; }
  done
  # The kit prunes the libmeshrt it finds (the kit has no HDF5): the build's is added below.
  local debs
  debs=$(mktemp -d)
  DEVICE_KIT_DEBS=$debs "$tool" build "$kit" 2>&1 | grep -v '^device-kit: pruned' >&2 || true
  rm -rf "$debs"
  [ -f "$kit/env.sh" ] || { say "device-kit failed"; exit 1; }
  mkdir -p "$kit/bin"
  cp -L "$build/lib/libmeshrt.so.0.1" "$build/lib/libmeshrt_cuda.so" "$kit/lib/"
  cp -L "$build/bin/meshrt_gpu_tests" "$build/bin/meshrt_device_count" "$kit/bin/"
  while read -r lib; do
    name=${lib##*/}
    system_lib "$name" && continue
    [ -n "$(find "$kit" -name "$name" -print -quit)" ] && continue
    cp -L "$lib" "$kit/lib/"
    say "carried $name"
  done < <(ldd "$build/lib/libmeshrt.so.0.1" "$build/bin/meshrt_gpu_tests" |
           awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)
  tar -czf "$archive" -C "$build" gpu-check
  rm -rf "$kit"
  say "wrote $archive ($(du -m "$archive" | cut -f1) MiB); on the GPU machine: bash tests/gpu/device_check.sh run"
}

run() {
  [ -f "$archive" ] || { say "no $archive (run: bash tests/gpu/device_check.sh pack)"; exit 1; }
  local dir logs=${OUT:-$build}
  dir=$(mktemp -d)
  tar -xzf "$archive" -C "$dir"
  # shellcheck disable=SC1091
  source "$dir/gpu-check/env.sh"
  nvidia-smi -L 2>/dev/null || say "nvidia-smi: not available"
  local unresolved
  unresolved=$(ldd "$MESHC_KIT/lib/libmeshrt_cuda.so" | awk '/not found/ {print $1}' | paste -sd' ')
  [ -z "$unresolved" ] || say "the CUDA plugin cannot resolve: $unresolved (set MESHC_CUDA_LIBS)"
  local gpus
  gpus=$(meshrt_device_count)
  say "meshrt_device_count: $gpus"
  local mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
  # name, ranks, gtest filter: the ctest entries of tests/gpu/CMakeLists.txt.
  local cases=(
    "gpu.device_started.np1 1 DeviceStarted.*"
    "gpu.device_started.np2 2 DeviceStarted.*"
    "gpu.device_errors 1 DeviceErrors.*"
    "gpu.device_kernels.np1 1 DeviceKernels.*:DeviceSlices.*:DeviceCollectives.*:DeviceCnn.*"
    "gpu.device_collectives.np2 2 DeviceSlices.*:DeviceCollectives.*:DeviceCnn.HaloExchange*")
  local failed=0 entry test np filter status
  for entry in "${cases[@]}"; do
    read -r test np filter <<<"$entry"
    status=0
    timeout 600 "${mpirun[@]}" -n "$np" meshrt_gpu_tests --gtest_filter="$filter" \
      >"$logs/$test.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
      failed=1
      say "$test: FAILED (exit $status), last lines of $logs/$test.log:"
      tail -n 30 "$logs/$test.log" >&2
    elif grep -q "selected tests skipped" "$logs/$test.log"; then
      say "$test: skipped (no GPU)"
    else
      say "$test: passed ($(grep -o '[0-9]* tests\? from [0-9]* test suites\? ran' "$logs/$test.log" | tail -n 1))"
    fi
  done
  rm -rf "$dir"
  [ "$failed" -eq 0 ] || exit 1
  [ "$gpus" -gt 0 ] || exit 77
}

case $mode in
  pack) pack;;
  run) run;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2;;
esac
