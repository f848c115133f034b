#!/usr/bin/env bash
# The compiler and runtime built with AddressSanitizer + UndefinedBehaviorSanitizer (GCC,
# CUDA off, its own build directory), then the unit tests, the lit tests and a sample of the
# end-to-end tests run under them; any report fails the run.
#   scripts/test-sanitizers.sh [extra ctest arguments]
# MESHC_SAN_BUILD_DIR (default build-san) and MESHC_JOBS change where and how wide it builds.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SAN_DIR=${MESHC_SAN_BUILD_DIR:-$MESHC_ROOT/build-san}
SAN=$MESHC_ROOT/scripts/sanitizers

# Every report is fatal (UBSan too: -fno-sanitize-recover). Leaks are checked everywhere;
# lsan.supp lists, with the reason for each, only what Open MPI and its libraries leak, which
# it recognises by their whole stacks: fast_unwind_on_malloc=0 unwinds through Open MPI's
# frame-pointer-less code.
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in code inlined into our
# instrumented objects, and the uninstrumented libMLIR.so then hands out pieces of those slabs
# without unpoisoning them: a false use-after-poison in every MLIR type built (the compiler's
# own code is still checked by the instrumentation).
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:allow_user_poisoning=0:strict_init_order=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$SAN/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Executables that meshc links (tests, examples) get the sanitizer runtimes too.
export MESHC_CXX=$SAN/link-cxx
# One e2e case at a time (tests/support/meshc_test.py): here a case's time is mostly
# LeakSanitizer's work at each rank's exit, on both cores already; two at a time were no faster
# (e2e.layouts.attention + .relayout: 187 s one at a time, 197 s two at a time).
export MESHC_TEST_CASE_JOBS=1

install_packages "${TEST_PACKAGES[@]}"
echo "== configuring and building the sanitizer build in $SAN_DIR ($JOBS jobs)"
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S "$MESHC_ROOT" -B "$SAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DMESHC_ENABLE_CUDA=OFF >/dev/null
timed "built (sanitizers)" cmake --build "$SAN_DIR" -j "$JOBS"

echo "== testing under the sanitizers"
cd "$SAN_DIR"
# Unit and lit tests, then a sample of the e2e tests: the MLP on every layout, the
# hand-written programs of the op families the MLP does not reach, weights in node-shared
# storage (their checkpoints: allocation, update, initialisation, loading), bad input.
status=0
# Tests labelled `ctypes` (runtime.cnn.*, .attention.*, .fused.*) load libmeshrt into python3
# through ctypes, which an ASan library refuses (the sanitizer runtime must come first); the
# release run tests them.
timed "tested units and lit (sanitizers)" \
  ctest --output-on-failure -j "$JOBS" -R '^(runtime|frontend|dialect)\.|^lit$' \
  -LE '^ctypes$' "$@" || status=$?
timed "tested the e2e sample (sanitizers)" ctest --output-on-failure -j "$JOBS" \
  -R '^e2e\.((layouts|reference)\.mlp|layouts\.(attention|moe_dispatch|relayout)|share_updates\.checkpoint|bad_input\..*)$' \
  "$@" || status=$?
exit $status
