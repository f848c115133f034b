#!/usr/bin/python3
"""A program that needs more than this machine's memory with one buffer per value, but whose
liveness plan fits: it runs, on 1 and on 2 ranks, and its losses equal NumPy's.

The program: x [batch, d] (a file, 128 MiB), h_0 = x, h_i+1 = h_i + b_i for K parameters b_i
[d] (constant C), loss = mean(h_K * h_K), SGD. K is chosen from /proc/meminfo so that the
values' sum with one buffer each (`--explain`'s "without reuse") exceeds MemTotal by a quarter;
each h_i dies at the next add, so the plan reuses its bytes (in place) and the arena stays a
few values. Checked:
  - --explain on 1 rank: "without reuse" > MemTotal, the whole total < MemTotal / 4, the
    arena within 1.2x the liveness bound;
  - on 1 rank (mesh b=1) and on 2 (b=2, batch:b): the run allocates exactly --explain's total
    (--stats) and its losses at steps 0 and 1 equal NumPy's float64 reference of the same
    math (all b_i get the same gradient; the loss is a mean, so the order of the rows does not
    matter) within 1e-4.

usage: memory_plan.py --meshc M --mpirun R --workdir W
"""
import argparse
import math
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import (SKIP, RTOL, Failure, parse_losses, relative_error,  # noqa: E402
                        run_case, run_checked)

try:
    import numpy as np
except ImportError:
    print("SKIP: NumPy is not installed (Debian: python3-numpy)")
    sys.exit(SKIP)

BATCH, D = 8192, 4096  # one value: 32 Mi elements, 128 MiB
VALUE_BYTES = BATCH * D * 4
C, LR = 0.01, 1.0
MAX_K = 320  # ~40 GiB without reuse; a machine with more memory than that skips
STEPS = 2
EXPLAIN_LINE = r"^  %s +(\d+)\b"


def mem_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise Failure("no MemTotal in /proc/meminfo")


def program(k):
    t = "!meshc.tensor<batch=%d, d=%d, f32>" % (BATCH, D)
    b = "!meshc.tensor<d=%d, f32>" % D
    lines = ["module {", "  func.func @chain() {",
             '    %%h0 = meshc.input "x" features {classes = 4} : %s' % t]
    for i in range(k):
        lines.append('    %%b%d = meshc.param "b%d" constant {scale = %r} : %s' % (i, i, C, b))
        lines.append("    %%h%d = meshc.add %%h%d, %%b%d : %s, %s -> %s" % (i + 1, i, i, t, b, t))
    lines += ["    %%sq = meshc.mul %%h%d, %%h%d : %s, %s -> %s" % (k, k, t, t, t),
              "    %%loss = meshc.reduce_mean %%sq : %s -> !meshc.tensor<f32>" % t,
              "    meshc.minimize sgd %%loss {learning_rate = %r} : !meshc.tensor<f32>" % LR,
              "    return", "  }", "}"]
    return "\n".join(lines) + "\n"


def reference(x, k):
    """Losses at steps 0 and 1 in float64: every b_i is C, then C - LR * g with the same g."""
    x = x.astype(np.float64)
    b = np.full(D, C)
    losses = []
    for _ in range(STEPS):
        h = x + k * b
        losses.append(float(np.mean(h * h)))
        b = b - LR * 2.0 * h.sum(axis=0) / h.size
    return losses


def explained(text, what):
    m = re.search(EXPLAIN_LINE % re.escape(what), text, re.M)
    if not m:
        raise Failure("--explain has no '%s' line:\n%s" % (what, text))
    return int(m.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--meshc", required=True)
    p.add_argument("--mpirun", required=True)
    p.add_argument("--workdir", required=True)
    args = p.parse_args()
    memory = mem_total()
    k = math.ceil(1.25 * memory / VALUE_BYTES)
    if k > MAX_K:
        print("SKIP: %d GiB of memory: the program that exceeds it without reuse would take "
              "%d adds of 128 MiB (at most %d here)" % (memory >> 30, k, MAX_K))
        return SKIP
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    source = os.path.join(args.workdir, "chain.mlir")
    with open(source, "w") as f:
        f.write(program(k))
    x = np.random.default_rng(13).uniform(-1, 1, (BATCH, D)).astype(np.float32)
    data = os.path.join(args.workdir, "x.npy")
    np.save(data, x)
    want = reference(x, k)
    del x

    def check():
        for ranks, mesh, layout in ((1, "b=1", ""), (2, "b=2", "batch:b")):
            exe = os.path.join(args.workdir, "chain_%d" % ranks)
            cmd = [args.meshc, source, "--mesh", mesh, "--layout", layout, "--explain",
                   "--emit=exe", "-o", exe]
            report = run_checked(cmd, 300, what="meshc").stdout
            unshared, total = explained(report, "without reuse"), explained(report, "total")
            peak, bound = explained(report, "activations (peak)"), explained(
                report, "liveness bound")
            what = "%d rank(s)" % ranks
            print("%s: without reuse %.1f GiB, planned total %.2f GiB, arena %.2f GiB, bound "
                  "%.2f GiB, MemTotal %.1f GiB" % (what, unshared / 2**30, total / 2**30,
                                                    peak / 2**30, bound / 2**30, memory / 2**30))
            if ranks == 1 and not unshared > memory:
                raise Failure("%s: without reuse %d bytes, not above MemTotal %d:\n%s" %
                              (what, unshared, memory, report))
            if not total < memory / 4:
                raise Failure("%s: the planned total %d bytes is not below a quarter of "
                              "MemTotal:\n%s" % (what, total, report))
            if not bound <= peak <= 1.2 * bound:
                raise Failure("%s: the arena (%d) is not within 1.2x the bound (%d)" %
                              (what, peak, bound))
            run = [args.mpirun, "--allow-run-as-root", "--bind-to", "none", "-n", str(ranks),
                   exe, "--steps", str(STEPS), "--data", "x=" + data, "--stats"]
            out = run_checked(run, 900, what="run").stdout
            stats = re.search(r"^stats: memory: (\d+) bytes allocated", out, re.M)
            if not stats or int(stats.group(1)) != total:
                raise Failure("%s: the run did not allocate --explain's total %d:\n%s" %
                              (what, total, out))
            got = parse_losses(out, what)
            for step, loss in enumerate(want):
                if step not in got or relative_error(got[step], loss) > RTOL:
                    raise Failure("%s: step %d loss %s, NumPy's is %.7g:\n%s" %
                                  (what, step, got.get(step), loss, out))
            print("%s: losses %s equal NumPy's %s" % (what, [got[s] for s in sorted(got)], want))

    return run_case(check)


if __name__ == "__main__":
    sys.exit(main())
