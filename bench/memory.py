#!/usr/bin/env python3
"""Benchmark (not a test): the transformer example's memory, planned and measured, vs PyTorch.

1. Planned, per rank: `meshc --explain` of examples/transformer (default: the issue's model,
   8 layers, d_model 512, 64 heads, d_ff 2048, vocab 8192, seq 64, batch 512) on the 2x2 hybrid
   layout (batch:b,heads:m,d_ff:m,vocab:m): the activation arena the lowering allocates, the
   liveness lower bound (the most bytes live at once) and their ratio (aim <= 1.2), the total
   the executable allocates, and what one buffer per value would take.
2. Measured, one rank, the same model at --rss-batch (default 128, so that PyTorch fits in the
   machine's memory): the peak resident set (max RSS, `/usr/bin/time -f %M`) of the meshc
   executable over --steps training steps, beside its `--explain` total, and of PyTorch
   (Debian's python3-torch, torch_transformer.py: the same model, parameters and Adam; 1
   process) on the same batch. Aim: meshc's peak below PyTorch's.

    python3 bench/memory.py                      # builds meshc and transformer_gen in ./build
    python3 bench/memory.py --rss-batch 64 --steps 3
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import openblas  # noqa: E402
from mlp_dp import run  # noqa: E402

HYBRID = ("b=2,m=2", "batch:b,heads:m,d_ff:m,vocab:m")


def explain_memory(text):
    """The byte counts of `meshc --explain`'s memory section, by line name."""
    out = {}
    for name, value in re.findall(r"^  ([a-z][a-z /()-]*[a-z)])\s+(\d+) \(", text, re.M):
        out[name.strip()] = int(value)
    for key in ("activations (peak)", "liveness bound", "total"):
        if key not in out:
            sys.exit("no '%s' line in meshc --explain's output:\n%s" % (key, text))
    return out


def gib(n):
    return "%.2f GiB" % (n / 2**30)


def max_rss_kb(cmd, env=None):
    """Max RSS (KiB) of cmd's process, from GNU time, and cmd's output."""
    res = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb %M"] + cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=env)
    if res.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (res.returncode, " ".join(cmd), res.stdout))
    m = re.findall(r"maxrss_kb (\d+)", res.stdout)
    if not m:
        sys.exit("no max RSS in:\n" + res.stdout)
    return int(m[-1]), res.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true", help="use the built tools as they are")
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--d-model", type=int, default=512)
    p.add_argument("--heads", type=int, default=64)
    p.add_argument("--d-ff", type=int, default=2048)
    p.add_argument("--vocab", type=int, default=8192)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--batch", type=int, default=512, help="batch of the --explain figures")
    p.add_argument("--rss-batch", type=int, default=128, help="batch of the measured runs")
    p.add_argument("--steps", type=int, default=2, help="training steps of the measured runs")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--python", default="/usr/bin/python3",
                   help="the interpreter with Debian's python3-torch")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    args = p.parse_args()

    bindir = os.path.join(args.build_dir, "bin")
    if not args.no_build:
        run(["cmake", "--build", args.build_dir, "-j2", "--target", "meshc", "meshrt",
             "transformer_gen"])
    sizes = ["--layers", str(args.layers), "--d-model", str(args.d_model), "--heads",
             str(args.heads), "--d-ff", str(args.d_ff), "--vocab", str(args.vocab), "--seq",
             str(args.seq)]
    meshc, gen = os.path.join(bindir, "meshc"), os.path.join(bindir, "transformer_gen")
    work = tempfile.mkdtemp(prefix="meshc-bench-memory-")
    try:
        print("model: examples/transformer, %d layers, d_model %d, %d heads, d_ff %d, vocab %d, "
              "seq %d, fp32, Adam" % (args.layers, args.d_model, args.heads, args.d_ff,
                                      args.vocab, args.seq))
        # 1. Planned, per rank, on the hybrid layout.
        lm = os.path.join(work, "lm.mlir")
        run([gen] + sizes + ["--batch", str(args.batch), "-o", lm])
        mem = explain_memory(run([meshc, lm, "--mesh", HYBRID[0], "--layout", HYBRID[1],
                                  "--explain"]))
        arena, bound = mem["activations (peak)"], mem["liveness bound"]
        print("\n== planned, per rank: batch %d, --mesh %s --layout %s (meshc --explain)"
              % (args.batch, HYBRID[0], HYBRID[1]))
        print("activations (peak, the arena)  %s" % gib(arena))
        print("liveness bound                 %s" % gib(bound))
        print("arena / bound                  %.3f (aim <= 1.2)" % (arena / bound))
        if "without reuse" in mem:
            print("one buffer per value           %s" % gib(mem["without reuse"]))
        print("total allocated per rank       %s" % gib(mem["total"]))

        # 2. Measured on one rank.
        small = os.path.join(work, "lm_small.mlir")
        run([gen] + sizes + ["--batch", str(args.rss_batch), "-o", small])
        one = explain_memory(run([meshc, small, "--mesh", "b=1", "--layout", "", "--explain"]))
        exe = os.path.join(work, "lm")
        run([meshc, small, "--mesh", "b=1", "--layout", "", "-o", exe])
        mpirun = ["mpirun", "-n", "1", "--bind-to", "none"]
        if os.geteuid() == 0:
            mpirun.append("--allow-run-as-root")
        rss, out = max_rss_kb(mpirun + ["/usr/bin/time", "-f", "maxrss_kb %M", exe, "--steps",
                                        str(args.steps), "--threads", str(args.threads)])
        meshc_rss = rss * 1024
        print("\n== measured, one rank, batch %d, %d steps, %d threads" %
              (args.rss_batch, args.steps, args.threads))
        print("meshc: --explain total %s, max RSS %s (RSS - total: %s of libraries, MPI, "
              "oneDNN and the data path)" % (gib(one["total"]), gib(meshc_rss),
                                            gib(meshc_rss - one["total"])))
        if args.no_torch:
            print("PyTorch: skipped (--no-torch)")
            return
        env, blas = openblas.torch_reference(args.python, os.environ, args.threads)
        print("PyTorch: %s" % blas)
        if env is None:
            return
        rss, out = max_rss_kb([args.python, os.path.join(HERE, "torch_transformer.py")] + sizes +
                              ["--batch", str(args.rss_batch), "--steps", str(args.steps),
                               "--threads", str(args.threads)], env=env)
        torch_rss = rss * 1024
        print("PyTorch: max RSS %s" % gib(torch_rss))
        print("meshc / PyTorch max RSS: %.2f (aim < 1)" % (meshc_rss / torch_rss))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
