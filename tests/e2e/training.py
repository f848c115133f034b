#!/usr/bin/python3
"""Training a compiled program on real data, end to end: examples/fashion_mnist (an MLP with
loss and accuracy metrics and a probs output) on Fashion-MNIST, converted by meshc-data.

Cases (each compiles what it needs into WORKDIR/CASE):
  layouts     file-fed training over an epoch boundary and the evaluations give the 1-rank
              losses and metrics on 1x2, 2x1, 2x2 and a classes split; one run reads HDF5
  predict     --predict's probabilities, counted by NumPy, give exactly evaluation's accuracy,
              on another mesh than the one that trained
  resume      a checkpoint of a 2x2 run resumes on the same layout bit for bit, and on other
              meshes and layouts within 1e-4 (parameters and Adam state move between layouts)
  checkpoint  the checkpoint of a 2x2 run, read by a NumPy-only reader, equals the 1-rank run's
  accuracy    the full dataset, 2 epochs on 2 ranks: test accuracy >= 0.84 (the README's run
              trains 10 epochs on 4 ranks and reaches ~0.88)

usage: training.py --meshc M --generator G --meshc-data D --mpirun R --workdir W CASE
"""
import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import (SKIP, RTOL, Failure, parse_losses, relative_error,  # noqa: E402
                        run_case, run_checked)

try:
    import numpy as np
except ImportError:
    print("SKIP: NumPy is not installed (Debian: python3-numpy)")
    sys.exit(SKIP)
import numpy_safetensors  # noqa: E402

DATASET = "/usr/share/datasets/fashion-mnist"
SMALL = ["--batch", "64", "--hidden", "64", "--hidden2", "32"]
LAYOUTS = [(2, "b=2", "batch:b"), (2, "m=2", "hidden:m"), (4, "b=2,m=2", "batch:b,hidden:m"),
           (4, "b=2,m=2", "batch:b,classes:m")]
EVAL = re.compile(r"^eval step (\d+) loss (\S+) accuracy (\S+) \((\d+) samples\)$", re.M)


class Case:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.join(args.workdir, args.case)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def convert(self, train=1000, test=300):
        """The first `train` / `test` samples of Fashion-MNIST as .npy (all of them: None)."""
        for split, src, n in (("train", "train", train), ("test", "t10k", test)):
            for part, kind in (("x", "images-idx3"), ("y", "labels-idx1")):
                out = self.path("%s_%s.npy" % (split, part))
                run_checked([self.args.meshc_data, "convert",
                             "%s/%s-%s-ubyte.gz" % (DATASET, src, kind), out], 120)
                if n is not None:
                    np.save(out, np.load(out)[:n])

    def data(self, split):
        return "x=%s,y=%s" % (self.path(split + "_x.npy"), self.path(split + "_y.npy"))

    def compile(self, name, mesh, layout, gen_args=SMALL):
        mlir = self.path("model.mlir")
        if not os.path.exists(mlir):
            run_checked([self.args.generator] + gen_args + ["-o", mlir], 60)
        exe = self.path(name)
        run_checked([self.args.meshc, mlir, "--mesh", mesh, "--layout", layout, "-o", exe], 120)
        return exe

    def run(self, ranks, exe, flags, timeout=300):
        cmd = [self.args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
               "-n", str(ranks), exe, "--threads", "1", "--log-every", "1"] + flags
        return run_checked(cmd, timeout).stdout


def evals(text):
    return [(int(s), float(l), float(a), int(n)) for s, l, a, n in EVAL.findall(text)]


def same(got, want, what, exact=False):
    for s in want:
        bad = got.get(s) != want[s] if exact else relative_error(got.get(s, float("nan")),
                                                                  want[s]) > RTOL
        if bad:
            raise Failure("%s step %d: %r, reference %r" % (what, s, got.get(s), want[s]))


def case_layouts(c):
    c.convert()
    flags = ["--data", c.data("train"), "--eval-data", c.data("test"), "--epochs", "2",
             "--seed", "4"]
    ref = c.run(1, c.compile("one", "b=1", ""), flags)
    ref_losses, ref_evals = parse_losses(ref, "1 rank"), evals(ref)
    # 1000 samples, batch 64: 15 steps per epoch (40 samples dropped); eval after each epoch
    if sorted(ref_losses) != list(range(30)) or [e[0] for e in ref_evals] != [15, 30]:
        raise Failure("1 rank: steps %s, evals %s" % (sorted(ref_losses), ref_evals))
    runs = [(r, m, l, flags, "") for r, m, l in LAYOUTS]
    import h5py  # one run reads the images from HDF5 (the runtime tests cover the formats)
    with h5py.File(c.path("train.h5"), "w") as f:
        f.create_dataset("images", data=np.load(c.path("train_x.npy")))
    h5flags = ["--data", "x=%s:/images,y=%s" % (c.path("train.h5"), c.path("train_y.npy"))]
    runs.append((4, "b=2,m=2", "batch:b,hidden:m", h5flags + flags[2:], " from HDF5"))
    for ranks, mesh, layout, f, source in runs:
        out = c.run(ranks, c.compile("exe", mesh, layout), f)
        same(parse_losses(out, mesh), ref_losses, "%s [%s]" % (mesh, layout))
        got = evals(out)
        for g, w in zip(got, ref_evals):
            if g[0] != w[0] or g[3] != 300 or relative_error(g[1], w[1]) > RTOL or g[2] != w[2]:
                raise Failure("%s [%s]: eval %s, 1 rank %s" % (mesh, layout, got, ref_evals))
        print("ok: %s [%s]%s: 30 steps and 2 evaluations equal the 1-rank run (accuracy %s)" % (
            mesh, layout, source, got[-1][2]))


