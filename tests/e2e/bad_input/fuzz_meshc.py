#!/usr/bin/env python3
"""Mutation fuzz of meshc on the shipped programs (a manual tool, not a ctest: it runs for
minutes). Each run takes an example or e2e program, changes one to three things (a dimension's
size everywhere it appears, the class count, one integer literal, a deleted, duplicated or
swapped line) to hostile values (0, -1, 2^24 + 1, 2^31, 2^32 + 8, 2^62, 2^63 - 1, 2^64, counts
that wrap to a small number...), adds hostile --mesh/--layout flags at random, and runs
meshc --emit=partitioned|global|llvm-mlir or --explain on it.

It fails (exit 1) on a crash (a signal, a stack dump), a hang, a failure without a message, or a
program accepted with a type whose element or byte count overflows int64, more than 16 dims or
an i32 class count beyond 2^31 - 1; the failing programs are kept in --workdir.

usage: fuzz_meshc.py --meshc build/bin/meshc --build build [--runs 2000] [--seed 1]
(issue 9: 6,800 runs of this found no crash and no accepted overflow.)
"""
import argparse
import glob
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
HOSTILE = [0, -1, 1, 2, 3, 7, 2**24, 2**24 + 1, 2**31 - 1, 2**31, 2**32, 2**32 + 8, 2**40,
           2**61 - 1, 2**61, 2**62, 2**63 - 1, 2**63, 2**64, 2**64 + 16, -2**63, 10**30,
           1085102592571150096,  # x 17 is 16 modulo 2^64
           3689348814741910324]  # x 5 is 4 modulo 2^64
INT = re.compile(r"(?<![\w.])(-?\d+)(?![\w.])")


def mutate(rng, text):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.45:  # one dimension (or the class count) resized everywhere
            names = sorted(set(re.findall(r"(\w+)=\d+", "\n".join(lines))))
            name = rng.choice(names + ["classes = "])
            value = str(rng.choice(HOSTILE))
            if name.endswith(" "):
                pattern, replacement = re.compile(re.escape(name) + r"\d+"), name + value
            else:
                pattern, replacement = re.compile(r"\b" + re.escape(name) + r"=\d+"), name + "=" + value
            lines = [l if l.lstrip().startswith("//") else pattern.sub(replacement, l)
                     for l in lines]
        elif kind < 0.75:  # one integer literal
            found = [(i, m) for i, l in enumerate(lines) for m in INT.finditer(l)
                     if not l.lstrip().startswith("//")]
            if found:
                i, m = rng.choice(found)
                lines[i] = lines[i][:m.start()] + str(rng.choice(HOSTILE)) + lines[i][m.end():]
        elif kind < 0.85:
            del lines[rng.randrange(len(lines))]
        elif kind < 0.95:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        else:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def flags(rng):
    r = rng.random()
    if r < 0.5:
        return []
    if r < 0.7:
        axes = rng.sample("bmezxyuvwq", rng.randint(1, 10))
        return ["--mesh", ",".join("%s=%d" % (a, rng.choice([1, 2, 3, 4, 2**24 + 1, 2**31, 2**32]))
                                   for a in axes)]
    if r < 0.85:
        return ["--mesh", "b=1", "--layout", ""]
    return ["--mesh", "b=2,m=2", "--layout", rng.choice(["batch:b,hidden:m", "btach:b", "x:y"])]


def overflows(text):
    """A type or class count meshc must have refused, if any."""
    for dims in re.findall(r"!meshc\.tensor<([^>]*)>", text):
        sizes = [int(s) for s in re.findall(r"=(-?\d+)", dims)]
        count = 1
        for s in sizes:
            count *= s
        if len(sizes) > 16 or any(s < 1 for s in sizes) or count * 4 >= 2**63:
            return "!meshc.tensor<%s>" % dims
    for classes in re.findall(r"classes = (\d+)", text):
        if int(classes) >= 2**31:
            return "classes = " + classes
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--meshc", required=True)
    p.add_argument("--build", required=True, help="the build tree (for the examples' .mlir)")
    p.add_argument("--runs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", default="fuzz_meshc.out")
    args = p.parse_args()
    rng = random.Random(args.seed)
    programs = sorted(glob.glob(os.path.join(args.build, "examples", "*", "*.mlir")) +
                      glob.glob(os.path.join(ROOT, "tests", "e2e", "programs", "*.mlir")) +
                      [os.path.join(HERE, "small.mlir")])
    texts = {path: open(path).read() for path in programs}
    os.makedirs(args.workdir, exist_ok=True)
    case = os.path.join(args.workdir, "case.mlir")
    failures = 0
    for n in range(args.runs):
        text = mutate(rng, texts[rng.choice(programs)])
        with open(case, "w") as f:
            f.write(text)
        cmd = [args.meshc, case, rng.choice(["--emit=partitioned", "--explain",
                                             "--emit=llvm-mlir", "--emit=global"])] + flags(rng)
        try:
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, timeout=60)
            rc, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:
            rc, err = None, "(hangs)"
        problem = None
        if rc is None:
            problem = "hangs"
        elif rc < 0 or rc >= 128 or re.search(r"Stack dump|PLEASE submit|Assertion", err):
            problem = "crashes"
        elif rc != 0 and not err.strip():
            problem = "fails without a message"
        elif rc == 0 and overflows(text):
            problem = "accepts " + overflows(text)
        if problem:
            failures += 1
            kept = os.path.join(args.workdir, "failure%d.mlir" % n)
            with open(kept, "w") as f:
                f.write(text)
            print("FAIL run %d: meshc %s: %s (%s)" % (n, problem, " ".join(cmd[2:]), kept))
            print(err[-600:])
    print("%d runs, %d failures" % (args.runs, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
