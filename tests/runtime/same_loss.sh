#!/bin/sh
# same_loss.sh — runs the fake program on 1 rank and on several meshes and checks that every
# step's loss agrees with the 1-rank run (global semantics: partitioning only reassociates sums).
# usage: same_loss.sh <mpirun> <program>
mpirun=$1 prog=$2
run() { # ranks mesh
  MESHRT_TEST_MESH=$2 "$mpirun" --allow-run-as-root --oversubscribe --bind-to none -n "$1" \
    "$prog" --steps 20 --threads 1 | awk '/^step /{print $2, $4}'
}
ref=$(run 1 b=1) || exit 1
echo "reference (1 rank):"; echo "$ref" | sed -n '1p;$p'
first=$(echo "$ref" | awk 'NR==1{print $2}'); last=$(echo "$ref" | awk 'END{print $2}')
awk -v a="$first" -v b="$last" 'BEGIN{ if (!(b < 0.7 * a)) { print "FAIL: loss did not fall: " a " -> " b; exit 1 } }' || exit 1
for cfg in "2 b=2,m=1" "4 b=2,m=2" "4 b=4" "2 b=1,m=2"; do
  set -- $cfg
  got=$(run "$1" "$2") || exit 1
  printf '%s\n%s\n' "$ref" "$got" | awk -v mesh="$2" '
    NR == FNR {}
    { if (seen[$1]++) { d = $2 - v[$1]; if (d < 0) d = -d; if (d > 1e-4) { print "FAIL: mesh " mesh " step " $1 ": " v[$1] " vs " $2; bad = 1 } } else v[$1] = $2; n++ }
    END { if (n != 40) { print "FAIL: mesh " mesh ": " n " loss lines"; bad = 1 } exit bad }' || exit 1
  echo "mesh $2: same losses"
done
echo PASS
