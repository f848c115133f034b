#!/usr/bin/env python3
"""Checkpoints of weights in node-shared storage (meshc-share-updates): a run whose SGD weights
are shared by the 4 ranks of "b=2,m=2 batch:b,seq:m" saves them once, and a checkpoint loaded
into shared storage is written by one rank of each group while the others wait. A save of the
shared run resumed on 1 rank, on the shared run and with --shared-params off, and a 1-rank save
resumed on the shared run, must continue with the uninterrupted 1-rank run's losses.

usage:
  share_checkpoint.py --meshc BIN --mpirun BIN --workdir DIR --program FILE.mlir
The program must be trained with SGD and split its batch and seq dims in layout
"batch:b,seq:m" on mesh "b=2,m=2" so that its weights' gradients sum over both axes.
Exits 0 when everything agrees, 1 otherwise.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shard_checkpoint import run_checks, same  # noqa: E402

SHARE_ALL = ["--share-update-min-bytes=0"]


def checks(r):
    one = r.compile("one", "b=1", "", [])
    shared = r.compile("shared", "b=2,m=2", "batch:b,seq:m", SHARE_ALL)
    full = r.run(1, one, ["--steps", "6"])
    resumed = {s: full[s] for s in range(3, 6)}
    r.run(4, shared, ["--steps", "3", "--save", r.path("ck_shared")])
    same(r.run(1, one, ["--steps", "6", "--load", r.path("ck_shared")]), resumed,
         "shared b=2,m=2 saved, resumed on 1 rank")
    same(r.run(4, shared, ["--steps", "6", "--load", r.path("ck_shared")]), resumed,
         "shared b=2,m=2 saved, resumed shared")
    same(r.run(4, shared, ["--steps", "6", "--load", r.path("ck_shared"), "--shared-params",
                           "off"]), resumed,
         "shared b=2,m=2 saved, resumed with --shared-params off")
    r.run(1, one, ["--steps", "3", "--save", r.path("ck_one")])
    same(r.run(4, shared, ["--steps", "6", "--load", r.path("ck_one")]), resumed,
         "1 rank saved, resumed shared on b=2,m=2")
    print("ok: checkpoints of a run with node-shared weights resume on 1 rank, shared and "
          "unshared, and a 1-rank checkpoint resumes shared; steps 3-5 equal the "
          "uninterrupted 1-rank run")


if __name__ == "__main__":
    sys.exit(run_checks(checks))
