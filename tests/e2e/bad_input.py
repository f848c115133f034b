#!/usr/bin/env python3
"""Bad input, end to end: meshc on a bad program or bad flags, and a compiled program started on
the wrong number of ranks, with bad flags or on a device it cannot use, must exit non-zero (not
by a signal), within a time limit, with one clear line that names the problem.

usage: bad_input.py --meshc BIN --mpirun BIN --workdir DIR [--device-count BIN] CASE
       bad_input.py --list
The cases that need a machine without a usable GPU ask --device-count (a program that prints
meshrt_device_count("cuda")) and exit 77 (ctest's SKIP_RETURN_CODE) where there is one.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, os.pardir, "support"))
from meshc_test import SKIP, run, run_checked, transcript  # noqa: E402

SMALL = os.path.join(HERE, "bad_input", "small.mlir")
TIMEOUT_S = 60
LOC = r"\S+\.mlir:\d+:\d+: error: "

# name -> (meshc arguments, regex of the one error line). The program is small.mlir unless the
# arguments name another one.
MESHC_CASES = {
    "malformed_mlir": ([os.path.join(HERE, "bad_input", "malformed.mlir")],
                       r"^\S*malformed\.mlir:\d+:\d+: error: unbalanced '<'"),
    "op_verifier": ([os.path.join(HERE, "bad_input", "bad_op.mlir")],
                    r"^\S*bad_op\.mlir:6:\d+: error: 'meshc\.einsum' op dimension 'd_in' has "
                    r"sizes 6 and 5"),
    "missing_file": ([os.path.join(HERE, "bad_input", "no_such_file.mlir")],
                     r"^meshc: error: .*no_such_file\.mlir"),
    "unknown_layout_axis": ([SMALL, "--mesh", "b=2", "--layout", "batch:z"],
                            r"^\S*small\.mlir:\d+:\d+: error: layout maps dimension 'batch' to "
                            r"mesh axis 'z', which mesh 'b=2' does not have$"),
    "unknown_layout_dim": ([SMALL, "--mesh", "b=2", "--layout", "nodim:b"],
                           r"^\S*small\.mlir:\d+:\d+: error: .*'nodim'"),
    "not_divisible": ([SMALL, "--mesh", "b=3", "--layout", "batch:b"],
                      r"^\S*small\.mlir:\d+:\d+: error: dimension 'batch' of size 8 is not "
                      r"divisible by mesh axis 'b' of size 3$"),
    "two_dims_one_axis": ([SMALL, "--mesh", "b=2", "--layout", "d_in:b,classes:b"],
                          r"^\S*small\.mlir:\d+:\d+: error: tensor .* puts dimensions 'd_in' "
                          r"and 'classes' on mesh axis 'b'$"),
    "mesh_no_size": ([SMALL, "--mesh", "b2"], r"^meshc: error: --mesh: .*'b2'"),
    "mesh_bad_size": ([SMALL, "--mesh", "b=x"], r"^meshc: error: --mesh: .*'b=x'"),
    "mesh_zero_size": ([SMALL, "--mesh", "b=0"], r"^meshc: error: --mesh: .*'b'.*size 0"),
    "mesh_duplicate_axis": ([SMALL, "--mesh", "b=2,b=2"],
                            r"^meshc: error: --mesh: .*'b' appears twice"),
    "mesh_empty": ([SMALL, "--mesh", ""], r"^meshc: error: --mesh: "),
    "layout_no_axis": ([SMALL, "--mesh", "b=2", "--layout", "batch"],
                       r"^meshc: error: --layout: .*'batch'"),
}

# Hostile sizes and rough edges of the compiler (issue 9): each is refused with one line.
def _bad(name):
    return os.path.join(HERE, "bad_input", name)


MESHC_CASES.update({
    # A model's C++ source instead of the program its generator prints.
    "cxx_source": ([os.path.join(HERE, "..", "..", "examples", "mlp", "mlp.cpp")],
                   r"^meshc: error: \S*mlp\.cpp is C\+\+ source \(a model generator\), not a "
                   r"meshc program: .*\./mlp_gen -o mlp\.mlir.*meshc_add_model\(\)"),
    # No g.minimize: every step would train nothing and print loss 0.
    "no_minimize": ([_bad("no_loss.mlir"), "--mesh", "b=2"],
                    r"^\S*no_loss\.mlir:4:3: error: program 'no_loss' minimizes no loss, so it "
                    r"would train nothing: add g\.minimize\(loss, optimizer\)"),
    # One error line for a bad override, not one for the forward and one for the adjoint.
    "relayout_once": ([_bad("bad_relayout.mlir")],
                      r"^\S*bad_relayout\.mlir:8:\d+: error: relayout maps dimension 'classes' "
                      r"to mesh axis 'model', which mesh 'b=2,m=2' does not have$"),
    "layout_did_you_mean": ([SMALL, "--mesh", "b=2", "--layout", "btach:b"],
                            r"^\S*small\.mlir:\d+:\d+: error: layout names dimension 'btach', "
                            r"which no tensor in the program has; did you mean 'batch'\?$"),
    "mesh_too_many_axes": ([SMALL, "--mesh", ",".join("%s=1" % a for a in "abcdefghij")],
                           r"^meshc: error: --mesh: mesh '.*' has 10 axes, more than the 8 the "
                           r"runtime supports$"),
    # --explain printed "(0 ranks)" for this mesh.
    "mesh_huge_explain": ([SMALL, "--explain", "--mesh", "b=4294967296,m=4294967296"],
                          r"^meshc: error: --mesh: mesh axis 'b' has size 4294967296, more than "
                          r"the 16777216 the runtime supports$"),
    "mesh_too_many_ranks": ([SMALL, "--mesh", "b=65536,m=65536"],
                            r"^meshc: error: --mesh: mesh 'b=65536,m=65536' has more than "
                            r"1073741824 ranks"),
    "tensor_overflow": ([_bad("huge_tensor.mlir"), "--mesh", "b=2"],
                        r"^\S*huge_tensor\.mlir:\d+:\d+: error: tensor of batch=4611686018427387904"
                        r" x d_in=6 has more than 9223372036854775807 elements"),
    # A reshape whose element count wraps to the operand's: it compiled and trained.
    "reshape_wraps": ([_bad("reshape_wraps.mlir"), "--mesh", "b=2"],
                      r"^\S*reshape_wraps\.mlir:6:\d+: error: tensor of batch=8 x a=17 x "
                      r"b=1085102592571150096 has more than 9223372036854775807 elements"),
    # classes = 4294967304 ran as 8 classes (the runtime's class count is an i32).
    "classes_beyond_i32": ([_bad("huge_classes.mlir"), "--mesh", "b=2"],
                           r"^\S*huge_classes\.mlir:\d+:\d+: error: 'meshc\.input' op classes must "
                           r"be at most 2147483647 \(labels are i32\), not 4294967304$"),
})

# name -> (mesh and layout it is compiled for, ranks it is started on (0: without mpirun,
# and then stderr must be that one line), the program's flags, regex of the one error line,
# the exit status it must have (None: any failure), whether the case needs a machine where
# --device cuda cannot work).
RANK_CASES = {
    "ranks_too_few": ("b=2", "batch:b", 1, [],
                      r"^error: program 'small' was compiled for mesh b=2 \(2 ranks\) but runs "
                      r"on 1 ranks?; start it with mpirun -n 2$", None, False),
    "ranks_too_many": ("b=2,m=2", "batch:b,classes:m", 6, [],
                       r"^error: program 'small' was compiled for mesh b=2,m=2 \(4 ranks\) but "
                       r"runs on 6 ranks; start it with mpirun -n 4$", None, False),
    "ranks_no_mpirun": ("b=2", "batch:b", 0, [],
                        r"^error: program 'small' was compiled for mesh b=2 \(2 ranks\) but runs "
                        r"on 1 ranks?; start it with mpirun -n 2$", None, False),
    # Flags are checked before anything starts: usage errors, exit status 2.
    "device_unknown": ("b=1", "", 0, ["--device", "tpu"],
                       r"^small: invalid value 'tpu' for --device \(see --help\)$", 2, False),
    "precision_unknown": ("b=1", "", 0, ["--precision", "fp8"],
                          r"^small: invalid value 'fp8' for --precision \(see --help\)$", 2,
                          False),
    "comm_unknown": ("b=1", "", 0, ["--comm", "foo"],
                     r"^small: invalid value 'foo' for --comm \(see --help\)$", 2, False),
    # No usable GPU (no device, no driver, or a runtime built without CUDA): the line names the
    # CUDA call that failed or the missing support; on 2 ranks every rank leaves alike.
    "device_cuda_no_gpu": ("b=1", "", 0, ["--device", "cuda"],
                           r"^error: --device cuda on rank 0: .*(cuda[A-Z]\w+|without CUDA)",
                           None, True),
    "device_cuda_no_gpu_ranks": ("b=2", "batch:b", 2, ["--device", "cuda"],
                                 r"^error: --device cuda on rank \d+: .*"
                                 r"(cuda[A-Z]\w+|without CUDA)", None, True),
}


def check_exit(rc, what):
    """Problems with an exit status that must be a plain failure."""
    if rc is None:
        return ["%s hangs (killed after %ds)" % (what, TIMEOUT_S)]
    if rc < 0 or rc >= 128:
        return ["%s died of a signal (exit status %d)" % (what, rc)]
    if rc == 0:
        return ["%s succeeds on bad input" % what]
    return []


def meshc_case(args, name):
    flags, pattern = MESHC_CASES[name]
    cmd = [args.meshc] + flags + ["-o", os.path.join(args.workdir, name)]
    rc, out, err = run(cmd, TIMEOUT_S)
    problems = check_exit(rc, "meshc")
    lines = [l for l in err.splitlines() if l.strip()]
    if len(lines) != 1:
        problems.append("meshc printed %d lines on stderr, not one" % len(lines))
    if not any(re.search(pattern, l) for l in lines):
        problems.append("no stderr line matches %r" % pattern)
    if re.search(r"Stack dump|PLEASE submit|Assertion", err):
        problems.append("meshc crashed")
    return cmd, rc, out, err, problems


def has_gpu(args):
    return int(run_checked([args.device_count, "cuda"], TIMEOUT_S).stdout.strip()) > 0


def ranks_case(args, name):
    mesh, layout, ranks, flags, pattern, exit_status, _ = RANK_CASES[name]
    exe = os.path.join(args.workdir, name)
    cmd = [args.meshc, SMALL, "--mesh", mesh, "--layout", layout, "-o", exe]
    rc, out, err = run(cmd, TIMEOUT_S)
    if rc != 0:
        return cmd, rc, out, err, ["meshc cannot compile the program for the run"]
    if ranks:
        cmd = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n",
               str(ranks), exe, "--steps", "2", "--threads", "1"] + flags
    else:
        cmd = [exe, "--steps", "2", "--threads", "1"] + flags
    rc, out, err = run(cmd, TIMEOUT_S)
    problems = check_exit(rc, "the program")
    if exit_status is not None and rc != exit_status:
        problems.append("the program exits with status %s, not %d" % (rc, exit_status))
    # mpirun adds its own banner about the failed job; the program's line must come once
    # (from rank 0 only). Without mpirun it must be all there is on stderr.
    matches = [l for l in (out + err).splitlines() if re.search(pattern, l)]
    if len(matches) != 1:
        problems.append("%d lines match %r, not one" % (len(matches), pattern))
    lines = [l for l in err.splitlines() if l.strip()]
    if not ranks and len(lines) != 1:
        problems.append("the program printed %d lines on stderr, not one" % len(lines))
    if re.search(r"^step \d+ ", out, re.M):
        problems.append("the program ran steps")
    return cmd, rc, out, err, problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--meshc")
    p.add_argument("--mpirun")
    p.add_argument("--workdir")
    p.add_argument("--device-count",
                   help="program printing meshrt_device_count(\"cuda\") (for the GPU cases)")
    p.add_argument("--list", action="store_true", help="print the case names")
    p.add_argument("case", nargs="?")
    args = p.parse_args()
    if args.list:
        print("\n".join(list(MESHC_CASES) + list(RANK_CASES)))
        return 0
    if not (args.meshc and args.mpirun and args.workdir and args.case):
        p.error("--meshc, --mpirun, --workdir and a case are required")
    os.makedirs(args.workdir, exist_ok=True)
    if args.case in MESHC_CASES:
        cmd, rc, out, err, problems = meshc_case(args, args.case)
    elif args.case in RANK_CASES:
        if RANK_CASES[args.case][-1]:
            if not args.device_count:
                p.error("case %r needs --device-count" % args.case)
            if has_gpu(args):
                print("SKIP: %s needs a machine where --device cuda cannot work, and "
                      "meshrt_device_count(\"cuda\") > 0 here" % args.case)
                return SKIP
        cmd, rc, out, err, problems = ranks_case(args, args.case)
    else:
        p.error("unknown case %r (see --list)" % args.case)
    print(transcript(cmd, rc, out, err))
    if problems:
        for problem in problems:
            print("FAIL: %s" % problem)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
