#!/usr/bin/env python3
"""Checkpoints of sharded optimizer updates (meshc-shard-updates) hold the GLOBAL optimizer
state: a run with sharded Adam saved, resumed without sharding and on another layout, and the
other way round, must continue with the uninterrupted 1-rank run's losses; and `meshc --explain`
must name the sharded parameters and count their optimizer state at 1/axis-size.

usage:
  shard_checkpoint.py --meshc BIN --mpirun BIN --workdir DIR --program FILE.mlir
The program must be trained with Adam and have its parameters' first dims divisible by 2, all
of them whole in layout "batch:b" on mesh "b=2".
Exits 0 when everything agrees, 1 otherwise.
"""
import argparse
import os
import re
import shlex
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import RTOL, Failure, parse_losses, relative_error, run_checked  # noqa: E402

TIMEOUT_S = 120
SHARD_ALL = ["--shard-update-min-bytes=0"]


class Runner:
    def __init__(self, args):
        self.args = args
        os.makedirs(args.workdir, exist_ok=True)

    def path(self, name):
        return os.path.join(self.args.workdir, name)

    def compile(self, name, mesh, layout, flags):
        exe = self.path(name)
        run_checked([self.args.meshc, self.args.program, "--mesh", mesh, "--layout", layout,
                     "-o", exe] + flags, TIMEOUT_S, what="meshc")
        return exe

    def explain(self, mesh, layout, flags):
        return run_checked([self.args.meshc, self.args.program, "--mesh", mesh, "--layout",
                            layout, "--explain"] + flags, TIMEOUT_S, what="meshc").stdout

    def run(self, ranks, exe, flags):
        cmd = [self.args.mpirun, "--allow-run-as-root", "--bind-to", "none"]
        cmd += ["--oversubscribe"] if ranks > 2 else []
        cmd += ["-n", str(ranks), exe, "--seed", "3", "--threads", "1"] + flags
        return parse_losses(run_checked(cmd, TIMEOUT_S, what="run").stdout, shlex.join(cmd))


def same(got, want, what):
    if sorted(got) != sorted(want):
        raise Failure("%s: steps %s, want %s" % (what, sorted(got), sorted(want)))
    for step in sorted(want):
        if not relative_error(got[step], want[step]) <= RTOL:
            raise Failure("%s: step %d loss %r, the uninterrupted 1-rank run's %r" % (
                what, step, got[step], want[step]))


def optimizer_bytes(report):
    m = re.search(r"^  optimizer state +(\d+)", report, re.M)
    if not m:
        raise Failure("--explain has no optimizer state line:\n" + report)
    return int(m.group(1))


def check_explain(r):
    whole = r.explain("b=2", "batch:b", ["--no-shard-updates"])
    sharded = r.explain("b=2", "batch:b", SHARD_ALL)
    m = re.search(r"^sharded optimizer updates \(meshc-shard-updates\): (\d+) of (\d+) parameters "
                  r"\(([^)]*)\).*\n  optimizer state saved (\d+)", sharded, re.M)
    if not m or m.group(1) != m.group(2):
        raise Failure("--explain does not shard every parameter:\n" + sharded)
    if not all(part.endswith(" over b") for part in m.group(3).split(", ")):
        raise Failure("--explain names other axes than b: " + m.group(3))
    before, after, saved = optimizer_bytes(whole), optimizer_bytes(sharded), int(m.group(4))
    if after * 2 != before or saved != before - after:
        raise Failure("optimizer state %d bytes whole, %d sharded, %d saved: want half, and the "
                      "difference" % (before, after, saved))
    if "sharded optimizer updates (meshc-shard-updates): 0 of" not in whole:
        raise Failure("--no-shard-updates still shards:\n" + whole)
    print("ok: --explain: %s of %s parameters sharded (%s), optimizer state %d -> %d bytes" % (
        m.group(1), m.group(2), m.group(3), before, after))


def run_checks(checks):
    """The main of a checkpoint script: parses --meshc, --mpirun, --workdir and --program, runs
    checks(Runner); 0, or 1 after printing the Failure it raised."""
    parser = argparse.ArgumentParser()
    for flag in ("--meshc", "--mpirun", "--workdir", "--program"):
        parser.add_argument(flag, required=True)
    r = Runner(parser.parse_args())
    try:
        checks(r)
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    return 0


def checks(r):
    check_explain(r)
    one = r.compile("one", "b=1", "", [])
    sharded = r.compile("sharded", "b=2", "batch:b", SHARD_ALL)
    whole = r.compile("whole", "b=2,m=2", "batch:b,hidden:m", ["--no-shard-updates"])
    full = r.run(1, one, ["--steps", "6"])
    resumed = {s: full[s] for s in range(3, 6)}
    # Sharded saved -> resumed on 1 rank and unsharded on 2x2.
    r.run(2, sharded, ["--steps", "3", "--save", r.path("ck_sharded")])
    same(r.run(1, one, ["--steps", "6", "--load", r.path("ck_sharded")]), resumed,
         "sharded b=2 saved, resumed on 1 rank")
    same(r.run(4, whole, ["--steps", "6", "--load", r.path("ck_sharded")]), resumed,
         "sharded b=2 saved, resumed unsharded on b=2,m=2")
    # Unsharded saved -> resumed sharded.
    r.run(4, whole, ["--steps", "3", "--save", r.path("ck_whole")])
    same(r.run(2, sharded, ["--steps", "6", "--load", r.path("ck_whole")]), resumed,
         "unsharded b=2,m=2 saved, resumed sharded on b=2")
    print("ok: checkpoints of sharded and unsharded runs resume on either, steps 3-5 equal "
          "the uninterrupted 1-rank run")


if __name__ == "__main__":
    sys.exit(run_checks(checks))
