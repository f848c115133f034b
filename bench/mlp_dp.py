#!/usr/bin/env python3
"""Benchmark (not a test): the data-parallel MLP against its matmuls alone.

The MLP of the issue (batch 256, layers 1024-4096-4096-1024, fp32, SGD) compiled by meshc for
--mesh b=2 --layout batch:b, run on 2 ranks x 1 thread; then, in the same run, the per-rank
matmuls of one step timed with oneDNN alone on 2 concurrent ranks x 1 thread (the runtime's
own kernel, dnnl_sgemm, through meshrt_bench_matmul_ms). Prints the median step time, the
matmul-only time and their ratio (issue 13's aim: <= 1.10).

The matmul shapes are derived from the compiled program itself: every `meshc.einsum` of
`meshc --emit=partitioned` (the per-rank program, local shapes), and the weight-gradient einsum
inside every `meshc.sgd_update_einsum` (meshc-share-updates), becomes one M,N,K matmul with the
transposition the operands' dim order implies.

    python3 bench/mlp_dp.py                 # builds what it needs in ./build
    python3 bench/mlp_dp.py --repeat 3      # 3 alternating program/reference runs, medians
    python3 bench/mlp_dp.py --bucket-bytes 0  # without all_reduce buckets
    python3 bench/mlp_dp.py --no-overlap    # blocking all_reduces (no communication thread)
    python3 bench/mlp_dp.py --no-share-updates  # gradient all_reduce + SGD pass per weight
    python3 bench/mlp_dp.py --shared-params off # the same program, each rank's own weights
    python3 bench/mlp_dp.py --shared-bound  # also bench_shared_update_ref on the same shapes (the
                                            # hand-written bound of meshc-share-updates' step)
"""
import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import openblas  # noqa: E402


def run(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if res.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (res.returncode, " ".join(cmd), res.stdout))
    return res.stdout


def parse_tensor(text):
    """'batch=128, d_in=1024, f32' -> [('batch', 128), ('d_in', 1024)]"""
    dims = []
    for part in text.split(","):
        part = part.strip()
        if "=" in part:
            name, size = part.split("=")
            dims.append((name.strip(), int(size)))
    return dims


EINSUM = re.compile(r"meshc\.einsum [^:]*: !meshc\.tensor<([^>]*)>, !meshc\.tensor<([^>]*)> -> "
                    r"!meshc\.tensor<([^>]*)>")
# meshc-share-updates' fused weight-gradient einsum and SGD update: param, lhs, rhs.
SHARED_UPDATE = re.compile(r"meshc\.sgd_update_einsum [^\n]*?\} : !meshc\.tensor<([^>]*)>, "
                           r"!meshc\.tensor<([^>]*)>, !meshc\.tensor<([^>]*)>")


def einsum_to_matmul(lhs, rhs, out):
    """Named-dim contraction -> (m, n, k, trans_a, trans_b, batch) of a row-major matmul."""
    ln, rn, on = [d for d, _ in lhs], [d for d, _ in rhs], [d for d, _ in out]
    size = dict(lhs + rhs + out)
    batch = [d for d in on if d in ln and d in rn]
    contracted = [d for d in ln if d in rn and d not in on]
    free_out = [d for d in on if d not in batch]
    # A is the operand holding the output's leading free dim (its rows are C's rows).
    a, b = (lhs, rhs) if free_out and free_out[0] in ln else (rhs, lhs)
    an, bn = [d for d, _ in a], [d for d, _ in b]
    mdims = [d for d in an if d not in contracted and d not in batch]
    ndims_ = [d for d in bn if d not in contracted and d not in batch]
    prod = lambda ds: math.prod(size[d] for d in ds)
    a_free = [d for d in an if d not in batch]
    b_free = [d for d in bn if d not in batch]
    trans_a = int(bool(contracted) and a_free[0] in contracted)
    trans_b = int(bool(ndims_) and b_free[0] in ndims_)
    return prod(mdims), prod(ndims_), prod(contracted), trans_a, trans_b, prod(batch)


def median_of(pattern, text, what):
    vals = [float(x) for x in re.findall(pattern, text)]
    if not vals:
        sys.exit("no %s in the output:\n%s" % (what, text))
    return vals[-1]


