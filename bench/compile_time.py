#!/usr/bin/env python3
"""Benchmark (not a test): meshc's compile time against program size, and its 128/32 ratio.

Generates the transformer of examples/transformer at d_model 512 with 8, 32 and 128 layers
(`transformer_gen --layers N --d-model 512`, the other sizes its defaults), compiles each to an
executable with `meshc --mesh b=2,m=2` and the 2-D hybrid layout of
examples/transformer/layouts/hybrid.layout, and prints the wall and CPU time of each compile
(medians of --repeat runs, sizes alternating) and the ratios of the 128-layer times to the
32-layer ones, measured in the same run. A compiler linear in program size gives about 4 (4x
the layers); the target is <= 4.5 and the script exits 1 when the CPU-time ratio is above it
(CPU time, user + system of meshc and the linker it runs, is what the compile costs; the wall
time of a shared machine also counts the other processes). --time-passes also prints meshc's
pass timing report (`--mlir-timing`) of the largest compile.

    python3 bench/compile_time.py               # builds meshc and transformer_gen in ./build
    python3 bench/compile_time.py --repeat 3    # medians of 3
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(cmd):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (res.returncode, " ".join(cmd), res.stdout))
    return res.stdout


def hybrid_layout():
    with open(os.path.join(REPO, "examples", "transformer", "layouts", "hybrid.layout")) as f:
        return ",".join(line.strip() for line in f if line.strip() and not line.startswith("#"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true", help="use the built tools as they are")
    p.add_argument("--layers", default="8,32,128", help="the sizes, comma-separated")
    p.add_argument("--d-model", type=int, default=512)
    p.add_argument("--repeat", type=int, default=1, help="compiles per size; medians are used")
    p.add_argument("--time-passes", action="store_true",
                   help="print meshc --mlir-timing of the largest program")
    p.add_argument("--limit", type=float, default=4.5, help="the largest 128/32 ratio accepted")
    args = p.parse_args()

    bindir = os.path.join(args.build_dir, "bin")
    if not args.no_build:
        run(["cmake", "--build", args.build_dir, "-j2", "--target", "meshc", "meshrt",
             "transformer_gen"])
    layers = [int(n) for n in args.layers.split(",")]
    layout = hybrid_layout()
    times = {n: [] for n in layers}
    cpu = {n: [] for n in layers}
    with tempfile.TemporaryDirectory(prefix="meshc-compile-time-") as tmp:
        for n in layers:
            run([os.path.join(bindir, "transformer_gen"), "--layers", str(n), "--d-model",
                 str(args.d_model), "-o", os.path.join(tmp, "t%d.mlir" % n)])
        for _ in range(args.repeat):
            for n in layers:
                cmd = [os.path.join(bindir, "meshc"), os.path.join(tmp, "t%d.mlir" % n),
                       "--mesh", "b=2,m=2", "--layout", layout, "-o",
                       os.path.join(tmp, "t%d" % n)]
                start = time.monotonic()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                run(cmd)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                times[n].append(time.monotonic() - start)
                cpu[n].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if args.time_passes:
            n = max(layers)
            print(run([os.path.join(bindir, "meshc"), os.path.join(tmp, "t%d.mlir" % n),
                       "--mesh", "b=2,m=2", "--layout", layout, "-o",
                       os.path.join(tmp, "t%d" % n), "--mlir-timing"]))
    print("transformer, d_model %d, mesh b=2,m=2, layout %s" % (args.d_model, layout))
    for n in layers:
        print("  %4d layers: wall %.2f s, cpu %.2f s (medians of %d)" %
              (n, statistics.median(times[n]), statistics.median(cpu[n]), len(times[n])))
    if 32 in times and 128 in times:
        wall = statistics.median(times[128]) / statistics.median(times[32])
        ratio = statistics.median(cpu[128]) / statistics.median(cpu[32])
        print("ratio 128/32 layers: cpu %.2f, wall %.2f (linear: 4; limit %.1f on cpu)" %
              (ratio, wall, args.limit))
        if ratio > args.limit:
            sys.exit(1)


if __name__ == "__main__":
    main()
