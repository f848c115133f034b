#!/usr/bin/env python3
"""Benchmark (not a test): a compiled training step on one GPU against cuBLAS alone.

For each model (the MLP of issue 2: batch 256, layers 1024-4096-4096-1024, SGD; the transformer
block of bench/transformer_block.py: d_model 1024, 16 heads, d_ff 4096, seq 512, batch 8, Adam)
compiled by meshc for one rank, and each matmul precision (fp32, tf32, bf16):
 - the FLOPs of one step from `meshc --explain` (einsum FLOPs: 2 x the product of the dims of
   each einsum, i.e. the matmuls; total FLOPs adds 1 per element of every other op);
 - the median step time of the executable with `--device cuda --precision P` (after 3 warm-up
   steps);
 - in the same run, the step's matmuls alone (every `meshc.einsum` of
   `meshc --emit=partitioned` as an M,N,K[,BATCH] matmul, as bench/mlp_dp.py derives them)
   timed through the runtime's cuBLAS call with the same precision (bench_matmul_ref
   --device cuda), which gives cuBLAS's FLOP-weighted rate on exactly the step's shapes.
It prints the step's achieved TFLOP/s (matmul FLOPs / step time, and total FLOPs / step time),
cuBLAS's TFLOP/s on the same shapes, and their ratio (= matmul-only time / step time; the
target is >= 0.6: the step spends at least 60% of its time doing matmuls at cuBLAS's speed).

Where meshrt_device_count("cuda") is 0 (no GPU, no driver, or a runtime built without CUDA)
it says so and exits 0 without measuring. `--plan` prints the shapes and FLOPs only (no GPU).

    python3 bench/gpu_step.py                       # builds what it needs in ./build
    python3 bench/gpu_step.py --models mlp --precisions bf16 --repeat 3
    python3 bench/gpu_step.py --plan                # what would be measured
"""
import argparse
import os
import re
import statistics
import subprocess
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from mlp_dp import EINSUM, einsum_to_matmul, parse_tensor  # noqa: E402

NO_DEVICE = 77  # bench_matmul_ref --device cuda where meshrt_device_count("cuda") == 0


def run(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if res.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (res.returncode, " ".join(cmd), res.stdout))
    return res.stdout


def last_float(pattern, text, what):
    vals = re.findall(pattern, text)
    if not vals:
        sys.exit("no %s in the output:\n%s" % (what, text))
    return float(vals[-1])


def explain_flops(text):
    """(einsum FLOPs, total FLOPs) per step from meshc --explain's compute section."""
    einsum = re.search(r"^\s*einsum FLOPs\s+(\d+)", text, re.M)
    total = re.search(r"^\s*total FLOPs\s+(\d+)", text, re.M)
    if not einsum or not total:
        sys.exit("no FLOP counts in meshc --explain's report:\n%s" % text)
    return int(einsum.group(1)), int(total.group(1))


class Model:
    """One model compiled for one rank: its executable, matmul shapes and FLOPs per step."""

    def __init__(self, name, description, generator, mesh, work, bindir):
        self.name, self.description = name, description
        mlir = os.path.join(work, name + ".mlir")
        run(generator + ["-o", mlir])
        meshc = os.path.join(bindir, "meshc")
        flags = ["--mesh", mesh, "--layout", ""]
        self.einsum_flops, self.total_flops = explain_flops(
            run([meshc, mlir] + flags + ["--explain"]))
        partitioned = run([meshc, mlir] + flags + ["--emit=partitioned"])
        self.shapes = [einsum_to_matmul(parse_tensor(l), parse_tensor(r), parse_tensor(o))
                       for l, r, o in EINSUM.findall(partitioned)]
        self.exe = os.path.join(work, name)
        run([meshc, mlir] + flags + ["-o", self.exe])

    def shape_flops(self):
        return sum(2 * m * n * k * b for m, n, k, _, _, b in self.shapes)

    def shape_args(self):
        # bench_matmul_ref's M,N,K,TA,TB,BATCH
        return [",".join(map(str, s)) for s in self.shapes]


