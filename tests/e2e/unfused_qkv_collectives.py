#!/usr/bin/env python3
"""The unfused q/k/v projections cost what the fused one does: `meshc --explain` of the
transformer example built with --fused-qkv 0 must list as many all_reduces over the heads'
axis per step as with --fused-qkv 1 (the partitioner carries the three input-gradient partial
sums through their adds and all-reduces once; before, it all-reduced each: two more per block).

usage:
  unfused_qkv_collectives.py --meshc BIN --generator BIN [--layers N] [--axis m] CASE...
A CASE is "MESH LAYOUT". Exits 0 when every case agrees, 1 otherwise.
"""
import argparse
import re
import subprocess
import sys
import tempfile

COLLECTIVE = re.compile(r"^  collective \d+: (\w+) axes=(\S+) ")
SIZES = ["--batch", "4", "--seq", "8", "--d-model", "16", "--heads", "4", "--d-ff", "32",
         "--vocab", "32", "--classes", "4"]


def all_reduces(args, workdir, fused, mesh, layout):
    program = f"{workdir}/fused{fused}.mlir"
    subprocess.run([args.generator, *SIZES, "--layers", str(args.layers), "--fused-qkv",
                    str(fused), "-o", program], check=True, timeout=300)
    report = subprocess.run([args.meshc, program, "--mesh", mesh, "--layout", layout,
                             "--explain"], check=True, capture_output=True, text=True,
                            timeout=300).stdout
    # Over the heads' axis only: with data parallelism the three weight gradients are each
    # all-reduced over the batch axis, where the fused weight's is one.
    kinds = [m.groups() for line in report.splitlines() if (m := COLLECTIVE.match(line))]
    return kinds.count(("all_reduce", args.axis))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--meshc", required=True)
    parser.add_argument("--generator", required=True)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--axis", default="m", help="the mesh axis the heads are split on")
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as workdir:
        for case in args.cases:
            mesh, layout = case.split()
            fused = all_reduces(args, workdir, 1, mesh, layout)
            unfused = all_reduces(args, workdir, 0, mesh, layout)
            ok = unfused == fused and fused > 0
            failed |= not ok
            print(f"{'ok' if ok else 'FAIL'}: {mesh} {layout}: {unfused} all_reduces over "
                  f"{args.axis} unfused, {fused} fused ({args.layers} layers)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
