#!/bin/sh
# expect_run.sh — runs a command and checks its exit status and output, for ctest.
# usage: expect_run.sh <zero|nonzero|N> <regex> <expected count of matching lines|any> cmd...
expect_rc=$1 regex=$2 count=$3
shift 3
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
case $expect_rc in
  zero) [ "$rc" -eq 0 ] || { echo "FAIL: exit status $rc, expected 0"; exit 1; } ;;
  nonzero) [ "$rc" -ne 0 ] || { echo "FAIL: exit status 0, expected non-zero"; exit 1; } ;;
  *) [ "$rc" -eq "$expect_rc" ] || { echo "FAIL: exit status $rc, expected $expect_rc"; exit 1; } ;;
esac
n=$(printf '%s\n' "$out" | grep -cE -- "$regex")
if [ "$count" = any ]; then
  [ "$n" -ge 1 ] || { echo "FAIL: no line matches '$regex'"; exit 1; }
else
  [ "$n" -eq "$count" ] || { echo "FAIL: $n lines match '$regex', expected $count"; exit 1; }
fi
echo "PASS"