def mpirun(ranks=1):
    cmd = ["mpirun", "--bind-to", "none", "-n", str(ranks)]
    if os.geteuid() == 0:
        cmd.insert(1, "--allow-run-as-root")
    return cmd


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true", help="use the built tools as they are")
    p.add_argument("--models", default="mlp,block", help="comma-separated: mlp, block")
    p.add_argument("--precisions", default="fp32,tf32,bf16")
    p.add_argument("--steps", type=int, default=23, help="3 warm-up + timed steps")
    p.add_argument("--reps", type=int, default=20, help="timed calls per reference matmul")
    p.add_argument("--repeat", type=int, default=1,
                   help="alternating step/reference runs; medians are reported")
    p.add_argument("--plan", action="store_true",
                   help="print the models' matmuls and FLOPs, measure nothing (no GPU needed)")
    p.add_argument("--mlp-batch", type=int, default=256)
    p.add_argument("--mlp-d-in", type=int, default=1024)
    p.add_argument("--mlp-hidden", type=int, default=4096)
    p.add_argument("--mlp-hidden2", type=int, default=4096)
    p.add_argument("--mlp-classes", type=int, default=1024)
    p.add_argument("--block-batch", type=int, default=8)
    p.add_argument("--block-seq", type=int, default=512)
    p.add_argument("--block-d-model", type=int, default=1024)
    p.add_argument("--block-heads", type=int, default=16)
    p.add_argument("--block-d-ff", type=int, default=4096)
    args = p.parse_args()
    if args.steps < 4:
        sys.exit("--steps must be at least 4 (3 warm-up steps are excluded)")
    models = [m for m in args.models.split(",") if m]
    precisions = [x for x in args.precisions.split(",") if x]
    if not models or set(models) - {"mlp", "block"}:
        sys.exit("--models takes mlp and/or block")
    if not precisions or set(precisions) - {"fp32", "tf32", "bf16"}:
        sys.exit("--precisions takes fp32, tf32 and/or bf16")

    bindir = os.path.join(args.build_dir, "bin")
    if not args.no_build:
        run(["cmake", "--build", args.build_dir, "-j2", "--target", "meshc", "meshrt",
             "frontend_mlp_gen", "transformer_gen", "bench_matmul_ref"])
    ref = os.path.join(bindir, "bench_matmul_ref")
    if not args.plan:
        probe = subprocess.run(mpirun() + [ref, "--device", "cuda", "--reps", "1", "1,1,1,0,0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if probe.returncode == NO_DEVICE:
            print("gpu_step.py: no CUDA device here (meshrt_device_count(\"cuda\") == 0: no GPU, "
                  "no driver, or libmeshrt built without CUDA); nothing measured")
            return 0
        if probe.returncode != 0:
            sys.exit("bench_matmul_ref --device cuda failed (%d):\n%s" % (probe.returncode,
                                                                         probe.stdout))

    work = tempfile.mkdtemp(prefix="meshc-gpu-bench-")
    try:
        built = []
        if "mlp" in models:
            built.append(Model(
                "mlp", "MLP batch %d, layers %d-%d-%d-%d, SGD" % (
                    args.mlp_batch, args.mlp_d_in, args.mlp_hidden, args.mlp_hidden2,
                    args.mlp_classes),
                [os.path.join(bindir, "frontend_mlp_gen"), "--batch", str(args.mlp_batch),
                 "--d-in", str(args.mlp_d_in), "--hidden", str(args.mlp_hidden),
                 "--hidden2", str(args.mlp_hidden2), "--classes", str(args.mlp_classes)],
                "b=1", work, bindir))
        if "block" in models:
            built.append(Model(
                "block", "transformer block d_model %d, %d heads, d_ff %d, seq %d, batch %d, "
                "Adam" % (args.block_d_model, args.block_heads, args.block_d_ff, args.block_seq,
                          args.block_batch),
                [os.path.join(bindir, "transformer_gen"), "--layers", "1", "--head", "0",
                 "--batch", str(args.block_batch), "--seq", str(args.block_seq),
                 "--d-model", str(args.block_d_model), "--heads", str(args.block_heads),
                 "--d-ff", str(args.block_d_ff)],
                "m=1", work, bindir))

        for m in built:
            print("%s: %s; 1 rank" % (m.name, m.description))
            print("  per step (meshc --explain): einsum %.2f GFLOP, total %.2f GFLOP" %
                  (m.einsum_flops / 1e9, m.total_flops / 1e9))
            print("  matmuls (meshc --emit=partitioned), %.2f GFLOP:" % (m.shape_flops() / 1e9))
            for mm, n, k, ta, tb, b in m.shapes:
                print("    m=%d n=%d k=%d trans_a=%d trans_b=%d%s" %
                      (mm, n, k, ta, tb, " batch=%d" % b if b > 1 else ""))
            if m.shape_flops() != m.einsum_flops:
                print("  note: the shapes' FLOPs differ from --explain's einsum FLOPs; the "
                      "reference covers %.1f%% of them" % (100.0 * m.shape_flops() /
                                                           m.einsum_flops))
        if args.plan:
            return 0

        rows = []
        for m in built:
            for precision in precisions:
                steps, refs = [], []
                for r in range(args.repeat):
                    out = run(mpirun() + [m.exe, "--device", "cuda", "--precision", precision,
                                          "--steps", str(args.steps), "--log-every",
                                          str(args.steps)])
                    if r == 0:
                        device = re.search(r"device (.*)\)$", out, re.M)
                        print("%s %s: %s" % (m.name, precision,
                                             device.group(1) if device else "?"))
                    steps.append(last_float(r"median_step_ms ([\d.]+)", out, "median step"))
                    out = run(mpirun() + [ref, "--device", "cuda", "--precision", precision,
                                          "--reps", str(args.reps)] + m.shape_args())
                    refs.append(last_float(r"matmul_total_ms ([\d.]+)", out, "matmul total"))
                    print("  run %d: median_step_ms %.3f matmul_only_ms %.3f ratio %.2f" %
                          (r + 1, steps[-1], refs[-1], refs[-1] / steps[-1]))
                rows.append((m, precision, statistics.median(steps), statistics.median(refs)))

        head = ("model", "precision", "step ms", "matmul ms", "step TFLOP/s", "(all ops)",
                "cuBLAS TFLOP/s", "ratio")
        print("\nstep = median step time (%d timed steps); matmul = the step's matmuls alone on "
              "cuBLAS;\nstep TFLOP/s = einsum FLOPs / step time ('all ops': total FLOPs); "
              "ratio = matmul ms / step ms (target >= 0.60)" % (args.steps - 3))
        print("%-6s %-9s %10s %10s %13s %10s %15s %6s" % head)
        for m, precision, step_ms, ref_ms in rows:
            print("%-6s %-9s %10.3f %10.3f %13.1f %10.1f %15.1f %6.2f" % (
                m.name, precision, step_ms, ref_ms, m.einsum_flops / (step_ms * 1e9),
                m.total_flops / (step_ms * 1e9), m.shape_flops() / (ref_ms * 1e9),
                ref_ms / step_ms))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
