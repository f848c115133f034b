#!/usr/bin/env python3
"""Benchmark (not a test): the Fashion-MNIST CNN's training step, meshc vs PyTorch vs its
convolutions alone in oneDNN.

examples/cnn (28x28 padded to 32x32 -> conv 3x3 32 + bias, relu, max_pool 2 -> conv 3x3 64 +
bias, relu, max_pool 2 -> dense 128, relu -> dense 10; softmax cross-entropy, Adam; batch 128,
fp32) compiled by meshc for two layouts on 2 ranks x 1 thread:
  - data parallel: --mesh b=2 --layout batch:b
  - spatial (height split): --mesh m=2 --layout h:m,ph:m,qh:m (halo exchanges)
and, in the same run:
  - the step's convolutions alone: every meshc.conv / conv_transpose / conv_grad_filter of
    `meshc --emit=partitioned --no-fuse-elementwise` (per-rank shapes: the spatial layout's
    carry their halo rows; unfused, so that meshc-fuse-conv's bias and relu are not counted)
    timed through the runtime's own kernels (oneDNN primitives, bench_conv_ref) on both ranks
    at once;
  - the step's matmuls alone (its einsums, bench_matmul_ref, as bench/mlp_dp.py derives them),
    so that `convs + matmuls` is the time of all the step's GEMM-like work;
  - PyTorch (Debian's python3-torch, torch_cnn.py): the same network, optimizer and batch in
    1 process x 2 threads on the same 2 cores, OpenBLAS on its best kernel (openblas.py).
Each repeat runs every configuration once, alternating; the medians over repeats are reported,
each run's own figure being a median over its timed steps (or calls). Ratios:
  step / convs alone   (aim <= 1.3)        step / PyTorch's step   (aim < 1)

    python3 bench/cnn_step.py                  # builds what it needs in ./build
    python3 bench/cnn_step.py --repeat 5 --steps 30 --profile
"""
import argparse
import math
import os
import re
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import mlp_dp  # noqa: E402  (einsum -> matmul shapes, run, median_of)
from mlp_dp import median_of, run  # noqa: E402
import openblas  # noqa: E402

LAYOUTS = [("data parallel", "b=2", "batch:b"), ("spatial", "m=2", "h:m,ph:m,qh:m")]

# A conv-family op of the partitioned program: name, attributes, operand types -> result type.
CONV_OP = re.compile(r"meshc\.(conv|conv_transpose|conv_grad_filter) %\S+, %\S+ \{(.*)\} : "
                     r"!meshc\.tensor<([^>]*)>, !meshc\.tensor<([^>]*)> -> "
                     r"!meshc\.tensor<([^>]*)>")


def attributes(text):
    """The op's attributes we need: string, string-array and i64-array values."""
    attrs = {}
    for name, value in re.findall(r"(\w+) = \"(\w+)\"", text):
        attrs[name] = value
    for name, value in re.findall(r"(\w+) = \[((?:\"\w+\"(?:, )?)*)\]", text):
        attrs[name] = re.findall(r"\"(\w+)\"", value)
    for name, value in re.findall(r"(\w+) = array<i64: ([\d, ]*)>", text):
        attrs[name] = [int(v) for v in value.split(",")] if value.strip() else []
    return attrs


def conv_specs(partitioned):
    """bench_conv_ref arguments (KIND:X:W:Y:GEOMETRY) for each conv-family op, in the kernels'
    canonical shapes x [N, C, S...], w [F, C, K...], y [N, F, O...] (N = the x-role tensor's
    other dims, flattened), as the lowering passes them (lowering/MeshcToLLVM/Conv.cpp)."""
    specs = []
    for name, attr_text, a, b, result in CONV_OP.findall(partitioned):
        at = attributes(attr_text)
        a, b, result = (dict(mlp_dp.parse_tensor(t)) for t in (a, b, result))
        kind, x, w, y = {"conv": ("fwd", a, b, result),
                         "conv_transpose": ("bwd_data", result, b, a),
                         "conv_grad_filter": ("bwd_weights", a, result, b)}[name]
        cin, cout = at["in_channel"], at["out_channel"]
        xs, ks, ys = at["input_spatial"], at["kernel_spatial"], at["output_spatial"]
        n = math.prod(size for dim, size in x.items() if dim != cin and dim not in xs)
        shape_x = [n, x[cin]] + [x[d] for d in xs]
        shape_w = [w[cout], w[cin]] + [w[d] for d in ks]
        shape_y = [n, y[cout]] + [y[d] for d in ys]
        geometry = at["strides"] + at["dilations"] + at["pad_lo"] + at["pad_hi"]
        specs.append("%s:%s" % (kind, ":".join(",".join(map(str, v)) for v in
                                                (shape_x, shape_w, shape_y, geometry))))
    if not specs:
        sys.exit("no convolutions in the partitioned program")
    return specs


