#!/usr/bin/env bash
# Every test: install, build, then ctest (GoogleTest units, lit IR tests, end-to-end runs
# under mpirun).   scripts/test.sh [extra ctest arguments]
# Except the tests labelled `rebuild` (package.add_subdirectory.full: all of meshc compiled
# again inside a parent project, 6-16 min on 2 cores): MESHC_TEST_REBUILD=1 adds them, and
# .ci/run does so when a CMake file changed.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages "${TEST_PACKAGES[@]}"
build
cd "$BUILD_DIR"
leave_out=()
if [ "${MESHC_TEST_REBUILD:-0}" != 1 ]; then
  leave_out=(-LE '^rebuild$')
  echo "== testing (without the label rebuild: MESHC_TEST_REBUILD=1 runs it too)"
else
  echo "== testing"
fi
status=0
timed tested ctest --output-on-failure -j "$JOBS" "${leave_out[@]}" "$@" || status=$?
exit $status
