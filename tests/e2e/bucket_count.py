#!/usr/bin/env python3
"""All_reduce buckets keep every all_reduce: `meshc --explain` of a generated program with
--bucket-bytes N must list at least --min-buckets buckets, no bucket above N bytes, and per
group of mesh axes the same all_reduce bytes and tensors (a bucket counts its members) as with
--bucket-bytes 0; the other collectives are unchanged, in order.

usage:
  bucket_count.py --meshc BIN --bucket-bytes N --min-buckets K --generator CMD [ARG...] -- CASE...
A CASE is "MESH LAYOUT". Exits 0 when every case holds, 1 otherwise.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_layouts import split_generator  # noqa: E402

LINE = re.compile(r"^  collective \d+: (\w+) axes=(\S+) bytes=(\d+) at \S+  \[(bucket of (\d+) "
                  r"tensors)?")


def collectives(args, program, mesh, layout, bucket_bytes):
    out = subprocess.run([args.meshc, program, "--mesh", mesh, "--layout", layout, "--explain",
                          "--bucket-bytes", str(bucket_bytes)], check=True, capture_output=True,
                         text=True, timeout=300).stdout
    return [(m.group(1), m.group(2), int(m.group(3)), int(m.group(5) or 1), bool(m.group(4)))
            for line in out.splitlines() if (m := LINE.match(line))]


def summary(listed):
    """Per axes: (all_reduce bytes, tensors); and the other collectives in order."""
    sums, others = {}, []
    for kind, axes, size, tensors, _ in listed:
        if kind == "all_reduce":
            b, t = sums.get(axes, (0, 0))
            sums[axes] = (b + size, t + tensors)
        else:
            others.append((kind, axes, size))
    return sums, others


def main():
    generator, argv = split_generator(sys.argv[1:])
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--meshc", required=True)
    p.add_argument("--bucket-bytes", type=int, required=True)
    p.add_argument("--min-buckets", type=int, required=True)
    p.add_argument("cases", nargs="+")
    args = p.parse_args(argv)
    if not generator:
        p.error("give --generator CMD [ARG...] --")
    cases = args.cases
    failed = False
    with tempfile.TemporaryDirectory() as workdir:
        program = f"{workdir}/program.mlir"
        subprocess.run([*generator, "-o", program], check=True, timeout=300)
        for case in cases:
            mesh, layout = case.split()
            plain = collectives(args, program, mesh, layout, 0)
            bucketed = collectives(args, program, mesh, layout, args.bucket_bytes)
            buckets = [c for c in bucketed if c[4]]
            problems = []
            if any(c[4] for c in plain):
                problems.append("--bucket-bytes 0 made a bucket")
            if len(buckets) < args.min_buckets:
                problems.append(f"{len(buckets)} buckets, expected at least {args.min_buckets}")
            if any(c[2] > args.bucket_bytes for c in buckets):
                problems.append(f"a bucket holds more than {args.bucket_bytes} bytes")
            if summary(plain) != summary(bucketed):
                problems.append(f"all_reduce bytes/tensors per axes or other collectives "
                                f"differ: {summary(plain)} vs {summary(bucketed)}")
            failed |= bool(problems)
            print(f"{'FAIL' if problems else 'ok'}: {mesh} {layout}: {len(plain)} collectives "
                  f"unbucketed, {len(bucketed)} with {len(buckets)} buckets of at most "
                  f"{args.bucket_bytes} bytes" + "".join(f"\n  {p}" for p in problems))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
