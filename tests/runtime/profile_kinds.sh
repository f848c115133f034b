#!/bin/sh
# profile_kinds.sh — runs profile_program with --profile and checks that every entry point's
# kind appears once with the calls per step the program made (its "expect:" lines), and that
# the profile lists no other kind.
# usage: profile_kinds.sh <mpirun> <profile_program>
out=$("$1" --allow-run-as-root --oversubscribe --bind-to none -n 1 "$2" --steps 6 --profile 2>&1)
rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || { echo "FAIL: exit status $rc"; exit 1; }
printf '%s\n' "$out" | awk '
  $1 == "expect:" { want[$2] = $3; n++ }
  $1 == "profile:" && $3 ~ /^[0-9.]+$/ && $2 != "kind" { got[$2]++; calls[$2] = $3 }
  END {
    bad = 0
    for (k in want) {
      if (got[k] != 1) { print "FAIL: kind " k " printed " got[k] + 0 " times"; bad = 1 }
      else if (calls[k] + 0 != want[k] + 0) {
        print "FAIL: kind " k ": " calls[k] " calls per step, expected " want[k]; bad = 1 }
    }
    for (k in got) if (!(k in want)) { print "FAIL: unexpected kind " k; bad = 1 }
    if (n < 30) { print "FAIL: only " n " expected kinds"; bad = 1 }
    if (!bad) print "PASS: " n " kinds, each with its own count"
    exit bad
  }'
