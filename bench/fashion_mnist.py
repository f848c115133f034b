#!/usr/bin/env python3
"""Benchmark (not a test): time to 85% test accuracy on Fashion-MNIST, meshc vs PyTorch.

1. examples/fashion_mnist (x/255 -> 784-256-128-10 MLP, ReLU, Glorot-uniform weights, zero
   biases, Adam lr 1e-3, batch 128) compiled by meshc for --mesh b=2 --layout batch:b and run
   on 2 ranks x 1 thread with --data/--eval-data for --epochs E, against PyTorch with the same
   model, initialisation scheme, optimizer, batch, epochs and data order scheme (a permutation
   per epoch, last partial batch dropped; torch_fashion_mnist.py) in 1 process x 2 threads and
   DDP over gloo, 2 processes x 1 thread. Every system evaluates on the whole test set after
   every epoch; the evaluation time COUNTS in the wall time. Wall time = from just before the
   first training step (after the ranks' barrier; meshc: its `data:` line, printed before that
   barrier) to the end of the evaluation that first reaches the target; it excludes process
   start-up, MPI/gloo set-up and PyTorch's loading of the .npy files into memory (meshc reads
   its batches from the files during training, and that counts). meshc's times are when its
   rank-0 lines (flushed one by one) reach a time-stamping filter beside rank 0; PyTorch's
   are measured in the process.
   Repeat r uses seed r in every system (initialisation and data order), so medians are over
   seeds as well as over the machine's noise.
2. The same meshc executable for --steps N with --data (file data) and without (synthetic
   data): median of the runs' `summary: ... median_step_ms X`, and their ratio (aim <= 1.05).

    python3 bench/fashion_mnist.py                          # builds what it needs in ./build
    python3 bench/fashion_mnist.py --epochs 5 --repeat 3 --steps 1000

PyTorch runs under Debian's python3-torch (/usr/bin/python3, not a python3 earlier on PATH),
on OpenBLAS with the CPU's kernel (openblas.py); without python3-torch or OpenBLAS the PyTorch
columns are skipped with a line saying why.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import openblas  # noqa: E402

IDX = "/usr/share/datasets/fashion-mnist"
FILES = {"train_x": "train-images-idx3-ubyte.gz", "train_y": "train-labels-idx1-ubyte.gz",
         "test_x": "t10k-images-idx3-ubyte.gz", "test_y": "t10k-labels-idx1-ubyte.gz"}


def run(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if res.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (res.returncode, " ".join(cmd), res.stdout))
    return res.stdout


# Rank 0's output goes through this filter on its node, which prefixes every line with the
# monotonic clock when it arrives: mpirun forwards output in chunks (0.3-0.6 s apart seen here),
# so arrival times at mpirun's end are no clock.
STAMP = ("import sys, time\n"
         "for l in iter(sys.stdin.readline, ''):\n"
         "    sys.stdout.write('%.6f %s' % (time.monotonic(), l)); sys.stdout.flush()\n")


def stamped(cmd):
    """cmd (one rank's command line under mpirun) with rank 0's output time-stamped."""
    script = ('set -o pipefail; if [ "$OMPI_COMM_WORLD_RANK" = 0 ]; then "$@" 2>&1 | "%s" -c "$STAMP"; '
              'else exec "$@"; fi' % sys.executable)
    return ["/bin/bash", "-c", script, "bash"] + cmd


def mpirun(args, n):
    cmd = ["mpirun", "-n", str(n), "--bind-to", args.bind]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def epochs_meshc(text):
    """meshc's stamped rank-0 lines -> [(epoch, train_end_s, eval_end_s, accuracy)], times from
    its `data:` line."""
    t0, train_end, out = None, None, []
    for t, line in re.findall(r"^(\d+\.\d+) (.*)$", text, re.M):
        t = float(t)
        if line.startswith("data: "):
            t0 = t
        elif re.match(r"epoch \d+ done:", line):
            train_end = t - t0
        else:
            m = re.match(r"eval step \d+ loss \S+ accuracy (\S+)", line)
            if m:
                out.append((len(out) + 1, train_end, t - t0, float(m.group(1))))
    return out


def epochs_torch(text):
    return [(int(k), float(tr), float(ev), float(acc)) for k, tr, ev, acc in re.findall(
        r"epoch (\d+) train_end_s (\S+) eval_end_s (\S+) loss \S+ accuracy (\S+)", text)]


def reach(epochs, target):
    """(epoch, wall s with evaluations, training s alone) at the first accuracy >= target."""
    eval_s = 0.0
    for k, train_end, eval_end, acc in epochs:
        if acc >= target:
            return k, eval_end, train_end - eval_s
        eval_s += eval_end - train_end
    return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec):
    return "-" if v is None else spec % v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true", help="use the built tools as they are")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--target", type=float, default=0.85, help="test accuracy to reach")
    p.add_argument("--repeat", type=int, default=3,
                   help="alternating runs of every configuration; medians are reported")
    p.add_argument("--steps", type=int, default=1000,
                   help="steps of the file-vs-synthetic comparison (468 per epoch); 0: skip it")
    p.add_argument("--bind", default="none", help="mpirun --bind-to (none, core)")
    p.add_argument("--python", default="/usr/bin/python3",
                   help="interpreter with Debian's python3-torch")
    p.add_argument("--no-torch", action="store_true", help="time meshc only")
    args = p.parse_args()

    bindir = os.path.join(args.build_dir, "bin")
    if not args.no_build:
        run(["cmake", "--build", args.build_dir, "-j2", "--target", "meshc", "meshrt",
             "meshc-data", "fashion_mnist_gen"])
    for f in FILES.values():
        if not os.path.exists(os.path.join(IDX, f)):
            sys.exit("%s/%s is missing: apt-get install dataset-fashion-mnist" % (IDX, f))
    base_env = dict(os.environ, OMP_NUM_THREADS="1")

    torch_env, blas = None, None
    if args.no_torch:
        blas = "--no-torch"
    elif subprocess.run([args.python, "-c", "import torch, numpy"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL).returncode != 0:
        blas = "%s cannot import torch and numpy (python3-torch, python3-numpy)" % args.python
    else:
        torch_env, blas = openblas.torch_env(args.python, base_env)

    work = tempfile.mkdtemp(prefix="meshc-bench-fmnist-")
    try:
        for name, f in FILES.items():
            run([os.path.join(bindir, "meshc-data"), "convert", os.path.join(IDX, f),
                 os.path.join(work, name + ".npy")])
        mlir, exe = os.path.join(work, "fashion_mnist.mlir"), os.path.join(work, "fashion_mnist")
        run([os.path.join(bindir, "fashion_mnist_gen"), "-o", mlir])
        run([os.path.join(bindir, "meshc"), mlir, "--mesh", "b=2", "--layout", "batch:b",
             "-o", exe])
        npy = lambda n: os.path.join(work, n + ".npy")
        data = ["--data", "x=%s,y=%s" % (npy("train_x"), npy("train_y"))]
        eval_data = ["--eval-data", "x=%s,y=%s" % (npy("test_x"), npy("test_y"))]
        meshc_cmd = mpirun(args, 2) + ["-x", "OMP_NUM_THREADS", exe, "--threads", "1"]
        meshc_stamped = mpirun(args, 2) + ["-x", "OMP_NUM_THREADS", "-x", "STAMP"] + stamped(
            [exe, "--threads", "1"])

        print("model: examples/fashion_mnist, 784-256-128-10 MLP, ReLU, Adam lr 1e-3, batch 128; "
              "%d epochs, target test accuracy %.2f, %d repeats (seed = repeat)" %
              (args.epochs, args.target, args.repeat))
        print("meshc: --mesh b=2 --layout batch:b, 2 ranks x 1 thread (mpirun --bind-to %s)" %
              args.bind)
        print("PyTorch: %s" % (blas if torch_env is None else
                               "%s (%s)" % (args.python, blas)))
        print("load average before: %s" % open("/proc/loadavg").read().split(" ", 3)[:3])

        systems = ["meshc 2 ranks x 1 thread"]
        if torch_env is not None:
            systems += ["PyTorch 1 process x 2 threads", "PyTorch DDP gloo 2 x 1 thread"]
        results = {s: [] for s in systems}
        script = os.path.join(HERE, "torch_fashion_mnist.py")
        for r in range(args.repeat):
            seed = ["--seed", str(r)]
            for s in systems:
                epochs_flag = ["--epochs", str(args.epochs)]
                if s.startswith("meshc"):
                    got = epochs_meshc(run(meshc_stamped + data + eval_data + epochs_flag + seed,
                                           env=dict(base_env, STAMP=STAMP)))
                elif "DDP" in s:
                    env = dict(torch_env, OPENBLAS_NUM_THREADS="1")
                    cmd = mpirun(args, 2) + [
                        "-x", "OMP_NUM_THREADS", "-x", "OPENBLAS_NUM_THREADS"] + [
                        x for k in ("LD_LIBRARY_PATH", "OPENBLAS_CORETYPE") if k in env
                        for x in ("-x", k)] + [
                        args.python, script, "--mode", "ddp", "--threads", "1", "--data", work,
                        "--port", str(free_port())] + epochs_flag + seed
                    got = epochs_torch(run(cmd, env=env))
                else:
                    env = dict(torch_env, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2")
                    got = epochs_torch(run([args.python, script, "--mode", "single", "--threads",
                                            "2", "--data", work] + epochs_flag + seed, env=env))
                if len(got) != args.epochs:
                    sys.exit("%s: %d evaluations for %d epochs" % (s, len(got), args.epochs))
                results[s].append(got)
                hit = reach(got, args.target)
                train_s = [e[1] - (got[i - 1][2] if i else 0.0) for i, e in enumerate(got)]
                print("run %d %-31s epoch of %.2f: %s  wall %s s  final accuracy %.4f  "
                      "per epoch: accuracy %s  train s %s" % (
                          r + 1, s, args.target, hit[0] if hit else "-",
                          fmt(hit and hit[1], "%.2f"), got[-1][3],
                          " ".join("%.4f" % e[3] for e in got),
                          " ".join("%.2f" % t for t in train_s)), flush=True)

        print("\n== time to %.0f%% test accuracy, medians of %d runs (wall s: from the first step "
              "to the end of that epoch's evaluation, evaluations included; train s: the same "
              "without the evaluations)" % (args.target * 100, args.repeat))
        print("| system | epoch reached | wall s | train s | s/epoch (train) | final accuracy "
              "(%d epochs) | meshc / this (wall) |" % args.epochs)
        print("|---|---|---|---|---|---|---|")
        summary = {}
        for s in systems:
            hits = [reach(e, args.target) for e in results[s]]
            per_epoch = [(e[-1][1] - sum(x[2] - x[1] for x in e[:-1])) / len(e)
                         for e in results[s]]
            summary[s] = (med([h and h[0] for h in hits]), med([h and h[1] for h in hits]),
                          med([h and h[2] for h in hits]), med(per_epoch),
                          med([e[-1][3] for e in results[s]]),
                          sum(1 for h in hits if h))
        base = summary[systems[0]][1]
        for s in systems:
            k, wall, train, per_epoch, final, n = summary[s]
            ratio = "%.2f" % (base / wall) if base and wall else "-"
            print("| %s | %s%s | %s | %s | %.2f | %.4f | %s |" % (
                s, fmt(k, "%g"), "" if n == args.repeat else " (%d/%d runs)" % (n, args.repeat),
                fmt(wall, "%.2f"), fmt(train, "%.2f"), per_epoch, final, ratio))

        if args.steps > 0:
            # --profile's per-step rows say what the data itself costs in each run: the batch
            # hand-over (`input`) and the wait for the prefetch thread (data_wait_ms) with
            # files; generating the batch (`synthetic_*`) without.
            steps = ["--steps", str(args.steps), "--log-every", str(args.steps), "--profile"]
            ms = {"file": [], "synthetic": []}
            cost = {"file": [], "synthetic": []}
            for r in range(args.repeat):
                runs = [("file", data), ("synthetic", [])]
                line = []
                for kind, flags in (runs if r % 2 == 0 else runs[::-1]):
                    out = run(meshc_cmd + flags + steps, env=base_env)
                    m = re.search(r"summary: steps \d+ median_step_ms (\S+)"
                                  r"(?: data_wait_ms (\S+))?", out)
                    if not m:
                        sys.exit("no summary line in:\n" + out)
                    ms[kind].append(float(m.group(1)))
                    data_ms = sum(float(x) for x in re.findall(
                        r"profile: (?:input|synthetic_\w+) +\S+ +(\S+)", out))
                    data_ms += float(m.group(2) or 0) / args.steps
                    cost[kind].append(data_ms)
                    line.append("%s %.3f (data %.3f)" % (kind, ms[kind][-1], data_ms))
                print("run %d median step ms: %s" % (r + 1, ", ".join(sorted(line))), flush=True)
            f, s = statistics.median(ms["file"]), statistics.median(ms["synthetic"])
            print("\n== meshc step time, 2 ranks, %d steps, medians of %d runs: file data %.3f ms, "
                  "synthetic %.3f ms, file / synthetic %.3f (aim <= 1.05)" %
                  (args.steps, args.repeat, f, s, f / s))
            print("   data per step (profile: input + waiting for the prefetch; synthetic_*): "
                  "file %.3f ms (%.1f%% of its step), synthetic %.3f ms" % (
                      statistics.median(cost["file"]), 100 * statistics.median(cost["file"]) / f,
                      statistics.median(cost["synthetic"])))
        print("load average after: %s" % open("/proc/loadavg").read().split(" ", 3)[:3])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