def case_predict(c):
    c.convert(test=250)  # 250 = 3 batches of 64 + 58: the last one padded
    out = c.run(4, c.compile("hybrid", "b=2,m=2", "batch:b,hidden:m"),
                ["--data", c.data("train"), "--eval-data", c.data("test"), "--steps", "20",
                 "--save", c.path("ck")])
    acc = evals(out)[-1][2]
    for ranks, mesh, layout in ((2, "m=2", "hidden:m"), (1, "b=1", ""),
                                (4, "b=2,m=2", "batch:b,classes:m")):
        pred = c.path("probs.npy")
        c.run(ranks, c.compile("exe", mesh, layout),
              ["--predict", "x=" + c.path("test_x.npy"), "--load", c.path("ck"), "--out", pred])
        probs, y = np.load(pred), np.load(c.path("test_y.npy"))
        if probs.shape != (250, 10) or not np.allclose(probs.sum(axis=1), 1, atol=1e-5):
            raise Failure("%s: probabilities of shape %s, row sums %s" % (
                mesh, probs.shape, probs.sum(axis=1)[:5]))
        correct = int((probs.argmax(axis=1) == y).sum())
        if correct != round(acc * 250):
            raise Failure("%s: %d of 250 predictions right, evaluation said accuracy %s" % (
                mesh, correct, acc))
        print("ok: predictions on %s [%s]: %d of 250 right = evaluation's accuracy %s" % (
            mesh, layout, correct, acc))


def case_resume(c):
    c.convert()
    flags = ["--data", c.data("train"), "--seed", "9"]
    hybrid = c.compile("hybrid", "b=2,m=2", "batch:b,hidden:m")
    full = parse_losses(c.run(4, hybrid, flags + ["--epochs", "2"]), "uninterrupted")
    c.run(4, hybrid, flags + ["--epochs", "1", "--save", c.path("ck")])
    cases = [(4, hybrid, "b=2,m=2 [batch:b,hidden:m]", True)]
    for ranks, mesh, layout in ((1, "b=1", ""), (2, "m=2", "hidden:m"), (2, "b=2", "batch:b")):
        cases.append((ranks, c.compile("exe_" + str(len(cases)), mesh, layout),
                      "%s [%s]" % (mesh, layout), False))
    for ranks, exe, what, exact in cases:
        got = parse_losses(c.run(ranks, exe, flags + ["--epochs", "2", "--load", c.path("ck")]),
                           what)
        if sorted(got) != list(range(15, 30)):
            raise Failure("%s: resumed steps %s" % (what, sorted(got)))
        same(got, {s: full[s] for s in got}, "resumed on " + what, exact)
        print("ok: resumed on %s: steps 15-29 %s the uninterrupted run" % (
            what, "bit-identical to" if exact else "within 1e-4 of"))


def case_checkpoint(c):
    c.convert()
    flags = ["--data", c.data("train"), "--steps", "12"]
    c.run(1, c.compile("one", "b=1", ""), flags + ["--save", c.path("ck_one")])
    c.run(4, c.compile("hybrid", "b=2,m=2", "batch:b,hidden:m"), flags + ["--save", c.path("ck_hy")])
    one, meta1, _ = numpy_safetensors.read(c.path("ck_one", "model.safetensors"))
    hy, meta4, _ = numpy_safetensors.read(c.path("ck_hy", "model.safetensors"))
    want = {p for w in ("w", "b") for i in "123" for p in (w + i, w + i + "/adam_m",
                                                          w + i + "/adam_v")}
    if set(one) != want or set(hy) != want:
        raise Failure("tensor names %s / %s, want %s" % (sorted(one), sorted(hy), sorted(want)))
    for name in sorted(want):
        a, b = one[name], hy[name]
        if a.shape != b.shape or not np.allclose(b, a, rtol=1e-3, atol=1e-5):
            raise Failure("%s differs: max |diff| %g" % (name, np.abs(a - b).max()))
    if (meta4.get("mesh"), meta4.get("layout"), meta4.get("step")) != ("b=2,m=2",
                                                                      "batch:b,hidden:m", "12"):
        raise Failure("metadata %s" % meta4)
    print("ok: the 2x2 checkpoint's %d tensors equal the 1-rank run's (NumPy reader); metadata "
          "%s" % (len(want), {k: meta4[k] for k in ("mesh", "layout", "step")}))


def case_accuracy(c):
    c.convert(train=None, test=None)
    exe = c.compile("dp", "b=2", "batch:b", gen_args=[])
    out = c.run(2, exe, ["--data", c.data("train"), "--eval-data", c.data("test"), "--epochs",
                         "2", "--log-every", "100"], timeout=600)
    e = evals(out)
    if len(e) != 2 or e[-1][3] != 10000 or not e[-1][2] >= 0.84:
        raise Failure("test accuracy after 2 epochs: %s (want >= 0.84)\n%s" % (e, out))
    print("ok: Fashion-MNIST test accuracy %.4f after 2 epochs on 2 ranks" % e[-1][2])


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--meshc", "--generator", "--meshc-data", "--mpirun", "--workdir"):
        ap.add_argument(flag, required=True)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    if not os.path.isdir(DATASET):
        print("SKIP: %s is missing (Debian package dataset-fashion-mnist)" % DATASET)
        return SKIP
    os.environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return run_case(lambda: CASES[args.case](Case(args)))


if __name__ == "__main__":
    sys.exit(main())
