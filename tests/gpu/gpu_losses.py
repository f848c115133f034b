#!/usr/bin/env python3
"""The CUDA backend end to end: a program compiled by meshc and run with --device cuda must
report the losses the CPU reports.

usage: gpu_losses.py --meshc BIN --mpirun BIN --device-count BIN --workdir DIR
                     --program FILE.mlir [--steps N] [--seed S] [--rtol X]
                     [--precision-rtol X] CASE...
A CASE is "MESH [LAYOUT]" as for tests/e2e/compare_layouts.py ("b=2,m=2 batch:b,hidden:m");
the first one runs on 1 rank and is the reference.

Every step's loss is checked:
 1. the first case with --device cuda (fp32) against the same executable on the CPU, within
    --rtol (1e-4 relative);
 2. every other case with --device cuda against that 1-rank CPU run, within --rtol: with the
    default --comm auto (staged through host MPI where ranks share a GPU, as on a machine with
    one GPU; NCCL where each rank has its own, which the banner must say), and with the other
    path too where the machine allows it (--comm staged when auto chose NCCL);
 3. the first case with --precision tf32 and bf16 against the fp32 GPU run, within
    --precision-rtol (2e-2).
Every GPU run also passes --stats, whose device memory line must report no allocation from
the driver after step 0 ("(0 after step 0)"), and must say in its banner that it ran on CUDA
with the requested matmul precision.

Tolerances. fp32 on the GPU is the CPU's arithmetic in another order (cuBLAS and the device
reductions associate sums differently from oneDNN and the CPU loops), the same kind of
difference as between two layouts on the CPU, so the bound is the one the e2e layout tests
use (1e-4 relative, against differences of ~1e-6 per op over 5 steps of these small models).
TF32 and bf16 round every matmul input to 10 and 7 mantissa bits (unit roundoff 4.9e-4 and
3.9e-3) and accumulate in fp32, so the logits, and the loss, a smooth function of them, move
by about that much relative; 2e-2 is ~5x bf16's unit roundoff, room for 5 steps of drift.

Exits 0 when everything agrees, 1 on a mismatch or a failed compile or run, 77 (ctest's
SKIP_RETURN_CODE) when meshrt_device_count("cuda") is 0 here, 2 on bad usage.
"""
import argparse
import os
import re
import shlex
import sys

# The e2e harness's helpers (parsing meshes, the table) and the tests' own (running under a
# timeout, parsing losses).
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(TESTS, "e2e"), os.path.join(TESTS, "support")]
from compare_layouts import case_name, parse_mesh, table  # noqa: E402
from meshc_test import RTOL, SKIP, Failure, parse_losses, run_checked  # noqa: E402

COMPILE_TIMEOUT_S = 180
RUN_TIMEOUT_S = 180
STATS_DEVICE = re.compile(r"^stats: device memory: .*\((\d+) after step 0\)", re.M)
BANNER = re.compile(r"^meshc program '.*' on mesh \S+ \(\d+ ranks?, device (.*)\)$", re.M)


def device_count(probe):
    return int(run_checked([probe, "cuda"], RUN_TIMEOUT_S).stdout.strip())


def compile_case(args, index, mesh, layout):
    exe = os.path.join(args.workdir, "case%d" % index)
    cmd = [args.meshc, args.program, "--mesh", mesh, "--layout", layout, "-o", exe]
    run_checked(cmd, COMPILE_TIMEOUT_S, what="meshc")
    return exe


def execute(args, exe, ranks, flags):
    """Runs exe on `ranks` ranks; returns (losses, stdout)."""
    cmd = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n",
           str(ranks), exe, "--steps", str(args.steps), "--seed", str(args.seed),
           "--threads", "1"] + flags
    out = run_checked(cmd, RUN_TIMEOUT_S, what="run").stdout
    return parse_losses(out, shlex.join(cmd)), out


def gpu_run(args, exe, ranks, precision="fp32", comm=None):
    """A --device cuda run with --stats; returns (losses, problems, the device it reported)."""
    flags = ["--device", "cuda", "--precision", precision, "--stats"]
    if comm:
        flags += ["--comm", comm]
    what = "%d rank(s), %s%s" % (ranks, precision, ", --comm " + comm if comm else "")
    losses, out = execute(args, exe, ranks, flags)
    problems = []
    banner = BANNER.search(out)
    device = banner.group(1) if banner else ""
    if not device.startswith("cuda:"):
        problems.append("%s: the banner does not name a CUDA device:\n%s" % (what, out))
    elif "matmul %s" % precision not in device:
        problems.append("%s: the banner does not say 'matmul %s': %s" % (what, precision, device))
    stats = STATS_DEVICE.search(out)
    if not stats:
        problems.append("%s: --stats printed no 'stats: device memory: ...' line:\n%s" %
                        (what, out))
    elif int(stats.group(1)) != 0:
        problems.append("%s: %s device allocations after step 0 (must be 0): %s" %
                        (what, stats.group(1), stats.group(0)))
    return losses, problems, device


