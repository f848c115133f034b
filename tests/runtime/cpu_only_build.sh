#!/bin/sh
# cpu_only_build.sh SOURCE_DIR BUILD_DIR VERSION — the runtime configured with MESHC_ENABLE_CUDA=OFF
# still builds, links nothing of CUDA, has no CUDA plugin, and its executables say so: in
# --version (with the meshc project VERSION) and when --device cuda is asked for.
# Run by ctest when the main build has the CUDA backend (so CI covers both configurations).
set -eu
src=$1
out=$2
version=$3
cmake -S "$src" -B "$out" -G Ninja -DMESHC_ENABLE_CUDA=OFF -DMESHC_BUILD_COMPILER=OFF \
  -DMESHC_BUILD_TESTS=ON >"$out.configure.log" 2>&1 || { cat "$out.configure.log"; exit 1; }
grep -q "meshc: CUDA backend OFF" "$out.configure.log" || { echo "CUDA was not switched off"; exit 1; }
cmake --build "$out" --target meshrt meshrt_fake_program -j 1 >"$out.build.log" 2>&1 ||
  { tail -30 "$out.build.log"; exit 1; }
lib="$out/lib/libmeshrt.so"
if ldd "$lib" | grep -E "libcudart|libcublas|libcudnn|libnccl"; then
  echo "a CPU-only libmeshrt links CUDA libraries"
  exit 1
fi
nm -D --defined-only "$lib" | grep -q " meshrt_context_use_device$" || {
  echo "meshrt_context_use_device missing from the CPU-only runtime"; exit 1; }
[ ! -e "$out/lib/libmeshrt_cuda.so" ] || { echo "a CPU-only build made a CUDA plugin"; exit 1; }

fake="$out/bin/meshrt_fake_program"
report=$("$fake" --version) || { echo "--version failed: $report"; exit 1; }
printf '%s\n' "$report"
printf '%s\n' "$report" | grep -qxF "runtime: libmeshrt $version at $(realpath "$lib")" ||
  { echo "--version does not name libmeshrt $version at $(realpath "$lib")"; exit 1; }
printf '%s\n' "$report" |
  grep -qx "device cuda: not available: this libmeshrt was built without CUDA support" ||
  { echo "--version does not say that the build has no CUDA"; exit 1; }
if err=$(MESHRT_TEST_MESH=b=1 "$fake" --device cuda 2>&1); then
  echo "--device cuda succeeded on a CPU-only runtime"; exit 1
fi
printf '%s\n' "$err" | grep -x "error: --device cuda on rank 0: this libmeshrt was built without CUDA support.*" ||
  { echo "--device cuda does not say that the build has no CUDA: $err"; exit 1; }
echo "CPU-only runtime: built, no CUDA libraries linked, no plugin, --version and --device cuda say so"
