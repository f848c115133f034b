#!/usr/bin/env bash
# Every test: install, build, then ctest (GoogleTest units, lit IR tests, end-to-end runs
# under mpirun).   scripts/test.sh [extra ctest arguments]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages "${TEST_PACKAGES[@]}"
build
echo "== testing"
cd "$BUILD_DIR"
status=0
timed tested ctest --output-on-failure -j "$JOBS" "$@" || status=$?
exit $status