def compare(columns, reference, rtol, what):
    """Table of the columns against `reference`; returns (number of bad losses, text)."""
    bad, text = table(columns, reference, rtol)
    ref = dict(columns)[reference]
    for name, losses in columns:
        if set(losses) != set(ref):
            bad += 1
            text += "\n%s reported steps %s, the reference %s" % (name, sorted(losses),
                                                                 sorted(ref))
    return bad, "%s (reference: %s; '!' = relative error above %g):\n%s" % (what, reference,
                                                                             rtol, text)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--meshc", required=True)
    p.add_argument("--mpirun", required=True)
    p.add_argument("--device-count", required=True,
                   help="program that prints meshrt_device_count(\"cuda\")")
    p.add_argument("--workdir", required=True)
    p.add_argument("--program", required=True)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rtol", type=float, default=RTOL)
    p.add_argument("--precision-rtol", type=float, default=2e-2)
    p.add_argument("cases", nargs="+")
    args = p.parse_args()
    if args.steps < 2:
        p.error("--steps must be at least 2 (allocations after step 0 are checked)")

    gpus = device_count(args.device_count)
    if gpus == 0:
        print("SKIP: no CUDA device here (meshrt_device_count(\"cuda\") == 0)")
        return SKIP
    os.makedirs(args.workdir, exist_ok=True)

    parsed = []
    for case in args.cases:
        fields = case.split()
        if len(fields) not in (1, 2):
            p.error("a case is 'MESH [LAYOUT]', got %r" % case)
        parsed.append((fields[0], fields[1] if len(fields) == 2 else ""))
    if parse_mesh(parsed[0][0]) != 1:
        p.error("the first case is the reference and must run on 1 rank")

    problems = []
    reports = []
    try:
        mesh, layout = parsed[0]
        exe = compile_case(args, 0, mesh, layout)
        cpu_name = "cpu, " + case_name(mesh, layout)
        cpu, _ = execute(args, exe, 1, [])
        fp32_name = "cuda fp32, " + case_name(mesh, layout)
        fp32, found, _ = gpu_run(args, exe, 1)
        problems += found
        columns = [(cpu_name, cpu), (fp32_name, fp32)]

        for index, (mesh, layout) in enumerate(parsed[1:], start=1):
            ranks = parse_mesh(mesh)
            exe = compile_case(args, index, mesh, layout)
            losses, found, device = gpu_run(args, exe, ranks)
            problems += found
            # One node: auto stages exactly when the ranks outnumber the GPUs.
            auto = "staged" if ranks > gpus else "nccl"
            if device and auto not in device:
                problems.append("%s: --comm auto on %d ranks and %d GPU(s) should choose %s: %s"
                                % (case_name(mesh, layout), ranks, gpus, auto, device))
            columns.append(("cuda, auto, " + case_name(mesh, layout), losses))
            if auto == "nccl":
                losses, found, _ = gpu_run(args, exe, ranks, comm="staged")
                problems += found
                columns.append(("cuda, staged, " + case_name(mesh, layout), losses))

        low = [(fp32_name, fp32)]
        for precision in ("tf32", "bf16"):
            losses, found, _ = gpu_run(args, os.path.join(args.workdir, "case0"), 1, precision)
            problems += found
            low.append(("cuda %s, %s" % (precision, case_name(*parsed[0])), losses))
    except Failure as e:
        print("FAIL: %s" % e)
        return 1

    bad, text = compare(columns, cpu_name, args.rtol, "fp32 losses of %s" % args.program)
    reports.append(text)
    low_bad, text = compare(low, fp32_name, args.precision_rtol,
                            "tensor-core precisions of %s" % args.program)
    reports.append(text)
    print("\n\n".join(reports))
    for problem in problems:
        print("FAIL: %s" % problem)
    if bad or low_bad:
        print("FAIL: %d loss(es) disagree with their reference" % (bad + low_bad))
    if bad or low_bad or problems:
        return 1
    print("PASS: %d GPU run(s) agree with the CPU (fp32) and with fp32 (tf32, bf16)" %
          (len(columns) + len(low) - 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