def mpirun(args):
    cmd = ["mpirun", "-n", "2", "--bind-to", args.bind, "-x", "OMP_NUM_THREADS"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--no-build", action="store_true", help="use the built tools as they are")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=23, help="3 warm-up + timed steps")
    p.add_argument("--reps", type=int, default=10, help="timed calls per reference kernel")
    p.add_argument("--repeat", type=int, default=3,
                   help="alternating runs of every configuration; medians are reported")
    p.add_argument("--bind", default="core", help="mpirun --bind-to (core, none)")
    p.add_argument("--profile", action="store_true", help="also print each layout's --profile")
    p.add_argument("--python", default="/usr/bin/python3",
                   help="the interpreter with Debian's python3-torch")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    args = p.parse_args()
    if args.steps < 4:
        sys.exit("--steps must be at least 4 (3 warm-up steps are excluded)")

    bindir = os.path.join(args.build_dir, "bin")
    if not args.no_build:
        run(["cmake", "--build", args.build_dir, "-j2", "--target", "meshc", "meshrt", "cnn_gen",
             "bench_conv_ref", "bench_matmul_ref"])
    env = dict(os.environ, OMP_NUM_THREADS="1")
    torch_env, blas = (None, "skipped (--no-torch)") if args.no_torch else \
        openblas.torch_reference(args.python, os.environ, 2)
    work = tempfile.mkdtemp(prefix="meshc-bench-cnn-")
    try:
        mlir = os.path.join(work, "cnn.mlir")
        run([os.path.join(bindir, "cnn_gen"), "--batch", str(args.batch), "-o", mlir])
        meshc = os.path.join(bindir, "meshc")
        configs = []
        for name, mesh, layout in LAYOUTS:
            flags = ["--mesh", mesh, "--layout", layout]
            # The convolutions as the unfused program has them: meshc-fuse-conv's
            # conv_bias_act and conv_grad_filter_bias run the same convolutions (plus the bias,
            # relu and bias gradient), so "convs alone" stays the plain convolution kernels.
            partitioned = run([meshc, mlir] + flags +
                              ["--emit=partitioned", "--no-fuse-elementwise"])
            exe = os.path.join(work, "cnn_" + mesh.split("=")[0])
            run([meshc, mlir] + flags + ["-o", exe])
            convs = conv_specs(partitioned)
            matmuls = [",".join(map(str, mlp_dp.einsum_to_matmul(
                mlp_dp.parse_tensor(l), mlp_dp.parse_tensor(r), mlp_dp.parse_tensor(o))))
                for l, r, o in mlp_dp.EINSUM.findall(partitioned)]
            configs.append({"name": name, "flags": " ".join(flags), "exe": exe, "convs": convs,
                            "matmuls": matmuls, "step": [], "conv": [], "matmul": []})
        print("model: examples/cnn, batch %d, fp32, Adam; 2 ranks x 1 thread "
              "(mpirun --bind-to %s)" % (args.batch, args.bind))
        for c in configs:
            print("%s (%s): per-rank convolutions, from meshc --emit=partitioned "
                  "(KIND:X:W:Y:strides,dilations,pad_lo,pad_hi):" % (c["name"], c["flags"]))
            for spec in c["convs"]:
                print("  " + spec)
        print("PyTorch: %s" % blas)

        torch_ms = []
        for r in range(args.repeat):
            for c in configs:
                prog = run(mpirun(args) + [c["exe"], "--steps", str(args.steps), "--threads", "1",
                                           "--log-every", str(args.steps)] +
                           (["--profile"] if args.profile and r == 0 else []), env=env)
                c["step"].append(median_of(r"median_step_ms ([\d.]+)", prog, "median step"))
                if args.profile and r == 0:
                    print("== %s, --profile:" % c["name"])
                    print("".join(l + "\n" for l in prog.splitlines()
                                  if l.startswith("profile:")), end="")
                ref = run(mpirun(args) + [os.path.join(bindir, "bench_conv_ref"), "--reps",
                                          str(args.reps)] + c["convs"], env=env)
                c["conv"].append(median_of(r"conv_total_ms ([\d.]+)", ref, "conv total"))
                if r == 0:
                    print("== %s, convolutions alone (first run):\n%s" % (c["name"], ref), end="")
                mm = run(mpirun(args) + [os.path.join(bindir, "bench_matmul_ref"), "--reps",
                                         str(args.reps)] + c["matmuls"], env=env)
                c["matmul"].append(median_of(r"matmul_total_ms ([\d.]+)", mm, "matmul total"))
            if torch_env is not None:
                out = run([args.python, os.path.join(HERE, "torch_cnn.py"), "--batch",
                           str(args.batch), "--threads", "2", "--steps", str(args.steps - 3)],
                          env=torch_env)
                torch_ms.append(median_of(r"step_ms_median ([\d.]+)", out, "PyTorch median"))
            print("run %d: %s%s" % (r + 1, ", ".join(
                "%s step %.2f ms convs %.2f ms" % (c["name"], c["step"][-1], c["conv"][-1])
                for c in configs), ", PyTorch %.2f ms" % torch_ms[-1] if torch_ms else ""))

        torch_med = statistics.median(torch_ms) if torch_ms else None
        print("\nmedians of %d runs (each a median of %d timed steps / %d kernel calls):"
              % (args.repeat, args.steps - 3, args.reps))
        print("| layout | step ms | convs alone ms | step / convs | convs + matmuls ms "
              "| step / (convs + matmuls) | PyTorch ms | step / PyTorch |")
        print("|---|---|---|---|---|---|---|---|")
        for c in configs:
            step, conv = statistics.median(c["step"]), statistics.median(c["conv"])
            gemm = statistics.median(x + y for x, y in zip(c["conv"], c["matmul"]))
            print("| %s | %.2f | %.2f | **%.2f** | %.2f | %.2f | %s | %s |" % (
                c["name"], step, conv, step / conv, gemm, step / gemm,
                "%.2f" % torch_med if torch_med else "-",
                "**%.2f**" % (step / torch_med) if torch_med else "-"))
        print("aims: step / convs <= 1.3; step / PyTorch < 1")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
