#!/bin/sh
# cpu_only_build.sh SOURCE_DIR BUILD_DIR — the runtime configured with MESHC_ENABLE_CUDA=OFF
# still builds, links nothing of CUDA, and its executables' --device cuda path says why.
# Run by ctest when the main build has the CUDA backend (so CI covers both configurations).
set -eu
src=$1
out=$2
cmake -S "$src" -B "$out" -G Ninja -DMESHC_ENABLE_CUDA=OFF -DMESHC_BUILD_COMPILER=OFF \
  -DMESHC_BUILD_TESTS=OFF >"$out.configure.log" 2>&1 || { cat "$out.configure.log"; exit 1; }
grep -q "meshc: CUDA backend OFF" "$out.configure.log" || { echo "CUDA was not switched off"; exit 1; }
cmake --build "$out" --target meshrt -j 1 >"$out.build.log" 2>&1 || { tail -30 "$out.build.log"; exit 1; }
lib="$out/lib/libmeshrt.so"
if ldd "$lib" | grep -E "libcudart|libcublas|libnccl"; then
  echo "a CPU-only libmeshrt links CUDA libraries"
  exit 1
fi
nm -D --defined-only "$lib" | grep -q " meshrt_context_use_device$" || {
  echo "meshrt_context_use_device missing from the CPU-only runtime"; exit 1; }
echo "CPU-only runtime: built, no CUDA libraries linked"
