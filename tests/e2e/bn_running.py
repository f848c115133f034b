#!/usr/bin/python3
"""Batch norm's running statistics end to end (programs/bn_running.mlir: batch norm on the input
with running statistics bn_mean/bn_var, as the DSL's batch_norm(..., RunningStats) builds it),
trained on data NumPy wrote, 16 samples in batches of 8:

  - after 6 steps the checkpoint's bn_mean and bn_var equal NumPy's running statistics of the
    same batches (the loader's shuffle, data/shuffle.h, recomputed here; momentum 0.1, unbiased
    variance), on 1 rank, with the batch split (synchronised statistics), the channels split,
    both (2x2), and a split non-channel dim;
  - evaluation normalises with them: the printed eval loss equals NumPy's forward pass with the
    checkpoint's parameters and running statistics, and differs from the one with the
    evaluation batch's own statistics;
  - a checkpoint round trip: 3 steps, --save, --load, 3 more steps give the statistics of 6
    straight steps on the same 2x2 layout.

usage: bn_running.py --meshc M --mpirun R --workdir W
"""
import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import SKIP, Failure, relative_error, run_case, run_checked  # noqa: E402

try:
    import numpy as np
except ImportError:
    print("SKIP: NumPy is not installed (Debian: python3-numpy)")
    sys.exit(SKIP)
import numpy_safetensors  # noqa: E402

PROGRAM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs", "bn_running.mlir")
SEED, STEPS, BATCH, MOMENTUM, EPS = 3, 6, 8, 0.1, 1e-5
LAYOUTS = [(1, "b=1", ""), (2, "b=2", "n:b"), (2, "m=2", "c:m"), (4, "b=2,m=2", "n:b,c:m"),
           (2, "m=2", "w:m")]
EVAL = re.compile(r"^eval step (\d+) loss (\S+)", re.M)
MASK = (1 << 64) - 1


def mix64(z):
    """runtime/src/data/random.h: splitmix64's finaliser."""
    z = (z + 0x9e3779b97f4a7c15) & MASK
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK
    return z ^ (z >> 31)


def epoch_permutation(seed, epoch, samples):
    """runtime/src/data/shuffle.h: Fisher-Yates on the counter-based hash."""
    order = list(range(samples))
    prefix = mix64(mix64(seed ^ 0x6461746120726f77) ^ epoch)
    for i in range(samples - 1, 0, -1):
        j = (mix64(prefix ^ i) * (i + 1)) >> 64
        order[i], order[j] = order[j], order[i]
    return order


def running_stats(x, steps):
    """NumPy's running mean and variance (float64) after `steps` training steps."""
    mean, var = np.zeros(x.shape[-1]), np.ones(x.shape[-1])
    per_epoch = x.shape[0] // BATCH
    for k in range(steps):
        order = epoch_permutation(SEED, k // per_epoch, x.shape[0])
        b = x[order[(k % per_epoch) * BATCH:(k % per_epoch + 1) * BATCH]].astype(np.float64)
        values = b.reshape(-1, b.shape[-1])
        mean = (1 - MOMENTUM) * mean + MOMENTUM * values.mean(axis=0)
        var = (1 - MOMENTUM) * var + MOMENTUM * values.var(axis=0, ddof=1)
    return mean, var


def eval_loss(t, x, y, mean, var):
    """The program's loss in float64 with the given statistics and the checkpoint's params."""
    x = x.astype(np.float64)
    h = (x - mean) / np.sqrt(var + EPS) * t["gamma"] + t["beta"]
    logits = np.einsum("nwc,wck->nk", np.maximum(h, 0), t["v"].astype(np.float64))
    top = logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(lse - logits[np.arange(len(y)), y]))


