#!/usr/bin/env python3
"""A label outside [0, classes) in a label file, end to end: the program must end with the
1-rank kernel's line `error: rank R: softmax cross-entropy label outside [0, 8)` and a
non-zero exit (not a signal, not a hang) on every layout, also where the class dim is split
over a mesh axis and the cross-entropy runs in its vocab-parallel form (no rank's slice holds
such a label, so unchecked it would silently drop out of the loss).

usage: xent_bad_labels.py --meshc BIN --mpirun BIN --workdir DIR CASE
       xent_bad_labels.py --list
Each case compiles bad_input/xent_labels.mlir (8 classes) for its layout, checks that the
per-rank program has the form the case is about (the cross-entropy kernel on 1 rank; the
one-hots of the split form checking their labels, xent_labels, elsewhere), trains 2 steps (one
epoch of 16 samples) on a label file whose labels are all classes (must succeed), then on the
same file with one label replaced by the case's bad value (must fail as above, only on ranks
that hold that sample's row: the ones its batch slice puts it on). Exit 77 where NumPy is
missing.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, os.pardir, "support"))
from meshc_test import SKIP, Failure, run, run_case, run_checked, transcript  # noqa: E402

PROGRAM = os.path.join(HERE, "bad_input", "xent_labels.mlir")
CLASSES, SAMPLES, BATCH = 8, 16, 8
TIMEOUT_S = 120
ERROR = re.compile(r"^error: rank (\d+): softmax cross-entropy label outside \[0, 8\)$")

# name -> (mesh, layout, ranks, the bad label, whether the class dim is split)
CASES = {
    "xent_label_1rank": ("b=1", "", 1, CLASSES, False),
    "xent_label_1x2": ("m=2", "classes:m", 2, CLASSES, True),
    "xent_label_2x2": ("b=2,m=2", "batch:b,classes:m", 4, CLASSES, True),
    "xent_label_2x2_negative": ("b=2,m=2", "batch:b,classes:m", 4, -1, True),
}


def check_form(args, mesh, layout, split):
    """The per-rank program has the cross-entropy form the case is about."""
    cmd = [args.meshc, PROGRAM, "--mesh", mesh, "--layout", layout, "--emit=partitioned"]
    ir = run_checked(cmd, TIMEOUT_S).stdout
    checked = len(re.findall(r"meshc\.one_hot %\S+ \{[^}]*xent_labels", ir))
    kernel = "meshc.softmax_xent " in ir
    if split and (kernel or checked == 0):
        raise Failure("the class dim is not split, or its one-hots do not check their labels "
                      "(xent_labels): %d checking one-hots, softmax_xent %s\n%s"
                      % (checked, "kept" if kernel else "expanded", ir))
    if not split and (not kernel or checked):
        raise Failure("1 rank should run the cross-entropy kernel:\n%s" % ir)


def mpirun(args, ranks, exe, data):
    return [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n",
            str(ranks), exe, "--steps", "2", "--threads", "1", "--log-every", "1", "--data",
            "x=%s,y=%s" % data]


def case(args, name):
    import numpy as np

    mesh, layout, ranks, bad, split = CASES[name]
    check_form(args, mesh, layout, split)
    exe = os.path.join(args.workdir, name)
    run_checked([args.meshc, PROGRAM, "--mesh", mesh, "--layout", layout, "-o", exe], TIMEOUT_S)
    rng = np.random.default_rng(5)
    x_path, good_path, bad_path = (os.path.join(args.workdir, "%s_%s.npy" % (name, what))
                                   for what in ("x", "y_good", "y_bad"))
    np.save(x_path, rng.normal(size=(SAMPLES, 6)).astype(np.float32))
    labels = rng.integers(0, CLASSES, size=SAMPLES).astype(np.int32)
    labels[SAMPLES - 1] = CLASSES - 1  # the largest class is fine
    np.save(good_path, labels)
    labels[5] = bad
    np.save(bad_path, labels)

    cmd = mpirun(args, ranks, exe, (x_path, good_path))
    res = run_checked(cmd, TIMEOUT_S)
    if not re.search(r"^step 1 loss ", res.stdout, re.M):
        raise Failure("the run on good labels printed no step 1:\n%s"
                      % transcript(cmd, res.returncode, res.stdout, res.stderr))

    cmd = mpirun(args, ranks, exe, (x_path, bad_path))
    rc, out, err = run(cmd, TIMEOUT_S)
    print(transcript(cmd, rc, out, err))
    if rc is None:
        raise Failure("the run on a bad label hangs (killed after %ds)" % TIMEOUT_S)
    if rc == 0 or rc < 0 or rc >= 128:
        raise Failure("the run on a bad label exits with status %d, not a plain failure" % rc)
    errors = [l for l in (out + err).splitlines() if l.startswith("error:")]
    failed = [int(m.group(1)) for m in map(ERROR.match, errors) if m]
    if not failed or len(failed) != len(errors):
        raise Failure("the program's error lines %r are not all %r (and at least one)"
                      % (errors, ERROR.pattern))
    # The ranks that hold the bad sample's row fail; with the batch split over b (the mesh's
    # first axis, ranks b-major), those are one b row's ranks, never both rows'.
    if mesh.startswith("b=2") and len({r // 2 for r in failed}) != 1:
        raise Failure("ranks %s of both batch halves failed; only one half holds the sample"
                      % failed)
    if re.search(r"Stack dump|Assertion|Segmentation", out + err):
        raise Failure("a rank crashed")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--meshc")
    p.add_argument("--mpirun")
    p.add_argument("--workdir")
    p.add_argument("--list", action="store_true", help="print the case names")
    p.add_argument("case", nargs="?")
    args = p.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if not (args.meshc and args.mpirun and args.workdir and args.case in CASES):
        p.error("--meshc, --mpirun, --workdir and a case (see --list) are required")
    try:
        import numpy  # noqa: F401
    except ImportError:
        print("SKIP: NumPy is not installed (Debian: python3-numpy)")
        return SKIP
    os.makedirs(args.workdir, exist_ok=True)
    return run_case(lambda: case(args, args.case))


if __name__ == "__main__":
    sys.exit(main())
