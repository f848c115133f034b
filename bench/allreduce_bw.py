#!/usr/bin/env python3
"""Benchmark (not a test): the runtime's all_reduce, reduce_scatter and all_gather bandwidth against raw MPI.

Runs bench_allreduce_ref (allreduce_ref.cpp) on 2 ranks: for each size, the runtime's
meshrt_allreduce_sum on a context (the call a compiled program makes for a gradient all_reduce,
in place) and MPI_Allreduce(MPI_IN_PLACE) with Open MPI's default (tuned) collective
algorithms and the executables' process tuning on the same buffer, alternating rep by rep,
medians of --reps calls (slowest rank); likewise meshrt_reduce_scatter against
MPI_Reduce_scatter_block and meshrt_allgather in place against MPI_Allgather(MPI_IN_PLACE)
(a sharded optimizer update's pair; the size is the whole buffer). Prints per collective and
size the two times, the algorithm bandwidth (bytes / time) and the ratio raw time / runtime time (the
runtime's speed relative to raw MPI; target >= 0.95), and the load average before and after
(the machine may be shared: read the ratios, not the times).

    python3 bench/allreduce_bw.py                  # builds bench_allreduce_ref in ./build
    python3 bench/allreduce_bw.py --repeat 3       # 3 runs, the median ratio per size
    MESHRT_SHM_ALLREDUCE=0 python3 bench/allreduce_bw.py   # the runtime on MPI_Allreduce too
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(r"^(allreduce|reduce_scatter|allgather) bytes=(\d+) runtime_ms=([\d.]+) "
                  r"mpi_ms=([\d.]+)$", re.M)
OPS = ("allreduce", "reduce_scatter", "allgather")
MIB = 1 << 20


def run(cmd):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (res.returncode, " ".join(cmd), res.stdout))
    return res.stdout


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true", help="use the built tools as they are")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--reps", type=int, default=10, help="timed calls per size and side")
    p.add_argument("--repeat", type=int, default=1, help="whole runs; medians per size")
    p.add_argument("--bind", default="core", help="mpirun --bind-to (core, none)")
    p.add_argument("--min-mib", type=int, default=1)
    p.add_argument("--max-mib", type=int, default=256)
    p.add_argument("--factor", type=int, default=4, help="sizes go up by this factor")
    args = p.parse_args()

    if not args.no_build:
        run(["cmake", "--build", args.build_dir, "--target", "bench_allreduce_ref"])
    exe = os.path.join(args.build_dir, "bin", "bench_allreduce_ref")
    sizes = []
    mib = args.min_mib
    while mib <= args.max_mib:
        sizes.append(mib * MIB)
        mib *= args.factor
    cmd = ["mpirun", "--allow-run-as-root", "--bind-to", args.bind, "-n", str(args.ranks), exe,
           "--reps", str(args.reps)] + [str(s) for s in sizes]
    print("load average before: %s" % load())
    print("MPI: tuned as the executables run it (btl_vader_single_copy_mechanism none, glibc "
          "keeps freed memory; shared/TOOLCHAIN.md)")
    print("shared-memory collectives: %s" %
          ("off (MESHRT_SHM_ALLREDUCE=0)" if os.environ.get("MESHRT_SHM_ALLREDUCE") == "0"
           else "on (default)"))
    runs = []
    for _ in range(args.repeat):
        out = run(cmd)
        got = {(op, int(b)): (float(r), float(m)) for op, b, r, m in LINE.findall(out)}
        if sorted(got) != sorted((op, s) for op in OPS for s in sizes):
            sys.exit("unexpected output of %s:\n%s" % (" ".join(cmd), out))
        runs.append(got)
    print("load average after:  %s" % load())
    print("%d ranks, %d reps per size, %d run(s), medians" % (args.ranks, args.reps, args.repeat))
    print("%-15s %8s %12s %12s %12s %12s %8s" %
          ("collective", "MiB", "runtime ms", "MPI ms", "runtime GB/s", "MPI GB/s", "ratio"))
    worst = {}
    for op in OPS:
        for size in sizes:
            key = (op, size)
            rt = statistics.median(r[key][0] for r in runs)
            mpi = statistics.median(r[key][1] for r in runs)
            ratio = statistics.median(r[key][1] / r[key][0] for r in runs)
            worst[op] = min(worst.get(op, ratio), ratio)
            print("%-15s %8g %12.3f %12.3f %12.2f %12.2f %8.2f" %
                  (op, size / MIB, rt, mpi, size / rt / 1e6, size / mpi / 1e6, ratio))
    print("ratio = MPI time / runtime time (>= 1: the runtime is as fast or faster; target "
          ">= 0.95); lowest: " + ", ".join("%s %.2f" % (op, worst[op]) for op in OPS))


if __name__ == "__main__":
    main()