class Case:
    def __init__(self, args):
        self.args = args
        self.work = args.workdir
        os.makedirs(self.work, exist_ok=True)
        rng = np.random.default_rng(12)
        shift = np.array([0.5, -1.0, 2.0, 0.0])
        spread = np.array([1.0, 0.5, 2.0, 3.0])
        self.x = (rng.normal(size=(16, 4, 4)) * spread + shift).astype(np.float32)
        self.y = rng.integers(0, 3, size=16).astype(np.int32)
        # The evaluation set comes from elsewhere: its own statistics are far from the running ones.
        self.xe = (rng.normal(size=(8, 4, 4)) * 0.7 + 1.0).astype(np.float32)
        self.ye = rng.integers(0, 3, size=8).astype(np.int32)
        for name in ("x", "y", "xe", "ye"):
            np.save(self.path(name + ".npy"), getattr(self, name))

    def path(self, name):
        return os.path.join(self.work, name)

    def compile(self, mesh, layout):
        exe = self.path("bn_%s_%s" % (mesh, layout or "none")).replace(",", "_").replace(":", "")
        cmd = [self.args.meshc, PROGRAM, "--mesh", mesh, "-o", exe]
        run_checked(cmd + (["--layout", layout] if layout else []), 120)
        return exe

    def run(self, ranks, exe, steps, save, extra=()):
        shutil.rmtree(save, ignore_errors=True)
        cmd = [self.args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
               "-n", str(ranks), exe, "--threads", "1", "--seed", str(SEED), "--steps",
               str(steps), "--data", "x=%s,y=%s" % (self.path("x.npy"), self.path("y.npy")),
               "--eval-data", "x=%s,y=%s" % (self.path("xe.npy"), self.path("ye.npy")),
               "--save", save] + list(extra)
        out = run_checked(cmd, 300).stdout
        tensors, _, _ = numpy_safetensors.read(os.path.join(save, "model.safetensors"))
        return out, tensors


def close(got, want, what, tol=1e-5):
    err = np.max(np.abs(np.asarray(got, np.float64) - want) / np.maximum(np.abs(want), 1e-3))
    if not err <= tol:
        raise Failure("%s: %s, reference %s (relative error %.3g)" % (what, got, want, err))


def check(args):
    c = Case(args)
    want_mean, want_var = running_stats(c.x, STEPS)
    first = None
    for ranks, mesh, layout in LAYOUTS:
        what = "%s %s" % (mesh, layout or "(replicated)")
        out, t = c.run(ranks, c.compile(mesh, layout), STEPS, c.path("save_" + mesh + layout))
        close(t["bn_mean"], want_mean, what + ": running mean")
        close(t["bn_var"], want_var, what + ": running variance")
        evals = EVAL.findall(out)
        if not evals or int(evals[-1][0]) != STEPS:
            raise Failure("%s: no evaluation after step %d in:\n%s" % (what, STEPS, out))
        got = float(evals[-1][1])
        running = eval_loss(t, c.xe, c.ye, t["bn_mean"].astype(np.float64),
                            t["bn_var"].astype(np.float64))
        flat = c.xe.astype(np.float64).reshape(-1, 4)
        batch = eval_loss(t, c.xe, c.ye, flat.mean(axis=0), flat.var(axis=0))
        if relative_error(running, batch) < 1e-2:
            raise Failure("the test cannot tell: eval loss %g with running statistics, %g with "
                          "the batch's" % (running, batch))
        if relative_error(got, running) > 1e-4:
            raise Failure("%s: eval loss %r, NumPy's with the running statistics %r (with the "
                          "evaluation batch's statistics: %r)" % (what, got, running, batch))
        if first is None:
            first = t
        for name in ("bn_mean", "bn_var", "gamma", "beta"):
            close(t[name], first[name].astype(np.float64), what + ": " + name + " vs 1 rank",
                  1e-4)
        print("%s: running statistics and eval loss %.6f agree with NumPy" % (what, got))

    # Resume: the statistics are saved and loaded with the parameters.
    exe = c.compile("b=2,m=2", "n:b,c:m")
    _, straight = c.run(4, exe, STEPS, c.path("straight"))
    c.run(4, exe, STEPS // 2, c.path("half"))
    _, resumed = c.run(4, exe, STEPS, c.path("resumed"), ["--load", c.path("half")])
    for name in ("bn_mean", "bn_var"):
        if not np.array_equal(resumed[name], straight[name]):
            raise Failure("%s after resuming from step %d: %s, straight run: %s"
                          % (name, STEPS // 2, resumed[name], straight[name]))
    print("checkpoint round trip: running statistics resume bit for bit")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ("--meshc", "--mpirun", "--workdir"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    return run_case(lambda: check(args))


if __name__ == "__main__":
    sys.exit(main())