def torch_numbers(args):
    """PyTorch's numbers on the same shapes, on OpenBLAS's best kernel (openblas.py), and the
    line saying what it ran on; None where PyTorch cannot be a fair reference (the line says
    why)."""
    env, blas = openblas.torch_reference(args.python, os.environ, args.ranks)
    if env is None:
        return None, blas
    script = os.path.join(HERE, "torch_mlp.py")
    out = {}
    one = run([args.python, script, "--mode", "single", "--threads", str(args.ranks),
               "--steps", str(args.steps)] + model_flags(args), env=env)
    out["PyTorch, 1 process x %d threads" % args.ranks] = median_of(r"median_step_ms ([\d.]+)", one,
                                                                   "median")
    ddp = run(mpirun(args) + ["-n", str(args.ranks), args.python, script, "--mode", "ddp",
                              "--threads", "1", "--steps", str(args.steps)] + model_flags(args),
              env=dict(env, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1"))
    out["PyTorch DDP (gloo), %d ranks x 1 thread" % args.ranks] = median_of(
        r"median_step_ms ([\d.]+)", ddp, "median")
    return out, blas


def model_flags(args):
    return ["--batch", str(args.batch), "--d-in", str(args.d_in), "--hidden", str(args.hidden),
            "--hidden2", str(args.hidden2), "--classes", str(args.classes)]


def mpirun(args):
    cmd = ["mpirun", "--bind-to", args.bind]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true", help="use the built tools as they are")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--steps", type=int, default=13, help="3 warm-up + timed steps")
    p.add_argument("--reps", type=int, default=10, help="timed calls per reference matmul")
    p.add_argument("--repeat", type=int, default=1,
                   help="alternating program/reference runs; medians are reported")
    p.add_argument("--bind", default="core", help="mpirun --bind-to (core, none)")
    p.add_argument("--python", default="/usr/bin/python3",
                   help="the interpreter with Debian's python3-torch (PyTorch's reference)")
    p.add_argument("--profile", action="store_true", help="also print the program's --profile")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--d-in", type=int, default=1024)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--hidden2", type=int, default=4096)
    p.add_argument("--classes", type=int, default=1024)
    p.add_argument("--bucket-bytes", type=int,
                   help="meshc --bucket-bytes (all_reduce buckets; 0 = none; default: meshc's)")
    p.add_argument("--no-overlap", action="store_true",
                   help="meshc --no-overlap (blocking all_reduces)")
    p.add_argument("--shard-update-min-bytes", type=int,
                   help="meshc --shard-update-min-bytes (0: shard every weight's SGD update, "
                        "ZeRO; default: meshc's)")
    p.add_argument("--share-update-min-bytes", type=int,
                   help="meshc --share-update-min-bytes (weights updated inside their gradient "
                        "GEMMs in node-shared storage; default: meshc's)")
    p.add_argument("--no-share-updates", action="store_true",
                   help="meshc --no-share-updates (gradient all_reduce and SGD pass per weight)")
    p.add_argument("--shared-params", choices=["on", "off"],
                   help="the executable's --shared-params (off: all-reduced path of the same "
                        "program)")
    p.add_argument("--shared-bound", action="store_true",
                   help="also time bench_shared_update_ref (the bound of a shared-weight update "
                        "inside the weight-gradient GEMMs) on the same layers and local batch")
    args = p.parse_args()
    if args.steps < 4:
        sys.exit("--steps must be at least 4 (3 warm-up steps are excluded)")

    bindir = os.path.join(args.build_dir, "bin")
    if not args.no_build:
        run(["cmake", "--build", args.build_dir, "-j2", "--target", "meshc", "meshrt",
             "frontend_mlp_gen", "bench_matmul_ref", "bench_shared_update_ref"])
    env = dict(os.environ, OMP_NUM_THREADS="1")
    work = tempfile.mkdtemp(prefix="meshc-bench-")
    try:
        mlir = os.path.join(work, "mlp.mlir")
        run([os.path.join(bindir, "frontend_mlp_gen")] + model_flags(args) + ["-o", mlir])
        mesh = ["--mesh", "b=%d" % args.ranks, "--layout", "batch:b"]
        if args.bucket_bytes is not None:
            mesh += ["--bucket-bytes", str(args.bucket_bytes)]
        if args.no_overlap:
            mesh += ["--no-overlap"]
        if args.shard_update_min_bytes is not None:
            mesh += ["--shard-update-min-bytes", str(args.shard_update_min_bytes)]
        if args.share_update_min_bytes is not None:
            mesh += ["--share-update-min-bytes", str(args.share_update_min_bytes)]
        if args.no_share_updates:
            mesh += ["--no-share-updates"]
        meshc = os.path.join(bindir, "meshc")
        partitioned = run([meshc, mlir] + mesh + ["--emit=partitioned"])
        exe = os.path.join(work, "mlp")
        run([meshc, mlir] + mesh + ["-o", exe])

        shapes = []
        for lhs, rhs, out in EINSUM.findall(partitioned):
            shapes.append(einsum_to_matmul(parse_tensor(lhs), parse_tensor(rhs),
                                           parse_tensor(out)))
        for out, lhs, rhs in SHARED_UPDATE.findall(partitioned):
            shapes.append(einsum_to_matmul(parse_tensor(lhs), parse_tensor(rhs),
                                           parse_tensor(out)))
        print("model: batch %d, layers %d-%d-%d-%d, fp32, SGD; mesh b=%d, layout batch:b; "
              "%d ranks x 1 thread" % (args.batch, args.d_in, args.hidden, args.hidden2,
                                       args.classes, args.ranks, args.ranks))
        print("collectives per step: %d all_reduce, %d all_reduce_bucket (--bucket-bytes %s), "
              "%d started early (overlap %s), %d reduce_scatter + %d sharded updates "
              "(--shard-update-min-bytes %s), %d updates in node-shared weights "
              "(--share-update-min-bytes %s)" %
              (len(re.findall(r"meshc\.all_reduce ", partitioned)),
               len(re.findall(r"meshc\.all_reduce_bucket ", partitioned)),
               "default" if args.bucket_bytes is None else args.bucket_bytes,
               len(re.findall(r"meshc\.wait ", partitioned)),
               "off" if args.no_overlap else "on",
               len(re.findall(r"meshc\.reduce_scatter ", partitioned)),
               len(re.findall(r"shard_axis", partitioned)),
               "default" if args.shard_update_min_bytes is None else args.shard_update_min_bytes,
               len(SHARED_UPDATE.findall(partitioned)),
               "default" if args.share_update_min_bytes is None else args.share_update_min_bytes))
        print("per-rank matmuls, from the einsums of meshc --emit=partitioned:")
        for m, n, k, ta, tb, b in shapes:
            print("  m=%d n=%d k=%d trans_a=%d trans_b=%d%s" % (m, n, k, ta, tb,
                                                              " batch=%d" % b if b > 1 else ""))

        prog_cmd = mpirun(args) + ["-n", str(args.ranks), "-x", "OMP_NUM_THREADS", exe,
                                   "--steps", str(args.steps), "--threads", "1",
                                   "--log-every", str(args.steps)]
        if args.shared_params:
            prog_cmd += ["--shared-params", args.shared_params]
        if args.profile:
            prog_cmd.append("--profile")
        ref_cmd = mpirun(args) + ["-n", str(args.ranks), "-x", "OMP_NUM_THREADS",
                                  os.path.join(bindir, "bench_matmul_ref"), "--reps",
                                  str(args.reps)] + [",".join(map(str, s)) for s in shapes]
        steps, refs = [], []
        for r in range(args.repeat):
            prog = run(prog_cmd, env=env)
            steps.append(median_of(r"median_step_ms ([\d.]+)", prog, "median step time"))
            if args.profile:
                print("".join(l + "\n" for l in prog.splitlines() if l.startswith("profile:")),
                      end="")
            ref = run(ref_cmd, env=env)
            refs.append(median_of(r"matmul_total_ms ([\d.]+)", ref, "matmul total"))
            if r == 0:
                print(ref, end="")
            print("run %d: median_step_ms %.1f matmul_only_ms %.1f ratio %.2f" %
                  (r + 1, steps[-1], refs[-1], steps[-1] / refs[-1]))

        step_ms, ref_ms = statistics.median(steps), statistics.median(refs)
        print("median step ms (after 3 warm-up steps, %d timed): %.1f" % (args.steps - 3, step_ms))
        print("matmul-only ms (oneDNN dnnl_sgemm, %d ranks concurrently): %.1f" %
              (args.ranks, ref_ms))
        print("ratio: %.2f (aim <= 1.10, issue 13)" % (step_ms / ref_ms))
        if args.shared_bound:
            layers = "%d,%d,%d,%d" % (args.d_in, args.hidden, args.hidden2, args.classes)
            bound = run(mpirun(args) + ["-n", str(args.ranks), "-x", "OMP_NUM_THREADS",
                                        os.path.join(bindir, "bench_shared_update_ref"),
                                        "--reps", "15", "--batch",
                                        str(args.batch // args.ranks), "--layers", layers],
                        env=env)
            print("shared-weight update bound (bench_shared_update_ref, not meshc's step): " +
                  " ".join(bound.split("\n")[1:]).strip())
        torch, blas = torch_numbers(args)
        print("PyTorch: %s" % blas)
        if torch is not None:
            for name, ms in torch.items():
                print("%s: %.1f ms/step" % (name, ms))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
